package com.fmawsss.api.labelstudio;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fmawsss.labeling.labelstudio.LabelConfigException;
import com.fmawsss.labeling.labelstudio.LabelMapping;
import com.fmawsss.labeling.labelstudio.LabelStudioClicks;
import com.fmawsss.labeling.labelstudio.LabelStudioClient;
import com.fmawsss.labeling.labelstudio.LabelStudioPredictor;
import com.fmawsss.labeling.labelstudio.LabelStudioProperties;
import com.fmawsss.labeling.labelstudio.LabelStudioPrediction;
import com.fmawsss.labeling.labelstudio.LabelStudioTask;
import com.fmawsss.labeling.labelstudio.SmartRegions;
import com.fmawsss.labeling.labelstudio.WebhookHandler;
import com.fmawsss.labeling.Segmenter;
import com.fmawsss.pipeline.PipelineSubmission;
import com.fmawsss.problems.ApiProblem;
import com.fmawsss.problems.ProblemTypes;
import com.fmawsss.security.OutboundRequestException;
import jakarta.annotation.PreDestroy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * Label Studio's ML backend protocol ({@code label_studio_ml/api.py}) under {@code
 * fma.label-studio.base-path}: connect the service in Label Studio with {@code
 * http://host:8080/label-studio}. Health and setup do no model work (Label Studio gives them 1 s
 * and 3 s); predict answers one entry per task within its budget; the webhook stores corrections.
 * Thin: the protocol logic is in {@code com.fmawsss.labeling.labelstudio}.
 */
@RestController
@RequestMapping(path = "${fma.label-studio.base-path:/label-studio}", produces = MediaType.APPLICATION_JSON_VALUE)
@ConditionalOnProperty(prefix = "fma.label-studio", name = "enabled", havingValue = "true", matchIfMissing = true)
public class LabelStudioController {

    /** The {@code model_class} Label Studio shows. */
    static final String MODEL_CLASS = "FmaWsssSegmenter";

    private final LabelStudioPredictor predictor;
    private final LabelStudioClicks clicks;
    private final LabelStudioClient client;
    private final LabelStudioProperties properties;
    private final Segmenter segmenter;
    private final WebhookHandler webhooks;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

    /**
     * @param predictor predicts tasks
     * @param clicks answers the smart tools
     * @param client fetches images
     * @param properties settings
     * @param segmenter the inference (model version)
     * @param webhooks handles webhook events
     */
    public LabelStudioController(LabelStudioPredictor predictor, LabelStudioClicks clicks, LabelStudioClient client,
            LabelStudioProperties properties, Segmenter segmenter, WebhookHandler webhooks) {
        this.predictor = predictor;
        this.clicks = clicks;
        this.client = client;
        this.properties = properties;
        this.segmenter = segmenter;
        this.webhooks = webhooks;
    }

    /**
     * {@code GET /health} and {@code GET /}.
     *
     * @param status always {@code UP}
     * @param modelClass the model's name
     */
    record Health(String status, @JsonProperty("model_class") String modelClass) {}

    /**
     * The setup answer.
     *
     * @param modelVersion bundle and prompt version
     * @param labels how the schema's labels map to classes (absent without a usable schema)
     * @param warnings problems with the schema
     */
    record Setup(@JsonProperty("model_version") String modelVersion, List<LabelMapping.Mapped> labels, List<String> warnings) {}

    /**
     * @param labelConfig the project's label config
     * @param project {@code "<id>.<created timestamp>"}
     * @param params login, password, and the context: the smart-tool regions of an interactive prediction
     */
    record PredictRequest(List<JsonNode> tasks, @JsonProperty("label_config") String labelConfig, JsonNode project, JsonNode params) {}

    /**
     * The predict answer: one entry per task, in order.
     *
     * @param results predictions or errors
     * @param warnings labels that are not predicted
     */
    record PredictResponse(List<LabelStudioPrediction.TaskOutcome> results, @JsonProperty("model_version") String modelVersion,
            List<String> warnings) {}

    /**
     * Liveness as the protocol asks it.
     *
     * @return {@code {"status": "UP", "model_class": ...}}
     */
    @GetMapping({"", "/", "/health"})
    public Health health() {
        return new Health("UP", MODEL_CLASS);
    }

    /**
     * Connection check with the project's schema.
     *
     * @param body {@code {"project", "schema", "hostname", "access_token", "extra_params"}}; hostname and
     *     token are ignored (the service only trusts its own configuration)
     * @return the model version and the label mapping
     */
    @PostMapping("/setup")
    public Setup setup(@RequestBody(required = false) JsonNode body) {
        String schema = body == null ? "" : body.path("schema").asString("");
        String modelVersion = segmenter.modelVersion(null);
        if (schema.isBlank()) {
            return new Setup(modelVersion, null, List.of("no schema (label config) was sent"));
        }
        try {
            LabelStudioPredictor.Plan plan = predictor.plan(schema, null);
            return new Setup(modelVersion, plan.mapping().mapped(), plan.warnings());
        } catch (LabelConfigException e) {
            return new Setup(modelVersion, null, List.of(e.getMessage()));
        }
    }

