package com.fmawsss.labeling.labelstudio;

import com.fmawsss.image.DecodedImage;
import com.fmawsss.image.ImageDecoder;
import com.fmawsss.labeling.Segmenter;
import com.fmawsss.sam.SamPrompt;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Label Studio's smart tools: an annotator's keypoints or rectangle ({@link SmartRegions}) become
 * SAM's mask for them, answered as one region of the project's {@code BrushLabels} (or {@code
 * PolygonLabels}) control on the same image, with the label chosen in the smart tool, as SAM's
 * example backend answers (label-studio-ml-backend {@code segment_anything_model/model.py::
 * get_results}), scored with SAM's predicted IoU.
 *
 * <p>Every click of an annotator on a task sends the whole task again; the SHA-256 of its image is
 * kept per task and image URL, so a later click takes the decoded image (and its SAM embedding)
 * the service kept instead of fetching and decoding it again.
 */
public final class LabelStudioClicks {

    /** How long a task's image is remembered after its last click. */
    static final Duration REMEMBER_TASK_IMAGE = Duration.ofMinutes(30);

    private final Segmenter segmenter;
    private final ImageDecoder decoder;
    private final LabelStudioProperties properties;
    private final Cache<TaskImage, String> taskImages = Caffeine.newBuilder()
            .maximumSize(4096)
            .expireAfterAccess(REMEMBER_TASK_IMAGE)
            .build();

    private record TaskImage(Long task, String value) {}

    /**
     * What one click asks for, resolved against the label config: the control answered and the label.
     *
     * @param target the brush or polygon control on the clicked image
     * @param label one of the target's labels
     */
    public record Plan(LabelConfig.Target target, String label) {}

    public LabelStudioClicks(Segmenter segmenter, ImageDecoder decoder, LabelStudioProperties properties) {
        this.segmenter = segmenter;
        this.decoder = decoder;
        this.properties = properties;
    }

    /**
     * Resolves the control and the label a click is answered with.
     *
     * @throws LabelConfigException when the image has no brush or polygon control, or the smart
     *     tool's label is not one of that control's labels
     */
    public Plan plan(String labelConfig, SmartRegions regions) {
        LabelConfig config = LabelConfig.parse(labelConfig);
        LabelConfig.Target target = config.target(regions.toName()).orElseThrow(() -> new LabelConfigException(
                "the label config has no BrushLabels or PolygonLabels control on the image '" + regions.toName()
                        + "' for the smart tools' masks"));
        List<String> labels = target.control().labels().stream().map(LabelConfig.LabelTag::value).toList();
        String label = regions.label();
        if (label == null && labels.size() == 1) {
            label = labels.get(0);
        }
        if (label == null || !labels.contains(label)) {
            throw new LabelConfigException("the smart tool's label " + (label == null ? "(none)" : "'" + label + "'")
                    + " is not a label of the " + target.control().type().resultType() + " control '"
                    + target.control().name() + "' (" + String.join(", ", labels)
                    + "): give the smart KeyPointLabels/RectangleLabels the same labels as it");
        }
        return new Plan(target, label);
    }

    /**
     * Answers one click on a task.
     *
     * @param fetcher runs the image fetch (blocking I/O), when the task's image is not kept
     * @return the prediction; fails with {@link IllegalArgumentException} for a task without the
     *     image, with the client's or the decoder's exception when the image cannot be had, or with
     *     the service's problem when the click cannot be answered in time
     */
    public CompletableFuture<LabelStudioPrediction.Predicted> predict(Plan plan, LabelStudioTask task, SmartRegions regions,
            LabelStudioClient client, Executor fetcher) {
        String value = task.dataValue(plan.target().dataKey());
        if (value == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("the task data has no text value '"
                    + plan.target().dataKey() + "' (the Image '" + plan.target().imageName() + "' reads $"
                    + plan.target().dataKey() + ")"));
        }
        TaskImage key = new TaskImage(task.id(), value);
        Optional<DecodedImage> kept = Optional.ofNullable(taskImages.getIfPresent(key)).flatMap(segmenter::seenImage);
        CompletableFuture<DecodedImage> image = kept.map(CompletableFuture::completedFuture).orElseGet(() ->
                CompletableFuture.supplyAsync(() -> {
                    DecodedImage decoded = decoder.decode(client.image(value, task.id()), segmenter.imageLimits());
                    taskImages.put(key, decoded.sha256());
                    return decoded;
                }, fetcher));
        String modelVersion = segmenter.modelVersion(null);
        return image.thenCompose(decoded -> {
            SamPrompt prompt = regions.inPixels(decoded.image().width(), decoded.image().height());
            return segmenter.click(decoded, prompt);
        }).thenApply(mask -> PredictionEncoder.encode(mask, plan.target(), plan.label(), regionId(),
                properties.polygonMinArea(), modelVersion));
    }

    /** Label Studio's own region ids are 10 random characters; a suggestion needs one unique in its annotation. */
    private static String regionId() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    }
}
