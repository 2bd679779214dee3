package com.fmawsss.api.inference;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Request limits of the inference API ({@code fma.api.*}). Upload sizes are also enforced by the
 * servlet container before a body is buffered ({@code spring.servlet.multipart.*}).
 *
 * @param maxPixels largest accepted image, width x height, checked from the header before decoding
 * @param minSide smallest accepted image side
 * @param maxClasses most classes per request
 * @param maxScoreElements most values of an uploaded score map
 * @param maxClassNameLength longest accepted class name
 * @param maxPromptPoints most clicks in one {@code /v1/segments} prompt
 */
@ConfigurationProperties("fma.api")
public record ApiProperties(
        @DefaultValue("40000000") long maxPixels,
        @DefaultValue("2") int minSide,
        @DefaultValue("20") int maxClasses,
        @DefaultValue("50000000") long maxScoreElements,
        @DefaultValue("100") int maxClassNameLength,
        @DefaultValue("64") int maxPromptPoints) {}
