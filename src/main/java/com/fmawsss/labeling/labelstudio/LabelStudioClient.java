package com.fmawsss.labeling.labelstudio;

import com.fmawsss.security.GuardedHttpClient;
import com.fmawsss.security.OutboundRequestException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Label Studio's REST API and file serving, through the guarded HTTP client: task images,
 * projects, task pages and predictions. The API key goes to the Label Studio origin only; every
 * request waits for the rate limiter first. A 401 to a personal access token's access token
 * exchanges the key again and repeats the request once.
 */
public final class LabelStudioClient {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long MAX_API_BYTES = 64L * 1024 * 1024;

    private final URI base;
    private final GuardedHttpClient http;
    private final LabelStudioAuth auth;
    private final GuardedHttpClient.Credentials credentials;
    private final RateLimiter limiter;
    private final long maxImageBytes;
    private final Duration apiTimeout;

    /**
     * @param base Label Studio's base URL, or null when not configured (only absolute image URLs work)
     * @param http the guarded client
     * @param auth API credentials, or null without an API key
     * @param limiter request spacing
     * @param maxImageBytes largest image fetched
     */
    public LabelStudioClient(URI base, GuardedHttpClient http, LabelStudioAuth auth, RateLimiter limiter, long maxImageBytes) {
        this(base, http, auth, limiter, maxImageBytes, null);
    }

    private LabelStudioClient(URI base, GuardedHttpClient http, LabelStudioAuth auth, RateLimiter limiter, long maxImageBytes,
            Duration apiTimeout) {
        this.base = base;
        this.http = http;
        this.auth = auth;
        this.credentials = auth == null ? null : auth.credentials();
        this.limiter = limiter;
        this.maxImageBytes = maxImageBytes;
        this.apiTimeout = apiTimeout;
    }

    /**
     * The client of the pre-annotation job: its own rate limit, and a deadline for API requests
     * that outlives Label Studio's automatic predictions of a task page.
     *
     * @param other the limiter
     * @param jobAuth API credentials, or null
     * @param timeout deadline of one API request (task pages, predictions)
     */
    public LabelStudioClient forJob(RateLimiter other, LabelStudioAuth jobAuth, Duration timeout) {
        return new LabelStudioClient(base, http, jobAuth, other, maxImageBytes, timeout);
    }

    /**
     * Fetches a task's image.
     *
     * @param value the value of the image's data key
     * @return the bytes
     * @throws IllegalArgumentException when the value cannot be resolved
     * @throws OutboundRequestException when the fetch is refused or fails
     */
    public byte[] image(String value, Long taskId) {
        LabelStudioUrls.Source source = LabelStudioUrls.resolve(value, taskId, base);
        if (source instanceof LabelStudioUrls.Inline inline) {
            if (inline.bytes().length > maxImageBytes) {
                throw new OutboundRequestException(OutboundRequestException.Kind.TOO_LARGE,
                        "the data: image is larger than " + maxImageBytes + " bytes");
            }
            return inline.bytes();
        }
        List<URI> uris = ((LabelStudioUrls.Remote) source).uris();
        if (requiresKey(uris.getFirst()) && credentials == null) {
            throw new IllegalArgumentException("Label Studio serves '" + LabelStudioUrls.abbreviate(value)
                    + "' only with an API key; set LABEL_STUDIO_API_KEY (fma.label-studio.api-key)");
        }
        List<String> failures = new ArrayList<>();
        OutboundRequestException last = null;
        for (URI uri : uris) {
            GuardedHttpClient.Response response = send(GuardedHttpClient.Request.get(uri, maxImageBytes, credentials));
            if (response.ok() && response.body().length > 0) {
                return response.body();
            }
            // An empty 2xx is Label Studio handing the file to an nginx that is not there (X-Accel-Redirect).
            String failure = GuardedHttpClient.redact(response.uri()) + (response.ok()
                    ? " answered HTTP " + response.status() + " without a body"
                            + (response.headers().firstValue("X-Accel-Redirect").isPresent() ? " (X-Accel-Redirect for an nginx)" : "")
                    : " answered HTTP " + response.status());
            failures.add(failure);
            last = OutboundRequestException.status(response.status(), response.headers(), String.join("; then ", failures));
        }
        throw last;
    }

    /**
     * A project's label config.
     *
     * @param project project id
     * @return the {@code label_config} XML
     */
    public String labelConfig(long project) {
        JsonNode node = getJson("/api/projects/" + project + "/");
        JsonNode config = node.path("label_config");
        if (!config.isString()) {
            throw new OutboundRequestException(OutboundRequestException.Kind.FAILED,
                    "Label Studio project " + project + " has no label_config");
        }
        return config.asString();
    }

