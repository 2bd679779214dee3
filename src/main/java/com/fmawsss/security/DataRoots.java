package com.fmawsss.security;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Confines user-supplied dataset and output paths to the configured data roots ({@code
 * fma.data.roots}, spec §5/§6).
 *
 * <p>{@link #resolve} refuses, in this order:
 *
 * <ol>
 *   <li>empty paths, NUL characters and {@code ..} segments, also when percent-encoded (decoded
 *       repeatedly, {@code %2e%2e}, {@code %252e%252e}), written with backslashes or with
 *       compatibility characters (NFKC, e.g. fullwidth dots) (422 {@code invalid-path});
 *   <li>paths that are not lexically under a root (403 {@code path-not-allowed}); relative paths
 *       are taken relative to the first root;
 *   <li>paths whose longest existing prefix, with symbolic links resolved, is not under the real
 *       path of a root, and dangling symbolic links (403).
 * </ol>
 *
 * The result is the real path (existing prefix resolved, missing tail appended), so using it does
 * not follow the checked links again.
 */
public final class DataRoots {

    private static final Pattern SEPARATORS = Pattern.compile("[/\\\\]+");
    private static final int MAX_DECODE_ROUNDS = 4;

    private final List<Path> roots;

    /**
     * Creates the confinement.
     *
     * @param roots the data roots; made absolute and normalised
     */
    public DataRoots(List<Path> roots) {
        this.roots = roots.stream().map(r -> r.toAbsolutePath().normalize()).distinct().toList();
    }

    /**
     * @return absolute, normalised roots in configuration order
     */
    public List<Path> roots() {
        return roots;
    }

    /**
     * Resolves a user-supplied path under the data roots.
     *
     * @param userPath absolute, or relative to the first root
     * @return the real path under a root (its tail may not exist yet)
     * @throws PathConfinementException when the path is malformed, traverses or escapes the roots
     */
    public Path resolve(String userPath) {
        if (userPath == null || userPath.isBlank()) {
            throw PathConfinementException.invalid("the path is empty");
        }
        String decoded = percentDecode(userPath);
        if (decoded.indexOf('\0') >= 0) {
            throw PathConfinementException.invalid("the path contains a NUL character");
        }
        if (hasParentSegment(userPath) || hasParentSegment(decoded)
                || hasParentSegment(Normalizer.normalize(decoded, Normalizer.Form.NFKC))) {
            throw PathConfinementException.invalid("path '" + userPath + "' contains a '..' segment");
        }
        if (roots.isEmpty()) {
            throw PathConfinementException.notAllowed("no data roots are configured (fma.data.roots)");
        }
        Path candidate;
        try {
            Path given = Path.of(userPath);
            candidate = (given.isAbsolute() ? given : roots.getFirst().resolve(given)).normalize();
        } catch (InvalidPathException e) {
            throw PathConfinementException.invalid("path '" + userPath + "' is not a valid path: " + e.getReason());
        }
        if (roots.stream().noneMatch(candidate::startsWith)) {
            throw PathConfinementException.notAllowed("path '" + userPath + "' is outside the data roots " + roots);
        }
        Path real = realPath(candidate).orElseThrow(() -> PathConfinementException.notAllowed(
                "path '" + userPath + "' goes through a dangling or unreadable symbolic link"));
        boolean confined = roots.stream().map(DataRoots::realPath).flatMap(Optional::stream).anyMatch(real::startsWith);
        if (!confined) {
            throw PathConfinementException.notAllowed(
                    "path '" + userPath + "' leaves the data roots through a symbolic link");
        }
        return real;
    }

    /**
     * The real path of the longest existing prefix with the missing rest appended.
     *
     * @return empty when a link on the way dangles or cannot be read
     */
    private static Optional<Path> realPath(Path path) {
        Deque<Path> missing = new ArrayDeque<>();
        Path existing = path;
        // NOFOLLOW: a dangling link counts as existing, so toRealPath reports it instead of skipping it.
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            missing.push(existing.getFileName());
            existing = existing.getParent();
        }
        if (existing == null) {
            return Optional.of(path);
        }
        try {
            Path real = existing.toRealPath();
            for (Path name : missing) {
                real = real.resolve(name);
            }
            return Optional.of(real);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static boolean hasParentSegment(String path) {
        for (String segment : SEPARATORS.split(path, -1)) {
            if (segment.strip().equals("..")) {
                return true;
            }
        }
        return false;
    }

    /** Decodes {@code %XX} escapes repeatedly (double encoding); malformed escapes stay as they are. */
    static String percentDecode(String text) {
        String current = text;
        for (int round = 0; round < MAX_DECODE_ROUNDS; round++) {
            String next = decodeOnce(current);
            if (next.equals(current)) {
                break;
            }
            current = next;
        }
        return current;
    }

    private static String decodeOnce(String text) {
        if (text.indexOf('%') < 0) {
            return text;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int hi = c == '%' && i + 2 < text.length() ? Character.digit(text.charAt(i + 1), 16) : -1;
            int lo = hi >= 0 ? Character.digit(text.charAt(i + 2), 16) : -1;
            if (hi >= 0 && lo >= 0) {
                bytes.write(hi * 16 + lo);
                i += 2;
                continue;
            }
            flush(bytes, out);
            out.append(c);
        }
        flush(bytes, out);
        return out.toString();
    }

    private static void flush(ByteArrayOutputStream bytes, StringBuilder out) {
        if (bytes.size() > 0) {
            out.append(new String(bytes.toByteArray(), StandardCharsets.UTF_8));
            bytes.reset();
        }
    }
}
