package com.fmawsss.pipeline;

import com.fmawsss.cam.CamResult;
import com.fmawsss.sam.QuasiSuperpixel;
import com.fmawsss.sams.SeedMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the seed pipeline produced for one image.
 *
 * @param seedMap the label map (0 = background, i = i-th present class) and per-mask decisions
 * @param cams raw and CAA-refined CAMs on the patch grid
 * @param superpixels quasi-superpixels in generator order
 * @param alpha the background exponent used
 * @param timingsMillis wall time per stage ({@code cam}, {@code superpixels}, {@code sams})
 */
public record PipelineResult(
        SeedMap seedMap, CamResult cams, List<QuasiSuperpixel> superpixels, double alpha, Map<String, Long> timingsMillis) {

    /** Copies the collections. */
    public PipelineResult {
        superpixels = List.copyOf(superpixels);
        timingsMillis = Map.copyOf(timingsMillis);
    }
}
