package com.fmawsss;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.MergedContextConfiguration;

/**
 * Every {@code @SpringBootTest} context gets its own temporary state directory ({@code
 * fma.state.dir}: jobs, prompt store, superpixel cache, async results, unpacked demo bundle), so no
 * test writes into the working directory or sees another's state. A test that needs the path sets
 * {@code fma.state.dir} itself, which wins (this source has the lowest precedence).
 *
 * <p>The customizer is bound to its test class, so test classes never share a context by accident
 * (contexts are cached by configuration, and their counters and queues must stay per class).
 */
public record TemporaryStateDirectory(Class<?> testClass) implements ContextCustomizer {

    @Override
    public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration merged) {
        try {
            String dir = Files.createTempDirectory("fma-test-state-" + testClass.getSimpleName() + "-").toString();
            context.getEnvironment().getPropertySources().addLast(new MapPropertySource("temporaryStateDirectory",
                    Map.of("fma.state.dir", dir)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Registered in {@code META-INF/spring.factories} of the test resources. */
    public static final class Factory implements ContextCustomizerFactory {

        @Override
        public ContextCustomizer createContextCustomizer(Class<?> testClass, List<ContextConfigurationAttributes> attributes) {
            return AnnotatedElementUtils.hasAnnotation(testClass, SpringBootTest.class) ? new TemporaryStateDirectory(testClass) : null;
        }
    }
}
