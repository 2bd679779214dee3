package com.fmawsss.pipeline;

import com.fmawsss.image.RgbImage;

/**
 * A deterministic synthetic photo-like image for the calibration run: smooth gradients with a few
 * flat shapes, so SAM finds regions and CAMs are not constant.
 */
final class CalibrationImage {

    private CalibrationImage() {}

    static RgbImage create(int width, int height) {
        byte[] rgb = new byte[width * height * 3];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = (y * width + x) * 3;
                boolean disc = (x - width / 3) * (x - width / 3) + (y - height / 2) * (y - height / 2) < (height / 5) * (height / 5);
                boolean box = x > width * 3 / 5 && x < width * 9 / 10 && y > height / 5 && y < height * 3 / 5;
                rgb[i] = (byte) (disc ? 220 : box ? 30 : 60 + 120 * x / width);
                rgb[i + 1] = (byte) (disc ? 40 : box ? 160 : 90 + 100 * y / height);
                rgb[i + 2] = (byte) (disc ? 50 : box ? 200 : 140);
            }
        }
        return new RgbImage(width, height, rgb);
    }
}
