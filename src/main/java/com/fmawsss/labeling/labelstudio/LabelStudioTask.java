package com.fmawsss.labeling.labelstudio;

import java.util.Set;
import tools.jackson.databind.JsonNode;
import java.util.LinkedHashSet;

/**
 * A Label Studio task as this service reads it.
 *
 * @param id task id (null in ad-hoc predict calls without one)
 * @param data the task data ({@code {"image": "/data/upload/1/a.jpg", ...}})
 * @param predictionVersions model versions of the predictions the task lists (task lists with
 *     {@code fields=all}, webhook payloads); the task may have more
 * @param totalPredictions Label Studio's count of the task's predictions (every task list carries it),
 *     or null when absent
 */
public record LabelStudioTask(Long id, JsonNode data, Set<String> predictionVersions, Integer totalPredictions) {

    /** Copies the set. */
    public LabelStudioTask {
        predictionVersions = predictionVersions == null ? Set.of() : Set.copyOf(predictionVersions);
    }

    /** A task without a prediction count. */
    public LabelStudioTask(Long id, JsonNode data, Set<String> predictionVersions) {
        this(id, data, predictionVersions, null);
    }

    /**
     * Reads a task object of Label Studio's API or of a predict request.
     *
     * @param node the task JSON
     */
    public static LabelStudioTask of(JsonNode node) {
        Long id = node.path("id").isIntegralNumber() ? node.path("id").asLong() : null;
        Set<String> versions = new LinkedHashSet<>();
        for (JsonNode prediction : node.path("predictions")) {
            String version = prediction.path("model_version").asString("");
            if (!version.isEmpty()) {
                versions.add(version);
            }
        }
        // The data manager's list view carries the versions as one comma-separated string instead.
        for (String version : node.path("predictions_model_versions").asString("").split(",")) {
            if (!version.isBlank()) {
                versions.add(version.strip());
            }
        }
        JsonNode total = node.path("total_predictions");
        return new LabelStudioTask(id, node.path("data"), versions, total.isIntegralNumber() ? total.asInt() : null);
    }

    /**
     * The value of a data key as text.
     *
     * @return the value, or null when absent or not text
     */
    public String dataValue(String key) {
        JsonNode value = data == null ? null : data.get(key);
        return value != null && value.isString() ? value.asString() : null;
    }
}
