package com.fmawsss.prompts;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Prompt store settings under {@code fma.prompts}.
 *
 * @param pollInterval how often the store re-reads {@code active.json} and looks for new version
 *     files written by other replicas ({@code FMA_PROMPTS_POLL_INTERVAL}; zero disables polling)
 */
@ConfigurationProperties(prefix = "fma.prompts")
public record PromptStoreProperties(@DefaultValue("5s") Duration pollInterval) {}
