package com.fmawsss.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Bearer header parsing; the HTTP behaviour is covered by {@code AdminPromptsApiTest}. */
class AdminTokenFilterTest {

    @Test
    void parsesBearerHeaders() {
        assertThat(AdminTokenFilter.bearerToken("Bearer abc")).isEqualTo("abc".getBytes(StandardCharsets.UTF_8));
        assertThat(AdminTokenFilter.bearerToken("bearer  abc ")).isEqualTo("abc".getBytes(StandardCharsets.UTF_8));
        assertThat(AdminTokenFilter.bearerToken("Bearer t\u00f6ken")).isEqualTo("t\u00f6ken".getBytes(StandardCharsets.UTF_8));
        assertThat(AdminTokenFilter.bearerToken("Bearer ")).isNull();
        assertThat(AdminTokenFilter.bearerToken("Basic YWRtaW46eA==")).isNull();
        assertThat(AdminTokenFilter.bearerToken("Bearerabc")).isNull();
        assertThat(AdminTokenFilter.bearerToken(null)).isNull();
    }

    @Test
    void blankTokensDisableTheAdminApi() {
        assertThat(new AdminTokenFilter(null).enabled()).isFalse();
        assertThat(new AdminTokenFilter("  ").enabled()).isFalse();
        assertThat(new AdminTokenFilter("s3cret\n").enabled()).isTrue();
    }
}
