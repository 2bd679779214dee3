package com.fmawsss.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import com.fmawsss.problems.ProblemTypes;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Guards the admin API ({@code /v1/admin/*}) with a bearer token. Runs before the body is read,
 * so unauthenticated uploads are never parsed.
 *
 * <ul>
 *   <li>No token configured: the admin API is disabled and answers {@code 404} problems.
 *   <li>Missing or wrong {@code Authorization: Bearer <token>}: {@code 401} problem with {@code
 *       WWW-Authenticate: Bearer}.
 * </ul>
 *
 * The comparison is constant-time; the token is never logged.
 */
public class AdminTokenFilter extends OncePerRequestFilter {

    /** Problem type of missing or wrong credentials. */
    public static final String UNAUTHORIZED = ProblemTypes.UNAUTHORIZED;

    private static final String REALM = "Bearer realm=\"fma-admin\"";

    private final byte[] expected;

    /**
     * @param token the configured token; {@code null} or blank disables the admin API
     */
    public AdminTokenFilter(String token) {
        // Secrets mounted from files often end with a newline: surrounding blanks are not part of it.
        this.expected = token == null || token.isBlank() ? null : token.strip().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Tells whether the admin API is enabled.
     *
     * @return true when a token is configured
     */
    public boolean enabled() {
        return expected != null;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (expected == null) {
            problem(response, HttpStatus.NOT_FOUND, ProblemTypes.NOT_FOUND, "Not Found", "no such endpoint");
            return;
        }
        byte[] presented = bearerToken(request.getHeader(HttpHeaders.AUTHORIZATION));
        // isEqual's running time depends on the length of its first argument only: the caller's own token.
        if (presented == null || !MessageDigest.isEqual(presented, expected)) {
            response.setHeader(HttpHeaders.WWW_AUTHENTICATE, presented == null ? REALM : REALM + ", error=\"invalid_token\"");
            problem(response, HttpStatus.UNAUTHORIZED, ProblemTypes.UNAUTHORIZED, "Unauthorized",
                    presented == null ? "the admin API needs an 'Authorization: Bearer <token>' header"
                            : "the bearer token is not valid");
            return;
        }
        chain.doFilter(request, response);
    }

    /** Returns the token of a {@code Bearer} header (scheme case-insensitive), or null. */
    static byte[] bearerToken(String header) {
        if (header == null) {
            return null;
        }
        String value = header.strip();
        if (value.length() < 7 || !value.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
            return null;
        }
        String token = value.substring(7).strip();
        return token.isEmpty() ? null : token.getBytes(StandardCharsets.UTF_8);
    }

    private static void problem(HttpServletResponse response, HttpStatus status, String slug, String title, String detail)
            throws IOException {
        ProblemResponses.write(response, status, slug, title, detail);
    }
}
