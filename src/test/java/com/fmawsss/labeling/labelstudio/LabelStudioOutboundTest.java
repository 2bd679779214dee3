package com.fmawsss.labeling.labelstudio;

import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.security.OutboundPolicy;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * What the integration may reach with nothing but {@code LABEL_STUDIO_URL} configured: the Label
 * Studio origin at the private or loopback address it has beside the service, never a link-local
 * or metadata address, and every other host by the usual rules. Decided with a fixed DNS table,
 * without connecting.
 */
class LabelStudioOutboundTest {

    static final Map<String, String> DNS = Map.of(
            "label-studio", "172.18.0.5",
            "label-studio.annotation.svc", "10.96.12.7",
            "ls-on-metadata", "169.254.169.254",
            "ls-on-alibaba-metadata", "100.100.100.200",
            "ls-v6-link-local", "fe80::1",
            "ls-v6-metadata", "fd00:ec2::254",
            "localhost", "127.0.0.1",
            "minio.internal", "10.0.0.9",
            "bucket.s3.amazonaws.com", "52.216.1.2");

    static LabelStudioProperties properties(Map<String, String> values) {
        Map<String, String> all = new HashMap<>();
        values.forEach((k, v) -> all.put("fma.label-studio." + k, v));
        return new Binder(new MapConfigurationPropertySource(all)).bindOrCreate("fma.label-studio", LabelStudioProperties.class);
    }

    static OutboundPolicy policy(String url, String allowedHosts) {
        Map<String, String> values = new HashMap<>(Map.of("url", url));
        if (allowedHosts != null) {
            values.put("allowed-hosts", allowedHosts);
        }
        return LabelStudioConfiguration.outboundPolicy(properties(values), host -> {
            String address = DNS.get(host);
            if (address == null) {
                throw new UnknownHostException(host);
            }
            return new InetAddress[] {InetAddress.getByName(address)}; // a literal: no lookup
        });
    }

    static boolean allowed(OutboundPolicy policy, String url) {
        return policy.check(URI.create(url)).allowed();
    }

    @Test
    void theConfiguredOriginIsReachedAtItsPrivateOrLoopbackAddressWithoutFlags() {
        assertThat(allowed(policy("http://label-studio:8080", null), "http://label-studio:8080/data/upload/1/a.png")).isTrue();
        assertThat(allowed(policy("http://label-studio.annotation.svc:8080/", null),
                "http://label-studio.annotation.svc:8080/api/tasks/?project=1")).isTrue();
        assertThat(allowed(policy("http://localhost:8081", null), "http://localhost:8081/api/projects/1/")).isTrue();
        assertThat(allowed(policy("http://127.0.0.1:8081", null), "http://127.0.0.1:8081/tasks/3/resolve/?fileuri=x")).isTrue();
        assertThat(allowed(policy("http://[::1]:8081", null), "http://[::1]:8081/api/projects/1/")).isTrue();
    }

    @Test
    void theOriginIsNeverReachedAtALinkLocalOrMetadataAddress() {
        for (String host : new String[] {"ls-on-metadata", "ls-on-alibaba-metadata", "ls-v6-link-local", "ls-v6-metadata"}) {
            OutboundPolicy policy = policy("http://" + host + ":8080", null);
            OutboundPolicy.Decision decision = policy.check(URI.create("http://" + host + ":8080/data/upload/1/a.png"));
            assertThat(decision.allowed()).as(host).isFalse();
            assertThat(decision.reason()).as(host).containsAnyOf("link-local", "metadata");
        }
        assertThat(policy("http://169.254.169.254", null).check(URI.create("http://169.254.169.254/latest/meta-data/")).reason())
                .contains("link-local");
    }

    @Test
    void everyOtherHostAndPortKeepsTheAddressRules() {
        OutboundPolicy policy = policy("http://label-studio:8080", "minio.internal,*.s3.amazonaws.com,localhost");
        // Another port of the same host is another origin.
        assertThat(policy.check(URI.create("http://label-studio:9000/")).reason()).contains("private addresses are not allowed");
        assertThat(policy.check(URI.create("https://label-studio:8080/")).allowed()).isFalse();
        assertThat(policy.check(URI.create("http://minio.internal:9000/bucket/a.png")).reason()).contains("private");
        assertThat(policy.check(URI.create("http://localhost:9000/a.png")).reason()).contains("loopback");
        assertThat(allowed(policy, "https://bucket.s3.amazonaws.com/a.png?X-Amz-Signature=s")).isTrue();
        assertThat(policy.check(URI.create("http://169.254.169.254/latest/meta-data/")).reason()).contains("allow-list");
        assertThat(policy.check(URI.create("http://elsewhere.example.com/a.png")).reason()).contains("allow-list");
        OutboundPolicy open = LabelStudioConfiguration.outboundPolicy(properties(Map.of("url", "http://label-studio:8080",
                "allowed-hosts", "minio.internal", "allow-private-addresses", "true")), host -> new InetAddress[] {
                        InetAddress.getByName(DNS.get(host))});
        assertThat(allowed(open, "http://minio.internal:9000/bucket/a.png")).isTrue();
    }
}
