package com.fmawsss.labeling.labelstudio;

import com.fmawsss.security.GuardedHttpClient;
import com.fmawsss.security.OutboundRequestException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Label Studio's REST API and file serving, through the guarded HTTP client: task images,
 * projects, task pages and predictions. The API key goes to the Label Studio origin only; every
 * request waits for the rate limiter first.
 */
public final class LabelStudioClient {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long MAX_API_BYTES = 64L * 1024 * 1024;

    private final URI base;
    private final GuardedHttpClient http;
    private final GuardedHttpClient.Credentials credentials;
    private final RateLimiter limiter;
    private final long maxImageBytes;

    /**
     * @param base Label Studio's base URL, or null when not configured (only absolute image URLs work)
     * @param http the guarded client
     * @param auth API credentials, or null without an API key
     * @param limiter request spacing
     * @param maxImageBytes largest image fetched
     */
    public LabelStudioClient(URI base, GuardedHttpClient http, LabelStudioAuth auth, RateLimiter limiter, long maxImageBytes) {
        this.base = base;
        this.http = http;
        this.credentials = auth == null ? null : auth.credentials();
        this.limiter = limiter;
        this.maxImageBytes = maxImageBytes;
    }

    /**
     * The same client with another rate limit.
     *
     * @param other the limiter
     * @param auth API credentials, or null
     */
    public LabelStudioClient withLimiter(RateLimiter other, LabelStudioAuth auth) {
        return new LabelStudioClient(base, http, auth, other, maxImageBytes);
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
        URI uri = ((LabelStudioUrls.Remote) source).uri();
        if (requiresKey(uri) && credentials == null) {
            throw new IllegalArgumentException("Label Studio serves '" + LabelStudioUrls.abbreviate(value)
                    + "' only with an API key; set LABEL_STUDIO_API_KEY (fma.label-studio.api-key)");
        }
        GuardedHttpClient.Response response = send(GuardedHttpClient.Request.get(uri, maxImageBytes, credentials));
        if (!response.ok()) {
            throw OutboundRequestException.status(response.status(),
                    GuardedHttpClient.redact(response.uri()) + " answered HTTP " + response.status());
        }
        return response.body();
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
     * One page of a project's tasks, with their predictions' model versions.
     *
     * @param project project id
     * @param page 1-based page number
     * @param pageSize tasks per page
     * @return the page; empty past the last page
     */
    public TaskPage tasks(long project, int page, int pageSize) {
        GuardedHttpClient.Response response = send(GuardedHttpClient.Request.get(
                api("/api/tasks/?project=" + project + "&page=" + page + "&page_size=" + pageSize + "&fields=all"),
                MAX_API_BYTES, requireCredentials()));
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
     * Stores a prediction ({@code POST /api/predictions/}).
     *
     * @param prediction the body
     */
    public void createPrediction(LabelStudioPrediction.Post prediction) {
        GuardedHttpClient.Response response = send(GuardedHttpClient.Request.json("POST", api("/api/predictions/"),
                JSON.writeValueAsBytes(prediction), MAX_API_BYTES, requireCredentials()));
        if (!response.ok()) {
            throw OutboundRequestException.status(response.status(),
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
        return json(send(GuardedHttpClient.Request.get(api(path), MAX_API_BYTES, requireCredentials())), path);
    }

    private JsonNode json(GuardedHttpClient.Response response, String what) {
        if (!response.ok()) {
            throw OutboundRequestException.status(response.status(), "Label Studio answered HTTP " + response.status() + " to " + what);
        }
        try {
            return JSON.readTree(response.body());
        } catch (JacksonException e) {
            throw new OutboundRequestException(OutboundRequestException.Kind.FAILED, "Label Studio answered " + what
                    + " with invalid JSON");
        }
    }

    private GuardedHttpClient.Response send(GuardedHttpClient.Request request) {
        try {
            limiter.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OutboundRequestException(OutboundRequestException.Kind.FAILED, "interrupted");
        }
        return http.send(request);
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