    /**
     * One page of a project's tasks: id, data as stored ({@code resolve_uri=false}: cloud URIs and
     * upload keys, not links that depend on Label Studio's {@code HOSTNAME}) and prediction count,
     * without annotations and predictions ({@code fields=task_only}). With "retrieve predictions
     * automatically" on, Label Studio predicts the page's unpredicted tasks before it answers, so
     * the request has the job's API deadline.
     *
     * @param project project id
     * @param page 1-based page number
     * @param pageSize tasks per page
     * @return the page; empty past the last page
     */
    public TaskPage tasks(long project, int page, int pageSize) {
        GuardedHttpClient.Response response = send(withApiDeadline(GuardedHttpClient.Request.get(
                api("/api/tasks/?project=" + project + "&page=" + page + "&page_size=" + pageSize
                        + "&fields=task_only&resolve_uri=false"),
                MAX_API_BYTES, requireCredentials())));
        if (response.status() == 404 && page > 1) {
            // Django REST pagination answers "Invalid page" past the end.
            return new TaskPage(List.of(), -1);
        }
        JsonNode node = json(response, "/api/tasks/");
        JsonNode items = node.isArray() ? node : node.path("tasks");
        List<LabelStudioTask> tasks = new ArrayList<>();
        for (JsonNode item : items) {
            tasks.add(LabelStudioTask.of(item));
        }
        return new TaskPage(tasks, node.path("total").asLong(-1));
    }

    /**
     * The model versions of a task's predictions ({@code GET /api/predictions/?task=<id>}).
     *
     * @param task task id
     * @return the versions
     */
    public Set<String> predictionVersions(long task) {
        String path = "/api/predictions/?task=" + task;
        JsonNode node = json(send(withApiDeadline(GuardedHttpClient.Request.get(api(path), MAX_API_BYTES, requireCredentials()))), path);
        Set<String> versions = new LinkedHashSet<>();
        for (JsonNode prediction : node.isArray() ? node : node.path("results")) {
            if (prediction.path("task").asLong(task) == task) {
                versions.add(prediction.path("model_version").asString(""));
            }
        }
        return versions;
    }

    /**
     * Stores a prediction ({@code POST /api/predictions/}).
     *
     * @param prediction the body
     */
    public void createPrediction(LabelStudioPrediction.Post prediction) {
        GuardedHttpClient.Response response = send(withApiDeadline(GuardedHttpClient.Request.json("POST", api("/api/predictions/"),
                JSON.writeValueAsBytes(prediction), MAX_API_BYTES, requireCredentials())));
        if (!response.ok()) {
            throw OutboundRequestException.status(response.status(), response.headers(),
                    "Label Studio refused the prediction for task " + prediction.task() + ": HTTP " + response.status());
        }
    }

    /**
     * A page of tasks.
     *
     * @param total the project's task count, or -1 when not reported
     */
    public record TaskPage(List<LabelStudioTask> tasks, long total) {}

    private JsonNode getJson(String path) {
        return json(send(withApiDeadline(GuardedHttpClient.Request.get(api(path), MAX_API_BYTES, requireCredentials()))), path);
    }

    private JsonNode json(GuardedHttpClient.Response response, String what) {
        if (!response.ok()) {
            throw OutboundRequestException.status(response.status(), response.headers(),
                    "Label Studio answered HTTP " + response.status() + " to " + what);
        }
        try {
            return JSON.readTree(response.body());
        } catch (JacksonException e) {
            throw new OutboundRequestException(OutboundRequestException.Kind.FAILED, "Label Studio answered " + what
                    + " with invalid JSON");
        }
    }

    private GuardedHttpClient.Response send(GuardedHttpClient.Request request) {
        GuardedHttpClient.Response response = sendOnce(request);
        if (response.status() == 401 && auth != null && auth.refreshable() && requiresKey(request.uri())) {
            auth.invalidate();
            response = sendOnce(request);
        }
        return response;
    }

    private GuardedHttpClient.Response sendOnce(GuardedHttpClient.Request request) {
        try {
            limiter.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OutboundRequestException(OutboundRequestException.Kind.FAILED, "interrupted");
        }
        return http.send(request);
    }

    /** An API request, with the job's deadline when this is the job's client. */
    private GuardedHttpClient.Request withApiDeadline(GuardedHttpClient.Request request) {
        return apiTimeout == null ? request : request.withTimeout(apiTimeout);
    }

    private URI api(String path) {
        if (base == null) {
            throw new IllegalArgumentException("LABEL_STUDIO_URL (fma.label-studio.url) is not set");
        }
        return LabelStudioUrls.join(base, path);
    }

    private GuardedHttpClient.Credentials requireCredentials() {
        if (credentials == null) {
            throw new IllegalArgumentException("LABEL_STUDIO_API_KEY (fma.label-studio.api-key) is not set");
        }
        return credentials;
    }

    private boolean requiresKey(URI uri) {
        return base != null && GuardedHttpClient.sameOrigin(base, uri);
    }
}
