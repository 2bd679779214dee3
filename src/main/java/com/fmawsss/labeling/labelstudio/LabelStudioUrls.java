package com.fmawsss.labeling.labelstudio;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * Where Label Studio keeps a task's image, resolved as its SDK resolves it: absolute http(s) URLs
 * as they are; uploads ({@code upload/...}, {@code /data/upload/...}), local storage ({@code
 * /data/local-files/?d=...}) and the storage proxy ({@code /storage-data/uploaded/?filepath=...})
 * against the Label Studio URL; cloud URIs ({@code s3://}, {@code gs://}, {@code azure-blob://})
 * through the task's presign endpoint {@code /tasks/<id>/presign/?fileuri=<base64url(uri)>}, which
 * redirects to the storage. {@code data:} URIs are decoded in place.
 */
public final class LabelStudioUrls {

    private LabelStudioUrls() {}

    /** Where to get an image from: a URL, or inline bytes. */
    public sealed interface Source permits Remote, Inline {}

    /**
     * An image to fetch.
     *
     * @param uri the URL
     */
    public record Remote(URI uri) implements Source {}

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
            return new Remote(parse(v));
        }
        if (lower.startsWith("s3:") || lower.startsWith("gs:") || lower.startsWith("azure-blob:")) {
            if (taskId == null) {
                throw new IllegalArgumentException("cloud-storage URI " + scheme(v) + " needs the task id");
            }
            String encoded = Base64.getUrlEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8));
            return new Remote(join(requireBase(base, v), "/tasks/" + taskId + "/presign/?fileuri=" + encoded));
        }
        String path = v.startsWith("upload/") || v.startsWith("/upload/") ? "/data" + (v.startsWith("/") ? "" : "/") + v : v;
        if (path.startsWith("/data/") || path.startsWith("/storage-data/")) {
            String route = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
            if (route.replace("%2e", ".").replace("%2E", ".").matches("(?s).*(^|/)\\.{1,2}(/|$).*")) {
                throw new IllegalArgumentException("'" + abbreviate(v) + "' contains '.' or '..' segments");
            }
            return new Remote(join(requireBase(base, v), path));
        }
        throw new IllegalArgumentException("'" + abbreviate(v) + "' is neither an http(s) URL nor a Label Studio storage path");
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
