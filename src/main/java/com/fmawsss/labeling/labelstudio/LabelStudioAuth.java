package com.fmawsss.labeling.labelstudio;

import com.fmawsss.security.GuardedHttpClient;
import com.fmawsss.security.OutboundRequestException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import java.util.Map;

/**
 * The {@code Authorization} header for Label Studio, as its SDK builds it: a legacy API token is
 * sent as {@code Token <key>}; a personal access token (a JWT refresh token) is exchanged at {@code
 * POST /api/token/refresh/} for a short-lived access token sent as {@code Bearer <access>}, cached
 * until shortly before it expires (Label Studio's access tokens live 5 minutes), and exchanged
 * again when Label Studio answers 401 anyway (a revoked token, clocks apart: see {@link
 * #invalidate()}). Only ever sent to the Label Studio origin (see {@link #credentials()}).
 */
public final class LabelStudioAuth {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long REFRESH_MARGIN_SECONDS = 30;

    private final URI base;
    private final String apiKey;
    private final GuardedHttpClient http;
    private final Clock clock;
    private String accessToken;
    private Instant accessExpiry = Instant.MIN;

    /**
     * Creates the authenticator.
     *
     * @param base Label Studio's base URL
     * @param apiKey the configured key
     * @param http the guarded client (for the refresh call)
     * @param clock time source
     */
    public LabelStudioAuth(URI base, String apiKey, GuardedHttpClient http, Clock clock) {
        this.base = base;
        this.apiKey = apiKey;
        this.http = http;
        this.clock = clock;
    }

    /** Credentials scoped to the Label Studio origin. */
    public GuardedHttpClient.Credentials credentials() {
        return new GuardedHttpClient.Credentials(base, this::header);
    }

    /**
     * @return {@code Token <key>} or {@code Bearer <access token>}
     */
    public synchronized String header() {
        JsonNode claims = jwtClaims(apiKey);
        if (claims == null) {
            return "Token " + apiKey;
        }
        if (!"refresh".equals(claims.path("token_type").asString(""))) {
            return "Bearer " + apiKey;
        }
        if (accessToken == null || !clock.instant().isBefore(accessExpiry.minusSeconds(REFRESH_MARGIN_SECONDS))) {
            refresh();
        }
        return "Bearer " + accessToken;
    }

    /**
     * Whether the key is a personal access token, whose access tokens can be exchanged anew.
     *
     * @return true for a JWT refresh token
     */
    public boolean refreshable() {
        JsonNode claims = jwtClaims(apiKey);
        return claims != null && "refresh".equals(claims.path("token_type").asString(""));
    }

    /** Forgets the access token (Label Studio refused it), so that the next header exchanges the key again. */
    public synchronized void invalidate() {
        accessToken = null;
    }

    private void refresh() {
        byte[] body = JSON.writeValueAsBytes(Map.of("refresh", apiKey));
        GuardedHttpClient.Response response = http.send(GuardedHttpClient.Request.json("POST",
                LabelStudioUrls.join(base, "/api/token/refresh/"), body, 64 * 1024, null));
        if (!response.ok()) {
            // 401: the token was revoked or has expired; waiting will not help, unlike a 5xx.
            throw OutboundRequestException.status(response.status(), response.headers(),
                    "Label Studio refused to refresh the personal access token (HTTP " + response.status()
                            + "); check LABEL_STUDIO_API_KEY");
        }
        JsonNode access = parse(response.body()).path("access");
        if (!access.isString()) {
            throw new OutboundRequestException(OutboundRequestException.Kind.FAILED,
                    "Label Studio answered the token refresh without an access token");
        }
        accessToken = access.asString();
        JsonNode claims = jwtClaims(accessToken);
        long exp = claims == null ? 0 : claims.path("exp").asLong(0);
        accessExpiry = exp > 0 ? Instant.ofEpochSecond(exp) : clock.instant().plusSeconds(REFRESH_MARGIN_SECONDS * 2);
    }

    private static JsonNode parse(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (JacksonException e) {
            return JSON.missingNode();
        }
    }

    /** The claims of a JWT, or null when the key is not one (a legacy token). */
    static JsonNode jwtClaims(String key) {
        String[] parts = key.split("\\.", -1);
        if (parts.length != 3) {
            return null;
        }
        try {
            Base64.Decoder decoder = Base64.getUrlDecoder();
            JsonNode header = JSON.readTree(new String(decoder.decode(parts[0]), StandardCharsets.UTF_8));
            if (!header.isObject() || !header.has("alg")) {
                return null;
            }
            JsonNode claims = JSON.readTree(new String(decoder.decode(parts[1]), StandardCharsets.UTF_8));
            return claims.isObject() ? claims : null;
        } catch (RuntimeException e) {
            return null;
        }
    }
}