    /**
     * Predictions for a batch of tasks, or, when the context holds smart-tool regions (an annotator's
     * keypoints or rectangle), SAM's mask for them on the one task.
     *
     * @param request the protocol's request
     * @return one entry per task, when all are done or the budget is spent
     */
    @PostMapping(path = "/predict", consumes = MediaType.APPLICATION_JSON_VALUE)
    public CompletableFuture<PredictResponse> predict(@RequestBody PredictRequest request) {
        if (request.tasks() == null || request.labelConfig() == null) {
            throw ApiProblem.badRequest("a predict request needs 'tasks' and 'label_config'");
        }
        List<LabelStudioTask> tasks = new ArrayList<>(request.tasks().size());
        for (JsonNode task : request.tasks()) {
            if (task == null || !task.isObject()) {
                throw ApiProblem.badRequest("every task must be a JSON object");
            }
            tasks.add(LabelStudioTask.of(task));
        }
        Optional<SmartRegions> regions = smartRegions(request.params());
        if (regions.isPresent()) {
            return click(request.labelConfig(), tasks, regions.get());
        }
        LabelStudioPredictor.Plan plan = predictor.plan(request.labelConfig(), null);
        return CompletableFuture.supplyAsync(
                () -> new PredictResponse(predictor.predictAll(plan, tasks, client, properties.predictBudget()), plan.modelVersion(),
                        plan.warnings()),
                executor);
    }

    private Optional<SmartRegions> smartRegions(JsonNode params) {
        JsonNode context = params == null ? null : params.path("context");
        try {
            return SmartRegions.parse(context, segmenter.maxPromptPoints());
        } catch (IllegalArgumentException e) {
            throw invalidClick(e.getMessage());
        }
    }

    private CompletableFuture<PredictResponse> click(String labelConfig, List<LabelStudioTask> tasks, SmartRegions regions) {
        if (!segmenter.answersClicks()) {
            throw new ApiProblem(HttpStatus.NOT_IMPLEMENTED, ProblemTypes.PROMPTS_UNSUPPORTED, "Smart tools not supported",
                    "the model bundle was exported without SAM's prompt decoder (sam/prompt_decoder.pt); export it again"
                            + " with models/export.py to answer Label Studio's smart tools", Map.of());
        }
        if (tasks.size() != 1) {
            throw ApiProblem.badRequest("an interactive prediction (a context with smart-tool regions) is about one task, got "
                    + tasks.size());
        }
        LabelStudioClicks.Plan plan;
        try {
            plan = clicks.plan(labelConfig, regions);
        } catch (LabelConfigException e) {
            throw invalidClick(e.getMessage());
        }
        LabelStudioTask task = tasks.get(0);
        return clicks.predict(plan, task, regions, client, executor).handle((prediction, failure) -> {
            if (failure != null) {
                throw new CompletionException(clickProblem(PipelineSubmission.causeOf(failure), task));
            }
            return new PredictResponse(List.of(prediction), prediction.modelVersion(), List.of());
        });
    }

    private static Throwable clickProblem(Throwable cause, LabelStudioTask task) {
        return switch (cause) {
            case IllegalArgumentException e -> invalidClick(e.getMessage());
            case OutboundRequestException e -> new ApiProblem(HttpStatus.BAD_GATEWAY, ProblemTypes.IMAGE_UNREACHABLE,
                    "Image unreachable", "the image of task " + task.id() + " cannot be fetched: " + e.getMessage(), Map.of());
            default -> cause;
        };
    }

    private static ApiProblem invalidClick(String detail) {
        return ApiProblem.unprocessable(ProblemTypes.INVALID_PROMPT, "Smart tool not answerable", detail);
    }

    /**
     * Label Studio webhook events.
     *
     * @return {@code 201 {"status": "ok", "result": ...}} or {@code 200 {"status": "Unknown event"}}
     */
    @PostMapping(path = "/webhook", consumes = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<WebhookHandler.Body> webhook(@RequestBody JsonNode event) {
        WebhookHandler.Reply reply = webhooks.handle(event);
        return ResponseEntity.status(reply.status()).body(reply.body());
    }

    /**
     * The protocol's metrics endpoint (the service's metrics are at {@code /actuator/prometheus}).
     *
     * @return an empty object
     */
    @GetMapping("/metrics")
    public Map<String, Object> metrics() {
        return Map.of();
    }

    @PreDestroy
    void close() {
        executor.shutdownNow();
    }
}
