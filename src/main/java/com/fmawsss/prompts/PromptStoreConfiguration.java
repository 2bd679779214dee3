package com.fmawsss.prompts;

import com.fmawsss.FmaProperties;
import com.fmawsss.bundle.ModelBundle;
import org.springframework.context.annotation.Bean;
import java.time.Duration;
import java.time.Instant;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.TaskScheduler;

/** Wires the durable prompt store under {@code <fma.state.dir>/prompts}. */
@Configuration(proxyBeanMethods = false)
public class PromptStoreConfiguration {

    /** Subdirectory of the state directory holding the prompt store. */
    public static final String PROMPTS_DIR = "prompts";

    /**
     * The prompt store; also the {@link PromptRegistry} inference uses.
     *
     * @param properties service properties
     * @param store store settings
     * @param bundle the bundle (its CLIP text width constrains learned prompts)
     * @param scheduler runs {@link PromptStore#refresh()} every {@code fma.prompts.poll-interval}
     *     (zero disables), so the store follows other replicas' changes
     * @return the store
     */
    @Bean
    public PromptStore promptRegistry(FmaProperties properties, PromptStoreProperties store, ModelBundle bundle,
            TaskScheduler scheduler) {
        PromptStore prompts = new PromptStore(properties.state().dir().resolve(PROMPTS_DIR), bundle.manifest().clip().textWidth());
        Duration interval = store.pollInterval();
        if (interval != null && interval.isPositive()) {
            scheduler.scheduleWithFixedDelay(prompts::refresh, Instant.now().plus(interval), interval);
        }
        return prompts;
    }
}
