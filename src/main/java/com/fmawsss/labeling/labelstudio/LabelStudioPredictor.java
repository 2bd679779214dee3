package com.fmawsss.labeling.labelstudio;

import com.fmawsss.image.DecodedImage;
import com.fmawsss.image.ImageDecodeException;
import com.fmawsss.image.ImageDecoder;
import com.fmawsss.labeling.Segmentation;
import com.fmawsss.labeling.Segmenter;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.security.OutboundRequestException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Predicts Label Studio tasks: reads the label config, maps its labels to classes, fetches each
 * task's image, runs the segmentation and encodes the result for the configured control. Every
 * task gets its own outcome: a prediction, or an error that names what went wrong with that task.
 */
public final class LabelStudioPredictor {

    private static final Logger LOG = LoggerFactory.getLogger(LabelStudioPredictor.class);

    private final Segmenter segmenter;
    private final ImageDecoder decoder;
    private final LabelStudioProperties properties;

    public LabelStudioPredictor(Segmenter segmenter, ImageDecoder decoder, LabelStudioProperties properties) {
        this.segmenter = segmenter;
        this.decoder = decoder;
        this.properties = properties;
    }

    /**
     * What a label config asks for, resolved against a prompt version.
     *
     * @param target the control and image answered
     * @param mapping labels to classes
     * @param promptVersion the prompt version used
     * @param modelVersion the model version reported
     */
    public record Plan(LabelConfig.Target target, LabelMapping mapping, String promptVersion, String modelVersion) {

        /**
         * Human-readable notes for the tool: unmapped labels.
         *
         * @return one line per unmapped label
         */
        public List<String> warnings() {
            return mapping.unmapped().stream().map(u -> "label '" + u.label() + "' is not predicted: " + u.reason()).toList();
        }
    }

    /**
     * Resolves a label config.
     *
     * @param labelConfig the XML
     * @param promptVersion prompt version, or null for the active one
     * @throws LabelConfigException when the config has no usable control or no label maps to a class
     */
    public Plan plan(String labelConfig, String promptVersion) {
        LabelConfig config = LabelConfig.parse(labelConfig);
        LabelConfig.Target target = config.target().orElseThrow(() -> new LabelConfigException(
                "the label config has no BrushLabels or PolygonLabels control bound to an Image"));
        PromptSet set = promptVersion == null ? segmenter.activePromptSet() : segmenter.promptSet(promptVersion);
        if (set == null) {
            throw new LabelConfigException("prompt version '" + promptVersion + "' does not exist");
        }
        LabelMapping mapping = LabelMapping.of(target.control().labels(), set.vocabulary(), properties.freeTextLabels(),
                segmenter.maxClasses(), segmenter.maxClassNameLength());
        if (mapping.mapped().isEmpty()) {
            throw new LabelConfigException("no label of control '" + target.control().name() + "' maps to a class: "
                    + String.join("; ", mapping.unmapped().stream().map(u -> u.label() + ": " + u.reason()).toList()));
        }
        return new Plan(target, mapping, set.id(), segmenter.modelVersion(set.id()));
    }

    /**
     * Predicts tasks in order within a time budget; tasks left when it runs out get an error.
     *
     * @param plan the resolved config
     * @param client fetches images
     * @param budget time for all tasks
     * @return one outcome per task, in order
     */
    public List<LabelStudioPrediction.TaskOutcome> predictAll(Plan plan, List<LabelStudioTask> tasks, LabelStudioClient client, Duration budget) {
        long deadline = System.nanoTime() + budget.toNanos();
        List<LabelStudioPrediction.TaskOutcome> outcomes = new ArrayList<>(tasks.size());
        for (LabelStudioTask task : tasks) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                outcomes.add(new LabelStudioPrediction.Failed(task.id(), "not predicted within the " + budget.toSeconds()
                        + " s budget of one /predict call; run a pre-annotation job for large batches", plan.modelVersion()));
                continue;
            }
            outcomes.add(predict(plan, task, client, Segmenter.Urgency.INTERACTIVE, Duration.ofNanos(left)));
        }
        return outcomes;
    }

    /**
     * Predicts one task.
     *
     * @param plan the resolved config
     * @param client fetches the image
     * @param urgency the scheduler queue
     * @param timeout deadline of the inference
     * @return the prediction, or the error
     */
    public LabelStudioPrediction.TaskOutcome predict(Plan plan, LabelStudioTask task, LabelStudioClient client, Segmenter.Urgency urgency,
            Duration timeout) {
        try {
            String value = task.dataValue(plan.target().dataKey());
            if (value == null) {
                return new LabelStudioPrediction.Failed(task.id(), "the task data has no text value '" + plan.target().dataKey()
                        + "' (the Image '" + plan.target().imageName() + "' reads $" + plan.target().dataKey() + ")",
                        plan.modelVersion());
            }
            DecodedImage image = decoder.decode(client.image(value, task.id()), segmenter.imageLimits());
            Segmentation segmentation = await(segmenter.segment(image, plan.mapping().classNames(), plan.promptVersion(),
                    urgency, timeout), timeout);
            return PredictionEncoder.encode(segmentation, plan.target(), plan.mapping(), properties.polygonMinArea(),
                    plan.modelVersion());
        } catch (IllegalArgumentException | OutboundRequestException e) {
            return failed(task, e.getMessage(), plan);
        } catch (ImageDecodeException e) {
            return failed(task, "the image cannot be used: " + e.getMessage(), plan);
        } catch (TaskFailure e) {
            return failed(task, e.getMessage(), plan);
        } catch (RuntimeException e) {
            if (isServiceException(e)) {
                return failed(task, "the segmentation was refused: " + e.getMessage(), plan);
            }
            LOG.error("predicting Label Studio task {} failed unexpectedly", task.id(), e);
            return failed(task, "internal error while predicting the task (logged by the service)", plan);
        }
    }

    private static LabelStudioPrediction.Failed failed(LabelStudioTask task, String message, Plan plan) {
        LOG.info("Label Studio task {} not predicted: {}", task.id(), message);
        return new LabelStudioPrediction.Failed(task.id(), message, plan.modelVersion());
    }

    private static Segmentation await(CompletableFuture<Segmentation> future, Duration timeout) {
        try {
            return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new TaskFailure("the segmentation did not finish within " + timeout.toSeconds() + " s");
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new TaskFailure("interrupted");
        } catch (CancellationException e) {
            throw new TaskFailure("the segmentation was cancelled");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (isServiceException(cause)) {
                throw new TaskFailure("the segmentation failed: " + cause.getMessage());
            }
            throw new IllegalStateException("segmentation failed", cause);
        }
    }

    /** The service's own exceptions (queue full, timeout, unknown class) carry client-safe messages. */
    private static boolean isServiceException(Throwable e) {
        return e instanceof RuntimeException && e.getClass().getPackageName().startsWith("com.fmawsss") && e.getMessage() != null;
    }

    /** A task-level failure with a message for the client. */
    private static final class TaskFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TaskFailure(String message) {
            super(message);
        }
    }
}
