package com.fmawsss.api;

import com.fmawsss.api.failures.FailureProblems;
import com.fmawsss.problems.ProblemJson;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Locale;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Decodes the query string and form bodies before anything else reads them, so that parameters the
 * container cannot decode are a 400 problem on every endpoint, whoever would have read them first
 * (another filter, Spring's form-body reading, a controller). Tomcat decodes parameters lazily and
 * throws {@link InvalidParameterException} at the first reader; this filter is that first reader.
 * Multipart bodies are left to the multipart resolver, whose size limits answer 413; a bad query
 * string on them still reaches {@link ApiExceptionHandler} as the same exception.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class ParameterDecodingFilter extends OncePerRequestFilter {

    private static final String FORM = MediaType.APPLICATION_FORM_URLENCODED_VALUE;

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String type = request.getContentType() == null ? "" : request.getContentType().toLowerCase(Locale.ROOT);
        if (!type.startsWith("multipart/") && (request.getQueryString() != null || type.startsWith(FORM))) {
            try {
                request.getParameterMap();
            } catch (InvalidParameterException e) {
                write(response, FailureProblems.undecodableParameters(e));
                return;
            }
        }
        chain.doFilter(request, response);
    }

    private static void write(HttpServletResponse response, ResponseEntity<ProblemDetail> problem) throws IOException {
        response.setStatus(problem.getStatusCode().value());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.getOutputStream().write(ProblemJson.bytes(problem.getBody()));
    }
}
