package com.fmawsss.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Locale;
import com.fmawsss.problems.ProblemTypes;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.filter.OncePerRequestFilter;
import java.util.Arrays;

/**
 * HTTP basic authentication as Label Studio's ML backend protocol defines it: every request needs
 * {@code Authorization: Basic base64(user:password)}; otherwise {@code 401} with {@code
 * WWW-Authenticate: Basic realm="Login required"}. Runs before the body is read; comparisons are
 * constant-time and the credentials are never logged.
 */
public class BasicAuthFilter extends OncePerRequestFilter {

    private static final String CHALLENGE = "Basic realm=\"Login required\"";

    private final byte[] user;
    private final byte[] password;

    public BasicAuthFilter(String user, String password) {
        this.user = user.getBytes(StandardCharsets.UTF_8);
        this.password = password.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!authenticated(request.getHeader(HttpHeaders.AUTHORIZATION))) {
            response.setHeader(HttpHeaders.WWW_AUTHENTICATE, CHALLENGE);
            ProblemResponses.write(response, HttpStatus.UNAUTHORIZED, ProblemTypes.UNAUTHORIZED, "Unauthorized",
                    "this endpoint needs HTTP basic authentication");
            return;
        }
        chain.doFilter(request, response);
    }

    private boolean authenticated(String header) {
        if (header == null) {
            return false;
        }
        String value = header.strip();
        if (value.length() < 6 || !value.substring(0, 6).toLowerCase(Locale.ROOT).equals("basic ")) {
            return false;
        }
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(value.substring(6).strip());
        } catch (IllegalArgumentException e) {
            return false;
        }
        int colon = -1;
        for (int i = 0; i < decoded.length; i++) {
            if (decoded[i] == ':') {
                colon = i;
                break;
            }
        }
        if (colon < 0) {
            return false;
        }
        byte[] givenUser = Arrays.copyOfRange(decoded, 0, colon);
        byte[] givenPassword = Arrays.copyOfRange(decoded, colon + 1, decoded.length);
        // Both compared, always, so the time does not tell which one was wrong.
        boolean userOk = MessageDigest.isEqual(givenUser, user);
        boolean passwordOk = MessageDigest.isEqual(givenPassword, password);
        return userOk & passwordOk;
    }
}
