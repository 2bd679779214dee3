package com.fmawsss.security;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.net.http.HttpTimeoutException;

/**
 * Outbound HTTP for URLs that clients influence: every URL and every redirect target is checked
 * by the {@link OutboundPolicy} before a connection is opened, redirects are followed by hand (at
 * most {@code maxRedirects}), bodies are capped while they stream in, and the whole exchange,
 * redirects included, has one deadline. Credentials are sent only to their own origin: a redirect
 * to another origin drops them.
 */
public final class GuardedHttpClient {

    private final OutboundPolicy policy;
    private final Duration requestTimeout;
    private final int maxRedirects;
    private final HttpClient client;

    /**
     * @param policy decides which URLs may be reached
     * @param connectTimeout TCP connect timeout
     * @param requestTimeout deadline of one exchange, redirects and body included
     * @param maxRedirects most redirects followed
     */
    public GuardedHttpClient(OutboundPolicy policy, Duration connectTimeout, Duration requestTimeout, int maxRedirects) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.requestTimeout = requestTimeout;
        this.maxRedirects = maxRedirects;
        this.client = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(connectTimeout)
                .build();
    }

    public OutboundPolicy policy() {
        return policy;
    }

    /**
     * Sends a request, following allowed redirects.
     *
     * @param request what to send
     * @return the final response (any status; the caller judges it)
     * @throws OutboundRequestException when the URL or a redirect is refused, the body is too large,
     *     the deadline passes or the exchange fails
     */
    public Response send(Request request) {
        Duration timeout = request.timeout() == null ? requestTimeout : request.timeout();
        long deadline = System.nanoTime() + timeout.toNanos();
        URI uri = request.uri();
        String method = request.method();
        byte[] body = request.body();
        for (int hop = 0; ; hop++) {
            OutboundPolicy.Decision decision = policy.check(uri);
            if (!decision.allowed()) {
                throw new OutboundRequestException(OutboundRequestException.Kind.REFUSED,
                        (hop == 0 ? "refused " : "refused redirect to ") + redact(uri) + ": " + decision.reason());
            }
            HttpRequest.Builder builder = HttpRequest.newBuilder(uri)
                    .timeout(remaining(deadline, uri, timeout))
                    .header("User-Agent", "fma-wsss")
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
            if (body != null && request.contentType() != null) {
                builder.header("Content-Type", request.contentType());
            }
            request.headers().forEach(h -> builder.header(h.name(), h.value()));
            Credentials credentials = request.credentials();
            if (credentials != null && sameOrigin(credentials.origin(), uri)) {
                builder.header("Authorization", credentials.authorization().get());
            }
            HttpResponse<byte[]> response = exchange(builder.build(), request.maxBytes(), deadline, uri, timeout);
            int status = response.statusCode();
            if (!isRedirect(status)) {
                return new Response(status, response.headers(), response.body(), uri);
            }
            if (hop >= maxRedirects) {
                throw new OutboundRequestException(OutboundRequestException.Kind.REFUSED,
                        "more than " + maxRedirects + " redirects from " + redact(request.uri()));
            }
            String location = response.headers().firstValue("Location").orElse(null);
            if (location == null) {
                throw new OutboundRequestException(OutboundRequestException.Kind.FAILED,
                        "redirect " + status + " from " + redact(uri) + " without Location");
            }
            try {
                uri = uri.resolve(location.strip());
            } catch (IllegalArgumentException e) {
                throw new OutboundRequestException(OutboundRequestException.Kind.FAILED,
                        "redirect from " + redact(uri) + " to an invalid URL");
            }
            if (status == 303 || ((status == 301 || status == 302) && !method.equals("GET") && !method.equals("HEAD"))) {
                method = "GET";
                body = null;
            }
        }
    }

    private HttpResponse<byte[]> exchange(HttpRequest request, long maxBytes, long deadline, URI uri, Duration timeout) {
        CompletableFuture<HttpResponse<byte[]>> future = client.sendAsync(request, info -> new CappedBody(
                info.headers().firstValueAsLong("Content-Length").orElse(-1), maxBytes));
        try {
            return future.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new OutboundRequestException(OutboundRequestException.Kind.TIMEOUT, "no complete answer from " + redact(uri)
                    + " within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new OutboundRequestException(OutboundRequestException.Kind.FAILED, "interrupted");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof BodyTooLargeException) {
                throw new OutboundRequestException(OutboundRequestException.Kind.TOO_LARGE,
                        "the answer of " + redact(uri) + " is larger than " + maxBytes + " bytes");
            }
            if (cause instanceof HttpTimeoutException) {
                throw new OutboundRequestException(OutboundRequestException.Kind.TIMEOUT, "no answer from " + redact(uri)
                        + " within " + timeout.toMillis() + " ms");
            }
            throw new OutboundRequestException(OutboundRequestException.Kind.FAILED, "request to " + redact(uri) + " failed: "
                    + (cause == null ? e.getMessage() : cause.getClass().getSimpleName()
                            + (cause.getMessage() == null ? "" : " " + cause.getMessage())));
        }
    }

    private Duration remaining(long deadline, URI uri, Duration timeout) {
        long nanos = deadline - System.nanoTime();
        if (nanos <= 0) {
            throw new OutboundRequestException(OutboundRequestException.Kind.TIMEOUT, "no complete answer from " + redact(uri)
                    + " within " + timeout.toMillis() + " ms");
        }
        return Duration.ofNanos(nanos);
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    /**
     * Whether two URLs share scheme, host and port.
     *
     * @param a one URL
     * @param b another
     */
    public static boolean sameOrigin(URI a, URI b) {
        return OutboundPolicy.sameOrigin(a, b);
    }

    /** The URL without its query (which may hold signatures or tokens), for messages. */
    public static String redact(URI uri) {
        if (uri == null) {
            return "<none>";
        }
        String text = uri.getScheme() + "://" + uri.getRawAuthority() + (uri.getRawPath() == null ? "" : uri.getRawPath());
        return uri.getRawQuery() == null ? text : text + "?…";
    }

    /**
     * A request header.
     *
     * @param name header name
     * @param value header value
     */
    public record Header(String name, String value) {}

    /**
     * Credentials scoped to one origin.
     *
     * @param origin the only origin that receives them
     * @param authorization the {@code Authorization} header value, computed when needed
     */
    public record Credentials(URI origin, Supplier<String> authorization) {}

    /**
     * What to send.
     *
     * @param method HTTP method
     * @param uri target
     * @param contentType content type of the body, or null
     * @param headers extra headers
     * @param maxBytes largest accepted response body
     * @param credentials credentials for their origin, or null
     * @param timeout deadline of the exchange, redirects included; null for the client's
     */
    public record Request(String method, URI uri, byte[] body, String contentType, List<Header> headers, long maxBytes,
            Credentials credentials, Duration timeout) {

        /**
         * The same request with its own deadline.
         *
         * @param deadline deadline of the exchange, redirects included
         * @return the request
         */
        public Request withTimeout(Duration deadline) {
            return new Request(method, uri, body, contentType, headers, maxBytes, credentials, deadline);
        }

        /**
         * A GET.
         *
         * @param uri target
         * @param maxBytes largest accepted response body
         * @param credentials credentials for their origin, or null
         * @return the request
         */
        public static Request get(URI uri, long maxBytes, Credentials credentials) {
            return new Request("GET", uri, null, null, List.of(), maxBytes, credentials, null);
        }

        /**
         * A JSON request.
         *
         * @param method POST, PUT or PATCH
         * @param uri target
         * @param json the body
         * @param maxBytes largest accepted response body
         * @param credentials credentials for their origin, or null
         * @return the request
         */
        public static Request json(String method, URI uri, byte[] json, long maxBytes, Credentials credentials) {
            return new Request(method, uri, json, "application/json", List.of(), maxBytes, credentials, null);
        }
    }

    /**
     * An answer.
     *
     * @param status HTTP status
     * @param headers response headers
     * @param body the body (at most the request's {@code maxBytes})
     * @param uri the URL that answered (after redirects)
     */
    public record Response(int status, HttpHeaders headers, byte[] body, URI uri) {

        /**
         * Whether the status is 2xx.
         *
         * @return true for success
         */
        public boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    private static final class BodyTooLargeException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BodyTooLargeException() {
            super(null, null, false, false);
        }
    }

    /** Collects a body, failing as soon as it (or its declared length) exceeds the limit. */
    private static final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final long declaredLength;
        private final long maxBytes;
        private Flow.Subscription subscription;

        CappedBody(long declaredLength, long maxBytes) {
            this.declaredLength = declaredLength;
            this.maxBytes = maxBytes;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (declaredLength > maxBytes) {
                s.cancel();
                result.completeExceptionally(new BodyTooLargeException());
                return;
            }
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer buffer : items) {
                if ((long) out.size() + buffer.remaining() > maxBytes) {
                    subscription.cancel();
                    result.completeExceptionally(new BodyTooLargeException());
                    return;
                }
                byte[] chunk = new byte[buffer.remaining()];
                buffer.get(chunk);
                out.writeBytes(chunk);
            }
        }

        @Override
        public void onError(Throwable throwable) {
            result.completeExceptionally(throwable);
        }

        @Override
        public void onComplete() {
            result.complete(out.toByteArray());
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }
    }
}
