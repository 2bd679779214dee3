package com.fmawsss.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.labeling.cvat.CvatProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.yaml.snakeyaml.Yaml;

/**
 * The CVAT timeout chain with its defaults, inside out: the service answers a frame within
 * fma.cvat.answer-within, the function's handler waits FMA_TIMEOUT, nuclio lets the event run for
 * eventTimeout, and CVAT waits CVAT_NUCLIO_DEFAULT_TIMEOUT (120 s unless its operator changes it).
 */
class CvatTimeoutChainTest {

    static final Duration CVAT_NUCLIO_DEFAULT_TIMEOUT = Duration.ofSeconds(120);

    @Test
    @SuppressWarnings("unchecked")
    void eachWaitEndsBeforeTheOneAroundIt() throws Exception {
        CvatProperties defaults = new Binder(new MapConfigurationPropertySource(Map.of())).bindOrCreate("fma.cvat", CvatProperties.class);
        Map<String, Object> function = new Yaml().load(Files.readString(Path.of("cvat", "function.yaml")));
        Map<String, Object> spec = (Map<String, Object>) function.get("spec");
        Duration eventTimeout = Duration.ofSeconds(Long.parseLong(((String) spec.get("eventTimeout")).replace("s", "")));
        Duration handler = Duration.ofSeconds(Long.parseLong((String) ((List<Map<String, Object>>) spec.get("env")).stream()
                .filter(e -> "FMA_TIMEOUT".equals(e.get("name"))).findFirst().orElseThrow().get("value")));
        assertThat(defaults.answerWithin()).isEqualTo(Duration.ofSeconds(100)).isLessThan(handler);
        assertThat(handler).isLessThan(eventTimeout);
        assertThat(eventTimeout).isLessThan(CVAT_NUCLIO_DEFAULT_TIMEOUT);
    }
}
