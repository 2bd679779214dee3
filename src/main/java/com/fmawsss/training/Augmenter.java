package com.fmawsss.training;

import com.fmawsss.image.PilResize;
import com.fmawsss.image.RgbImage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.awt.Color;

/**
 * Training augmentation of the official code (spec §8): colour jitter (each of brightness ±25,
 * contrast ×[0.6, 1.4], saturation ×[0.5, 1.5] and hue ±25° applied with probability 0.5, in
 * random order), random rescale so the long side is U{288..480} with the short side at least the
 * crop, bicubic for the image and nearest for the label, a random crop and a horizontal flip with
 * probability 0.5. Deterministic for a given {@link Random}.
 */
public final class Augmenter {

    private final int crop;

    /**
     * @param crop crop side (224)
     */
    public Augmenter(int crop) {
        this.crop = crop;
    }

    /**
     * An augmented sample.
     *
     * @param image {@code crop x crop} image
     * @param labels {@code crop x crop} labels, or null when none were given
     */
    public record Sample(RgbImage image, int[] labels) {}

    /**
     * Augments an image and (optionally) its label map.
     *
     * @param labels row-major labels of the image's size, or null
     * @param random the random source
     * @return the augmented crop
     */
    public Sample apply(RgbImage image, int[] labels, Random random) {
        RgbImage jittered = jitter(image, random);
        int longSide = 288 + random.nextInt(480 - 288 + 1);
        double scale = (double) longSide / Math.max(image.width(), image.height());
        scale = Math.max(scale, (double) crop / Math.min(image.width(), image.height()));
        int width = Math.max(crop, (int) Math.round(image.width() * scale));
        int height = Math.max(crop, (int) Math.round(image.height() * scale));
        RgbImage resized = PilResize.resize(jittered, width, height, PilResize.Filter.BICUBIC);
        int[] resizedLabels = labels == null ? null : nearest(labels, image.width(), image.height(), width, height);
        int x0 = random.nextInt(width - crop + 1);
        int y0 = random.nextInt(height - crop + 1);
        boolean flip = random.nextDouble() < 0.5;
        byte[] rgb = new byte[crop * crop * 3];
        int[] out = labels == null ? null : new int[crop * crop];
        byte[] src = resized.rgb();
        for (int y = 0; y < crop; y++) {
            for (int x = 0; x < crop; x++) {
                int sx = x0 + (flip ? crop - 1 - x : x);
                int s = (y + y0) * width + sx;
                System.arraycopy(src, s * 3, rgb, (y * crop + x) * 3, 3);
                if (out != null) {
                    out[y * crop + x] = resizedLabels[s];
                }
            }
        }
        return new Sample(new RgbImage(crop, crop, rgb), out);
    }

    private static int[] nearest(int[] labels, int w, int h, int width, int height) {
        int[] out = new int[width * height];
        for (int y = 0; y < height; y++) {
            int sy = Math.min(h - 1, (int) Math.floor((y + 0.5) * h / height));
            for (int x = 0; x < width; x++) {
                int sx = Math.min(w - 1, (int) Math.floor((x + 0.5) * w / width));
                out[y * width + x] = labels[sy * w + sx];
            }
        }
        return out;
    }

    private static RgbImage jitter(RgbImage image, Random random) {
        List<Integer> order = new ArrayList<>(List.of(0, 1, 2, 3));
        Collections.shuffle(order, random);
        float[] px = new float[image.rgb().length];
        for (int i = 0; i < px.length; i++) {
            px[i] = image.rgb()[i] & 0xff;
        }
        for (int op : order) {
            if (random.nextDouble() >= 0.5) {
                continue;
            }
            switch (op) {
                case 0 -> brightness(px, (float) (random.nextDouble() * 50 - 25));
                case 1 -> contrast(px, (float) (0.6 + random.nextDouble() * 0.8));
                case 2 -> saturation(px, (float) (0.5 + random.nextDouble()));
                default -> hue(px, (float) (random.nextDouble() * 50 - 25));
            }
        }
        byte[] rgb = new byte[px.length];
        for (int i = 0; i < px.length; i++) {
            rgb[i] = (byte) Math.round(Math.max(0, Math.min(255, px[i])));
        }
        return new RgbImage(image.width(), image.height(), rgb);
    }

    private static void brightness(float[] px, float delta) {
        for (int i = 0; i < px.length; i++) {
            px[i] = Math.max(0, Math.min(255, px[i] + delta));
        }
    }

    private static float grey(float[] px, int p) {
        return 0.299f * px[p] + 0.587f * px[p + 1] + 0.114f * px[p + 2];
    }

    private static void contrast(float[] px, float factor) {
        double mean = 0;
        for (int p = 0; p < px.length; p += 3) {
            mean += grey(px, p);
        }
        float m = (float) (mean / (px.length / 3));
        for (int i = 0; i < px.length; i++) {
            px[i] = Math.max(0, Math.min(255, m + (px[i] - m) * factor));
        }
    }

    private static void saturation(float[] px, float factor) {
        for (int p = 0; p < px.length; p += 3) {
            float g = grey(px, p);
            for (int c = 0; c < 3; c++) {
                px[p + c] = Math.max(0, Math.min(255, g + (px[p + c] - g) * factor));
            }
        }
    }

    private static void hue(float[] px, float degrees) {
        for (int p = 0; p < px.length; p += 3) {
            float[] hsb = Color.RGBtoHSB(Math.round(px[p]), Math.round(px[p + 1]), Math.round(px[p + 2]), null);
            float h = hsb[0] + degrees / 360f;
            int rgb = Color.HSBtoRGB(h - (float) Math.floor(h), hsb[1], hsb[2]);
            px[p] = (rgb >> 16) & 0xff;
            px[p + 1] = (rgb >> 8) & 0xff;
            px[p + 2] = rgb & 0xff;
        }
    }
}
