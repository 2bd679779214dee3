package com.fmawsss.metrics;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/** @param infoRefresh how often {@code fma_info} checks the active prompt version ({@code fma.metrics.info-refresh}) */
@ConfigurationProperties("fma.metrics")
public record MetricsProperties(@DefaultValue("5s") Duration infoRefresh) {}
