package com.fmawsss.labeling.labelstudio;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** Label Studio's prediction JSON, as the ML backend protocol and the predictions API carry it. */
public final class LabelStudioPrediction {

    private LabelStudioPrediction() {}

    /**
     * One region of a prediction ({@code result} item).
     *
     * @param id region id, unique within the prediction
     * @param fromName the control's name
     * @param toName the image's name
     * @param type {@code brushlabels} or {@code polygonlabels}
     * @param originalWidth image width the region refers to
     * @param originalHeight image height
     * @param imageRotation always 0
     * @param value a {@link BrushValue} or {@link PolygonValue}
     * @param score the class's probability
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ResultItem(
            String id,
            @JsonProperty("from_name") String fromName,
            @JsonProperty("to_name") String toName,
            String type,
            @JsonProperty("original_width") int originalWidth,
            @JsonProperty("original_height") int originalHeight,
            @JsonProperty("image_rotation") int imageRotation,
            Object value,
            Double score) {}

    /**
     * A brush region's value.
     *
     * @param format always {@code rle}
     * @param rle Label Studio's packed RLE of the RGBA mask ({@link BrushRle})
     * @param brushlabels the region's label
     */
    public record BrushValue(String format, int[] rle, List<String> brushlabels) {}

    /**
     * A polygon region's value.
     *
     * @param points vertices {@code [x, y]} in percent of the image width and height
     * @param polygonlabels the region's label
     * @param closed always true
     */
    public record PolygonValue(List<double[]> points, List<String> polygonlabels, boolean closed) {}

    /** One task's entry of a {@code /predict} answer. */
    public sealed interface TaskOutcome permits Predicted, Failed {}

    /**
     * A prediction for a task.
     *
     * @param result the regions (empty when nothing was found)
     * @param score mean class probability of the regions
     */
    public record Predicted(List<ResultItem> result, double score, @JsonProperty("model_version") String modelVersion)
            implements TaskOutcome {}

    /**
     * A task that could not be predicted. It has no {@code result} member, so Label Studio stores
     * no prediction and logs the entry; the task can be predicted again later.
     *
     * @param task the task id
     * @param error why
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Failed(Long task, String error, @JsonProperty("model_version") String modelVersion) implements TaskOutcome {}

    /**
     * The body of {@code POST /api/predictions/}.
     *
     * @param task task id
     * @param result the regions
     * @param score prediction score
     */
    public record Post(long task, List<ResultItem> result, double score, @JsonProperty("model_version") String modelVersion) {}
}
