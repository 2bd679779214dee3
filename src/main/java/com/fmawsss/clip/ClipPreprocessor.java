package com.fmawsss.clip;

import com.fmawsss.bundle.BundleManifest;
import com.fmawsss.image.PilResize;
import com.fmawsss.image.RgbImage;
import java.util.List;

/**
 * CLIP image preprocessing of the official FMA-WSSS/CLIP-ES code (spec §8): single scale, no
 * flip, stretch (no padding) to the next multiples of the patch size with Pillow's bicubic filter,
 * RGB/255, then CLIP mean/std.
 */
public final class ClipPreprocessor {

    private final int patchSize;
    private final float[] mean;
    private final float[] std;

    /**
     * @param patchSize ViT patch size (16)
     * @param mean per-channel mean of RGB/255 values
     * @param std per-channel standard deviation
     */
    public ClipPreprocessor(int patchSize, float[] mean, float[] std) {
        this.patchSize = patchSize;
        this.mean = mean.clone();
        this.std = std.clone();
    }

    /**
     * Creates the preprocessor a bundle was exported for.
     *
     * @param clip the manifest's CLIP section
     */
    public static ClipPreprocessor of(BundleManifest.Clip clip) {
        return new ClipPreprocessor(clip.patchSize(), toFloats(clip.imageMean()), toFloats(clip.imageStd()));
    }

    public int patchSize() {
        return patchSize;
    }

    /**
     * Rounds a size up to the next multiple of the patch size.
     *
     * @param size pixels
     * @return the stretched size
     */
    public int stretched(int size) {
        return (size + patchSize - 1) / patchSize * patchSize;
    }

    /**
     * Stretches and normalises an image.
     *
     * @param image the RGB image
     * @return the CLIP input
     */
    public ClipInput apply(RgbImage image) {
        int height = stretched(image.height());
        int width = stretched(image.width());
        RgbImage resized = PilResize.resize(image, width, height, PilResize.Filter.BICUBIC);
        byte[] rgb = resized.rgb();
        int plane = height * width;
        float[] pixels = new float[3 * plane];
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                pixels[c * plane + i] = ((rgb[i * 3 + c] & 0xff) / 255f - mean[c]) / std[c];
            }
        }
        return new ClipInput(pixels, height, width, image.height(), image.width(), patchSize);
    }

    private static float[] toFloats(List<Double> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i).floatValue();
        }
        return out;
    }
}
