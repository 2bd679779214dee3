package com.fmawsss.labeling.labelstudio;

import com.fmawsss.labeling.Segmenter;
import com.fmawsss.io.AtomicFiles;
import com.fmawsss.jobs.Job;
import com.fmawsss.jobs.JobContext;
import com.fmawsss.jobs.JobRecord;
import com.fmawsss.security.OutboundRequestException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * Pre-annotates a whole Label Studio project: reads the project's tasks page by page through the
 * Label Studio API (small pages of stored data only: no annotations, no predictions), predicts each
 * task at background priority and posts the prediction to {@code /api/predictions/}. A task that
 * already holds a prediction of the same model version is skipped: Label Studio's task list only
 * counts a task's predictions, so the versions of a task with any are asked for ({@code
 * /api/predictions/?task=}). This is also how the job meets Label Studio's "retrieve predictions
 * automatically": Label Studio predicts a page's unpredicted tasks through this service's {@code
 * /predict} before it answers the page, and the job then finds those predictions and skips the
 * tasks. Requests to Label Studio are spaced by the rate limit; transient failures are waited out
 * ({@link Backoff}).
 *
 * <p>Resumable: after every task the position (page, index in page) and the counters are
 * checkpointed atomically in the job's work directory; a restarted job continues after the last
 * checkpoint. A task predicted after the last checkpoint is recognised by its prediction's model
 * version and counted as skipped.
 */
public final class PreAnnotationJob implements Job {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String STATE = "preannotation-state.json";
    private static final int MAX_ERRORS = 20;

    private final long project;
    private final String promptVersion;
    private final LabelStudioClient client;
    private final LabelStudioPredictor predictor;
    private final int pageSize;
    private final Duration taskTimeout;
    private final Backoff backoff;

    /**
     * @param project Label Studio project id
     * @param promptVersion the prompt version (fixed when the job was created)
     * @param client the rate-limited Label Studio client
     * @param pageSize tasks per page
     * @param taskTimeout deadline of one task's inference, queueing included
     * @param backoff how transient Label Studio failures are waited out
     */
    public PreAnnotationJob(long project, String promptVersion, LabelStudioClient client, LabelStudioPredictor predictor,
            int pageSize, Duration taskTimeout, Backoff backoff) {
        this.project = project;
        this.promptVersion = promptVersion;
        this.client = client;
        this.predictor = predictor;
        this.pageSize = pageSize;
        this.taskTimeout = taskTimeout;
        this.backoff = backoff;
    }

    /**
     * The checkpoint.
     *
     * @param page current page (1-based)
     * @param index tasks of the page already handled
     * @param predicted predictions posted
     * @param skipped tasks that had a prediction of this model version
     * @param failed tasks that could not be predicted
     * @param errors the first errors, {@code "task <id>: <reason>"}
     */
    record State(int page, int index, long predicted, long skipped, long failed, List<String> errors) {
        State {
            errors = List.copyOf(errors);
        }

        static State initial() {
            return new State(1, 0, 0, 0, 0, List.of());
        }

        long handled() {
            return predicted + skipped + failed;
        }
    }

