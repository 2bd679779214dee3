package com.fmawsss.security;

import com.fmawsss.problems.ProblemJson;
import com.fmawsss.problems.ProblemTypes;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;

/** RFC 7807 bodies written by servlet filters, which run before Spring MVC's exception handling. */
final class ProblemResponses {

    private ProblemResponses() {}

    static void write(HttpServletResponse response, HttpStatus status, String slug, String title, String detail)
            throws IOException {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(status, detail);
        body.setType(ProblemTypes.uri(slug));
        body.setTitle(title);
        response.setStatus(status.value());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.getOutputStream().write(ProblemJson.bytes(body));
    }
}
