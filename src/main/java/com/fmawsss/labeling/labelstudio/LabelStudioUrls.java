package com.fmawsss.labeling.labelstudio;

import com.fmawsss.security.OutboundPolicy;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Where Label Studio keeps a task's image, in every form Label Studio writes into task data, and
 * where to fetch it from, as its SDK's {@code get_local_path} does:
 *
 * <ul>
 *   <li>absolute http(s) URLs as they are; those on the Label Studio origin (task data resolved
 *       with Label Studio's {@code HOSTNAME} set) like the relative paths below;
 *   <li>uploads ({@code upload/...}, {@code /data/upload/...}) first through the storage proxy
 *       {@code /storage-data/uploaded/?filepath=upload/...} (the only route when uploads live in
 *       cloud storage), then {@code /data/upload/...}; a {@code /storage-data/uploaded/} value
 *       likewise falls back to {@code /data/upload/...};
 *   <li>local storage ({@code /data/local-files/?d=...}) and resolved cloud paths ({@code
 *       /tasks/<id>/resolve/?fileuri=...}, {@code /tasks/<id>/presign/?fileuri=...}) against the
 *       Label Studio URL;
 *   <li>cloud URIs ({@code s3://}, {@code gs://}, {@code azure-blob://}) through the task's
 *       {@code /tasks/<id>/resolve/?fileuri=<base64url(uri)>} (current Label Studio), then {@code
 *       /tasks/<id>/presign/...} (older versions), which redirect to the storage or proxy its bytes;
 *   <li>{@code data:} URIs decoded in place.
 * </ul>
 */
public final class LabelStudioUrls {

    private static final Pattern TASK_STORAGE = Pattern.compile("/tasks/\\d+/(resolve|presign)/");

    private LabelStudioUrls() {}

    /** Where to get an image from: URLs, or inline bytes. */
    public sealed interface Source permits Remote, Inline {}

    /**
     * An image to fetch.
     *
     * @param uris tried in order: a later one only when the earlier ones answered an error status
     *     or an empty body
     */
    public record Remote(List<URI> uris) implements Source {

        /** Copies the list. */
        public Remote {
            uris = List.copyOf(uris);
        }

        /** The first URL tried. */
        public URI uri() {
            return uris.getFirst();
        }
    }

    /**
     * An image carried in the task ({@code data:} URI).
     *
     * @param bytes the decoded bytes
     */
    public record Inline(byte[] bytes) implements Source {}

    /**
     * Resolves a task data value.
     *
     * @param value the value of the image's data key
     * @param taskId the task id (cloud URIs)
     * @param base Label Studio's base URL, or null when not configured
     * @return where the image is
     * @throws IllegalArgumentException with a message for the client when it cannot be resolved
     */
    public static Source resolve(String value, Long taskId, URI base) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("the task has no image URL");
        }
        String v = value.strip();
        String lower = v.toLowerCase(Locale.ROOT);
        if (lower.startsWith("data:")) {
            return inline(v);
        }
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            URI uri = parse(v);
            String onLabelStudio = base == null ? null : pathOnOrigin(base, uri);
            return onLabelStudio != null && isLabelStudioRoute(onLabelStudio) ? relative(onLabelStudio, v, base)
                    : new Remote(List.of(uri));
        }
        if (lower.startsWith("s3:") || lower.startsWith("gs:") || lower.startsWith("azure-blob:")) {
            if (taskId == null) {
                throw new IllegalArgumentException("cloud-storage URI " + scheme(v) + " needs the task id");
            }
            URI b = requireBase(base, v);
            // Label Studio's own encoding: URL-safe alphabet, padding kept, not percent-encoded.
            String encoded = Base64.getUrlEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8));
            return new Remote(List.of(join(b, "/tasks/" + taskId + "/resolve/?fileuri=" + encoded),
                    join(b, "/tasks/" + taskId + "/presign/?fileuri=" + encoded)));
        }
        String path = v.startsWith("upload/") || v.startsWith("/upload/") ? "/data" + (v.startsWith("/") ? "" : "/") + v : v;
        if (isLabelStudioRoute(path)) {
            return relative(path, v, base);
        }
        throw new IllegalArgumentException("'" + abbreviate(v) + "' is neither an http(s) URL nor a Label Studio storage path");
    }

    private static boolean isLabelStudioRoute(String path) {
        return path.startsWith("/data/") || path.startsWith("/storage-data/") || TASK_STORAGE.matcher(path).lookingAt();
    }

    /** A path (with query) of a Label Studio route, with the fallbacks of uploads. */
    private static Remote relative(String path, String value, URI base) {
        String route = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        if (route.replace("%2e", ".").replace("%2E", ".").matches("(?s).*(^|/)\\.{1,2}(/|$).*")) {
            throw new IllegalArgumentException("'" + abbreviate(value) + "' contains '.' or '..' segments");
        }
        URI b = requireBase(base, value);
        if (route.startsWith("/data/upload/")) {
            String filepath = path.substring("/data/".length());
            return new Remote(List.of(join(b, "/storage-data/uploaded/?filepath=" + encodeFilepath(filepath)), join(b, path)));
        }
        if (route.startsWith("/storage-data/uploaded")) {
            String filepath = filepath(path);
            if (filepath != null && filepath.startsWith("upload/") && !filepath.matches("(?s).*(^|/)\\.{1,2}(/|$).*")) {
                return new Remote(List.of(join(b, path), join(b, "/data/" + filepath)));
            }
        }
        return new Remote(List.of(join(b, path)));
    }

    /** The decoded {@code filepath} query parameter, or null. */
    private static String filepath(String pathAndQuery) {
        int q = pathAndQuery.indexOf('?');
        if (q < 0) {
            return null;
        }
        for (String pair : pathAndQuery.substring(q + 1).split("&")) {
            if (pair.startsWith("filepath=")) {
                try {
                    return URLDecoder.decode(pair.substring("filepath=".length()), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    return null;
                }
            }
        }
        return null;
    }

    /** Percent-encodes a storage key for a query value, keeping its slashes. */
    private static String encodeFilepath(String filepath) {
        StringBuilder out = new StringBuilder();
        for (byte b : filepath.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~/".indexOf(c) >= 0) {
                out.append((char) c);
            } else {
                out.append('%').append(String.format(Locale.ROOT, "%02X", c));
            }
        }
        return out.toString();
    }

    /** The path and query of a URL on the Label Studio origin, below its base path; null elsewhere. */
    private static String pathOnOrigin(URI base, URI uri) {
        if (!OutboundPolicy.sameOrigin(base, uri) || uri.getRawPath() == null) {
            return null;
        }
        String prefix = base.getRawPath() == null ? "" : base.getRawPath().replaceAll("/+$", "");
        String path = uri.getRawPath();
        if (!path.startsWith(prefix + "/")) {
            return null;
        }
        String rest = path.substring(prefix.length());
        return uri.getRawQuery() == null ? rest : rest + "?" + uri.getRawQuery();
    }

    /**
     * Joins Label Studio's base URL (which may have a path prefix) and an absolute path, as the
     * SDK's {@code concat_urls}.
     *
     * @param base base URL
     * @param path path starting with {@code /}, possibly with a query
     * @return the URL
     */
    public static URI join(URI base, String path) {
        String b = base.toString();
        while (b.endsWith("/")) {
            b = b.substring(0, b.length() - 1);
        }
        return parse(b + "/" + (path.startsWith("/") ? path.substring(1) : path));
    }

    private static URI requireBase(URI base, String value) {
        if (base == null) {
            throw new IllegalArgumentException("'" + abbreviate(value)
                    + "' is a Label Studio path; set LABEL_STUDIO_URL (fma.label-studio.url) so it can be fetched");
        }
        return base;
    }

    /** Parses a URL, percent-encoding characters that are not allowed in URIs (spaces, non-ASCII). */
    static URI parse(String text) {
        try {
            return new URI(text);
        } catch (URISyntaxException e) {
            StringBuilder escaped = new StringBuilder();
            for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
                int c = b & 0xff;
                if (c > 0x20 && c < 0x7f && "\"<>\\^`{|}".indexOf(c) < 0) {
                    escaped.append((char) c);
                } else {
                    escaped.append('%').append(String.format(Locale.ROOT, "%02X", c));
                }
            }
            try {
                return new URI(escaped.toString());
            } catch (URISyntaxException again) {
                throw new IllegalArgumentException("'" + abbreviate(text) + "' is not a valid URL");
            }
        }
    }

    private static Inline inline(String value) {
        int comma = value.indexOf(',');
        if (comma < 0 || !value.substring(0, comma).toLowerCase(Locale.ROOT).endsWith(";base64")) {
            throw new IllegalArgumentException("only base64 data: URIs are supported");
        }
        try {
            return new Inline(Base64.getMimeDecoder().decode(value.substring(comma + 1)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the data: URI is not valid base64");
        }
    }

    private static String scheme(String value) {
        int colon = value.indexOf(':');
        return value.substring(0, colon + 1);
    }

    static String abbreviate(String value) {
        return value.length() <= 120 ? value : value.substring(0, 117) + "...";
    }
}
