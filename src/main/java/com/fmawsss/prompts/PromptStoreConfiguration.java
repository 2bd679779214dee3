package com.fmawsss.prompts;

import com.fmawsss.FmaProperties;
import com.fmawsss.bundle.ModelBundle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

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
     * @return the store, polling for other replicas' changes
     */
    @Bean(destroyMethod = "close")
    public PromptStore promptRegistry(FmaProperties properties, PromptStoreProperties store, ModelBundle bundle) {
        PromptStore prompts = new PromptStore(properties.state().dir().resolve(PROMPTS_DIR), bundle.manifest().clip().textWidth());
        prompts.startPolling(store.pollInterval());
        return prompts;
    }
}
