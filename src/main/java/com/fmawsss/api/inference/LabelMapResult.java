package com.fmawsss.api.inference;

import com.fmawsss.api.inference.LabelMapResponse.ClassScore;
import com.fmawsss.sam.QuasiSuperpixel;
import java.util.List;
import java.util.Map;

/**
 * What an inference endpoint computed, before it is rendered as PNG or JSON.
 *
 * @param labels row-major label map, 0 = background, i = {@code classes.get(i)}
 * @param classes class table: index 0 is {@code background}
 * @param classScores per foreground class name: the image-level prediction (empty for uploaded scores)
 * @param timings milliseconds per pipeline part
 * @param camsNpz {@code include=cams}: .npz of the raw and refined CAMs, else {@code null}
 * @param superpixels {@code include=superpixels}: the quasi-superpixels, else {@code null}
 */
public record LabelMapResult(
        int width,
        int height,
        int[] labels,
        List<String> classes,
        Map<String, ClassScore> classScores,
        Map<String, Long> timings,
        ResponseMetadata.Metadata metadata,
        byte[] camsNpz,
        List<QuasiSuperpixel> superpixels) {}
