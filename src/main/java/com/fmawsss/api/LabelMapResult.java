package com.fmawsss.api;

import java.util.List;
import java.util.Map;

/**
 * What an inference endpoint returns, before it is rendered as PNG or JSON.
 *
 * @param width image columns
 * @param height image rows
 * @param labels row-major label map, 0 = background, i = {@code classes.get(i)}
 * @param classes class table: index 0 is {@code background}
 * @param classScores per foreground class name: scores of the image-level prediction (may be empty)
 * @param timings milliseconds per stage
 * @param metadata reproducibility metadata (bundle, prompts, effective parameters)
 * @param extras debug outputs ({@code cams}, {@code superpixels}) by name
 */
public record LabelMapResult(
        int width,
        int height,
        int[] labels,
        List<String> classes,
        Map<String, Map<String, Object>> classScores,
        Map<String, Long> timings,
        Map<String, Object> metadata,
        Map<String, Object> extras) {}
