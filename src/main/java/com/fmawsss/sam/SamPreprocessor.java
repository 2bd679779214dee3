package com.fmawsss.sam;

import com.fmawsss.bundle.BundleManifest;
import com.fmawsss.image.PilResize;
import com.fmawsss.image.RgbImage;

/**
 * SAM's {@code ResizeLongestSide} + {@code preprocess}: Pillow bilinear resize so the longest side
 * is S (rounded as {@code int(x + 0.5)}), normalise with the pixel mean/std on 0-255 values, pad
 * bottom/right with zeros after normalising.
 */
public final class SamPreprocessor {

    private final int size;
    private final float[] mean;
    private final float[] std;

    public SamPreprocessor(BundleManifest.Sam sam) {
        this.size = sam.inputSize();
        this.mean = new float[3];
        this.std = new float[3];
        for (int c = 0; c < 3; c++) {
            mean[c] = sam.pixelMean().get(c).floatValue();
            std[c] = sam.pixelStd().get(c).floatValue();
        }
    }

    /**
     * SAM {@code get_preprocess_shape}.
     *
     * @param height rows
     * @param width columns
     * @param longSide S
     * @return {@code {newHeight, newWidth}}
     */
    public static int[] resizedShape(int height, int width, int longSide) {
        double scale = longSide * 1.0 / Math.max(height, width);
        return new int[] {(int) (height * scale + 0.5), (int) (width * scale + 0.5)};
    }

    /**
     * Prepares an image.
     *
     * @param image the image or crop
     * @return the encoder input
     */
    public SamInput prepare(RgbImage image) {
        int[] shape = resizedShape(image.height(), image.width(), size);
        RgbImage resized = PilResize.resize(image, shape[1], shape[0], PilResize.Filter.BILINEAR);
        float[] pixels = new float[3 * size * size];
        byte[] rgb = resized.rgb();
        int plane = size * size;
        for (int y = 0; y < shape[0]; y++) {
            for (int x = 0; x < shape[1]; x++) {
                int src = (y * shape[1] + x) * 3;
                for (int c = 0; c < 3; c++) {
                    pixels[c * plane + y * size + x] = ((rgb[src + c] & 0xff) - mean[c]) / std[c];
                }
            }
        }
        return new SamInput(pixels, size, shape[0], shape[1], image.height(), image.width());
    }
}
