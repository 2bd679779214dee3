package com.fmawsss.labeling.labelstudio;

import com.fmawsss.problems.ApiProblem;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Label Studio's webhook events, as the ML backend protocol receives them ({@code {"action": ...,
 * "annotation": {...}, "task": {...}, "project": {...}}}): created and updated annotations go to
 * the correction dataset, deleted ones leave it, {@code START_TRAINING} starts a training job, and
 * any other action is acknowledged with {@code 200 {"status": "Unknown event"}}.
 */
public final class WebhookHandler {

    private static final Set<String> UPSERTS = Set.of("ANNOTATION_CREATED", "ANNOTATION_UPDATED", "ANNOTATIONS_CREATED");
    private static final Set<String> DELETES = Set.of("ANNOTATIONS_DELETED", "ANNOTATION_DELETED");

    private final CorrectionDataset dataset;
    private final TrainingStarter training;

    public WebhookHandler(CorrectionDataset dataset, TrainingStarter training) {
        this.dataset = dataset;
        this.training = training;
    }

    /**
     * The answer to an event.
     *
     * @param status HTTP status
     * @param body JSON body
     */
    public record Reply(int status, Body body) {}

    /**
     * The protocol's answer body.
     *
     * @param status {@code ok} or {@code Unknown event}
     * @param result what was done, or null
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Body(String status, Object result) {}

    /**
     * Handles an event.
     *
     * @param event the webhook body
     * @return the reply
     * @throws ApiProblem for bodies that are not webhook events of a known action
     */
    public Reply handle(JsonNode event) {
        if (event == null || !event.isObject() || !event.path("action").isString()) {
            throw ApiProblem.badRequest("a webhook body is a JSON object with a string 'action'");
        }
        String action = event.path("action").asString();
        if (UPSERTS.contains(action)) {
            return new Reply(201, new Body("ok", upserts(event)));
        }
        if (DELETES.contains(action)) {
            long project = project(event);
            List<Long> ids = new ArrayList<>();
            JsonNode annotations = event.has("annotations") ? event.path("annotations") : event.path("annotation");
            for (JsonNode annotation : annotations.isArray() ? toList(annotations) : List.of(annotations)) {
                if (annotation.path("id").isIntegralNumber()) {
                    ids.add(annotation.path("id").asLong());
                }
            }
            return new Reply(201, new Body("ok", ids.isEmpty() ? "nothing to delete" : "queued " + dataset.delete(project, ids)));
        }
        if (action.equals("START_TRAINING")) {
            return new Reply(201, new Body("ok", training.start(project(event))));
        }
        return new Reply(200, new Body("Unknown event", null));
    }

    private List<String> upserts(JsonNode event) {
        long project = project(event);
        String labelConfig = event.path("project").path("label_config").asString("");
        if (labelConfig.isBlank()) {
            throw ApiProblem.badRequest("the event's project has no label_config (enable 'send payload' on the webhook)");
        }
        JsonNode annotations = event.path("annotation");
        JsonNode tasks = event.path("task");
        List<JsonNode> annotationList = annotations.isArray() ? toList(annotations) : List.of(annotations);
        List<String> queued = new ArrayList<>();
        for (JsonNode annotation : annotationList) {
            JsonNode task = taskOf(annotation, tasks);
            if (!annotation.path("id").isIntegralNumber() || task == null || !task.path("id").isIntegralNumber()) {
                throw ApiProblem.badRequest("an annotation event needs 'annotation' with an id and its 'task' with id and data");
            }
            if (annotation.path("was_cancelled").asBoolean(false)) {
                queued.add("annotation " + annotation.path("id").asLong() + " was cancelled (skipped task): not stored");
                continue;
            }
            if (!annotation.path("result").isArray()) {
                throw ApiProblem.badRequest("annotation " + annotation.path("id").asLong() + " has no 'result' array");
            }
            queued.add("queued " + dataset.accept(project, labelConfig, LabelStudioTask.of(task), annotation.path("id").asLong(),
                    annotation.path("result")));
        }
        return queued;
    }

    /** The task of an annotation: the event's task, or the one of the event's task list with the annotation's task id. */
    private static JsonNode taskOf(JsonNode annotation, JsonNode tasks) {
        if (!tasks.isArray()) {
            return tasks.isObject() ? tasks : null;
        }
        long id = annotation.path("task").asLong(-1);
        for (JsonNode task : tasks) {
            if (task.path("id").asLong(-2) == id) {
                return task;
            }
        }
        return null;
    }

    private static long project(JsonNode event) {
        JsonNode id = event.path("project").path("id");
        if (!id.isIntegralNumber()) {
            throw ApiProblem.badRequest("the event has no 'project' with an id");
        }
        return id.asLong();
    }

    private static List<JsonNode> toList(JsonNode array) {
        List<JsonNode> list = new ArrayList<>();
        array.forEach(list::add);
        return list;
    }
}
