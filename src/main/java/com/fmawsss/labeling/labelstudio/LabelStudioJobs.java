package com.fmawsss.labeling.labelstudio;

import com.fmawsss.labeling.Segmenter;
import com.fmawsss.jobs.Job;
import com.fmawsss.jobs.JobRecord;
import com.fmawsss.jobs.JobResumer;
import com.fmawsss.problems.ApiProblem;
import com.fmawsss.problems.ProblemTypes;
import com.fmawsss.prompts.PromptSet;
import java.time.Duration;
import java.util.Optional;
import tools.jackson.databind.json.JsonMapper;

/**
 * Builds project pre-annotation jobs from their requests, validated before they are queued, and
 * rebuilds unfinished ones after a restart.
 */
public final class LabelStudioJobs implements JobResumer {

    /** Job type of project pre-annotation. */
    public static final String TYPE = "label-studio-preannotation";

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration TASK_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration INITIAL_BACKOFF = Duration.ofSeconds(1);
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(1);

    private final LabelStudioProperties properties;
    private final LabelStudioClient client;
    private final LabelStudioPredictor predictor;
    private final Segmenter segmenter;

    /**
     * Creates the factory.
     *
     * @param properties integration settings
     * @param client the rate-limited client jobs use
     * @param segmenter the inference (prompt versions)
     */
    public LabelStudioJobs(LabelStudioProperties properties, LabelStudioClient client, LabelStudioPredictor predictor,
            Segmenter segmenter) {
        this.properties = properties;
        this.client = client;
        this.predictor = predictor;
        this.segmenter = segmenter;
    }

    /**
     * The request of a pre-annotation job.
     *
     * @param project Label Studio project id (required)
     * @param promptVersion prompt version (default: the active one when the job is created)
     */
    public record PreAnnotationRequest(Long project, String promptVersion) {}

    /**
     * Validates a request and fixes its prompt version, so that a resumed job predicts with the
     * version it started with.
     *
     * @return the request to store with the job
     */
    public PreAnnotationRequest normalize(PreAnnotationRequest request) {
        if (request == null || request.project() == null || request.project() < 1) {
            throw ApiProblem.unprocessable(ProblemTypes.INVALID_REQUEST, "Missing project", "'project' (a Label Studio project id) is required");
        }
        if (properties.url() == null || properties.apiKey() == null) {
            throw ApiProblem.unprocessable(ProblemTypes.INVALID_REQUEST, "Label Studio not configured",
                    "set LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY (fma.label-studio.url, fma.label-studio.api-key)");
        }
        PromptSet set = request.promptVersion() == null ? segmenter.activePromptSet() : segmenter.promptSet(request.promptVersion());
        if (set == null) {
            throw ApiProblem.unprocessable(ProblemTypes.UNKNOWN_PROMPT_VERSION, "Unknown prompt version",
                    "no prompt version '" + request.promptVersion() + "'");
        }
        return new PreAnnotationRequest(request.project(), set.id());
    }

    /**
     * The job of a normalised request.
     *
     * @return the job
     */
    public Job create(PreAnnotationRequest request) {
        PreAnnotationRequest normalized = normalize(request);
        return new PreAnnotationJob(normalized.project(), normalized.promptVersion(), client, predictor, properties.pageSize(),
                TASK_TIMEOUT, new Backoff(INITIAL_BACKOFF, MAX_BACKOFF, properties.jobPatience()));
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Optional<Job> resume(JobRecord record) {
        try {
            return Optional.of(create(JSON.readValue(record.request(), PreAnnotationRequest.class)));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
