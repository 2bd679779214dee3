package com.fmawsss.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.security.OutboundPolicy;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose.yml with its Label Studio profile: the service's environment, as compose expands
 * it with nothing set in the shell, points at the profile's Label Studio and lets the service reach
 * it at its Docker-network address, without any address flag.
 */
class ComposeLabelStudioTest {

    static final Pattern DEFAULTED = Pattern.compile("\\$\\{(\\w+):-([^}]*)}");

    @SuppressWarnings("unchecked")
    static Map<String, Object> service(String name) throws IOException {
        Map<String, Object> compose = new Yaml().load(Files.readString(Path.of("docker-compose.yml")));
        return (Map<String, Object>) ((Map<String, Object>) compose.get("services")).get(name);
    }

    /** The container environment with an empty shell: {@code ${X:-d}} gives d, bare names are left unset. */
    @SuppressWarnings("unchecked")
    static Map<String, String> environment(Map<String, Object> service) {
        Map<String, String> env = new HashMap<>();
        for (String entry : (List<String>) service.get("environment")) {
            int eq = entry.indexOf('=');
            if (eq > 0) {
                Matcher m = DEFAULTED.matcher(entry.substring(eq + 1));
                env.put(entry.substring(0, eq), m.replaceAll(r -> Matcher.quoteReplacement(r.group(2))));
            }
        }
        return env;
    }

    @Test
    void theProfilesLabelStudioIsTheServicesDefaultAndIsReachedWithoutFlags() throws IOException {
        Map<String, Object> labelStudio = service("label-studio");
        assertThat(labelStudio.get("profiles")).isEqualTo(List.of("label-studio"));
        assertThat((String) labelStudio.get("image")).startsWith("heartexlabs/label-studio:");
        Map<String, String> env = environment(service("fma-wsss"));
        assertThat(env).containsEntry("LABEL_STUDIO_URL", "http://label-studio:8080")
                .doesNotContainKeys("FMA_LABEL_STUDIO_ALLOW_PRIVATE_ADDRESSES", "FMA_LABEL_STUDIO_ALLOW_LOOPBACK");
        // Docker's default bridge networks are private ranges.
        OutboundPolicy policy = ContainerSettings.labelStudioPolicy(env, Map.of("label-studio", "172.19.0.3", "grafana", "172.19.0.4"));
        assertThat(policy.check(URI.create("http://label-studio:8080/data/upload/1/a.png")).allowed()).isTrue();
        assertThat(policy.check(URI.create("http://grafana:3000/")).allowed()).isFalse();
    }
}
