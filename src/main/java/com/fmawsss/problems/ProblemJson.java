package com.fmawsss.problems;

import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.json.ProblemDetailJacksonMixin;
import tools.jackson.databind.json.JsonMapper;

/**
 * RFC 7807 documents written outside Spring MVC's message converters (a servlet filter, a stored
 * asynchronous outcome), with the same shape: extra properties at the top level, no null members.
 */
public final class ProblemJson {

    private static final JsonMapper JSON = JsonMapper.builder().addMixIn(ProblemDetail.class, ProblemDetailJacksonMixin.class).build();

    private ProblemJson() {}

    public static byte[] bytes(ProblemDetail problem) {
        return JSON.writeValueAsBytes(problem);
    }
}