    @Override
    public Map<String, String> run(JobContext context) throws Exception {
        Path statePath = context.workDirectory().resolve(STATE);
        State state = Files.isRegularFile(statePath) ? JSON.readValue(Files.readAllBytes(statePath), State.class) : State.initial();
        String labelConfig = backoff.call(context, () -> client.labelConfig(project));
        LabelStudioPredictor.Plan plan = predictor.plan(labelConfig, promptVersion);
        long total = -1;
        long handledBefore = state.handled();
        long start = System.nanoTime();
        while (true) {
            context.checkCancelled();
            int page = state.page();
            LabelStudioClient.TaskPage tasks = backoff.call(context, () -> client.tasks(project, page, pageSize));
            if (tasks.total() >= 0) {
                total = tasks.total();
            }
            if (tasks.tasks().isEmpty()) {
                break;
            }
            for (int i = state.index(); i < tasks.tasks().size(); i++) {
                context.checkCancelled();
                LabelStudioTask task = tasks.tasks().get(i);
                state = handle(context, plan, task, state);
                state = new State(page, i + 1, state.predicted(), state.skipped(), state.failed(), state.errors());
                AtomicFiles.write(statePath, JSON.writeValueAsBytes(state));
                report(context, state, total, handledBefore, start);
            }
            state = new State(page + 1, 0, state.predicted(), state.skipped(), state.failed(), state.errors());
            AtomicFiles.write(statePath, JSON.writeValueAsBytes(state));
            if (total >= 0 && (long) page * pageSize >= total) {
                break;
            }
        }
        report(context, state, state.handled(), handledBefore, start);
        Map<String, String> result = new LinkedHashMap<>();
        result.put("project", Long.toString(project));
        result.put("modelVersion", plan.modelVersion());
        result.put("promptVersion", plan.promptVersion());
        result.put("predicted", Long.toString(state.predicted()));
        result.put("skipped", Long.toString(state.skipped()));
        result.put("failed", Long.toString(state.failed()));
        if (!state.errors().isEmpty()) {
            result.put("errors", String.join("\n", state.errors()));
        }
        if (!plan.warnings().isEmpty()) {
            result.put("warnings", String.join("\n", plan.warnings()));
        }
        return result;
    }

    private State handle(JobContext context, LabelStudioPredictor.Plan plan, LabelStudioTask task, State state) throws InterruptedException {
        if (task.id() == null) {
            return withError(state, "a task without id");
        }
        try {
            if (hasPrediction(context, task, plan.modelVersion())) {
                return new State(state.page(), state.index(), state.predicted(), state.skipped() + 1, state.failed(), state.errors());
            }
        } catch (OutboundRequestException e) {
            return withError(state, "task " + task.id() + ": " + e.getMessage());
        }
        LabelStudioPrediction.TaskOutcome outcome = predictor.predict(plan, task, client, Segmenter.Urgency.BACKGROUND, taskTimeout);
        // A shutdown or cancel during the task is not the task's failure: stop before it is recorded.
        context.checkCancelled();
        if (outcome instanceof LabelStudioPrediction.Failed failed) {
            return withError(state, "task " + task.id() + ": " + failed.error());
        }
        LabelStudioPrediction.Predicted predicted = (LabelStudioPrediction.Predicted) outcome;
        try {
            backoff.call(context, () -> {
                client.createPrediction(new LabelStudioPrediction.Post(task.id(), predicted.result(), predicted.score(), predicted.modelVersion()));
                return null;
            });
        } catch (OutboundRequestException e) {
            return withError(state, "task " + task.id() + ": " + e.getMessage());
        }
        return new State(state.page(), state.index(), state.predicted() + 1, state.skipped(), state.failed(), state.errors());
    }

    /** Whether the task holds a prediction of the model version (asked only when it holds any). */
    private boolean hasPrediction(JobContext context, LabelStudioTask task, String modelVersion) throws InterruptedException {
        if (task.predictionVersions().contains(modelVersion)) {
            return true;
        }
        if (task.totalPredictions() != null && task.totalPredictions() == 0) {
            return false;
        }
        return backoff.call(context, () -> client.predictionVersions(task.id())).contains(modelVersion);
    }

    private static State withError(State state, String error) {
        List<String> errors = new ArrayList<>(state.errors());
        if (errors.size() < MAX_ERRORS) {
            errors.add(error);
        }
        return new State(state.page(), state.index(), state.predicted(), state.skipped(), state.failed() + 1, errors);
    }

    /** Progress with the task rate of this run (a resumed run does not count the earlier one's tasks). */
    private static void report(JobContext context, State state, long total, long handledBefore, long start) {
        double seconds = Math.max(1e-9, (System.nanoTime() - start) / 1e9);
        double rate = (state.handled() - handledBefore) / seconds;
        Long eta = total < 0 || rate <= 0 ? null : (long) Math.max(0, (total - state.handled()) / rate);
        context.progress(new JobRecord.ProgressReport("predict", state.handled(), Math.max(total, state.handled()), null,
                rate, eta, null));
    }
}
