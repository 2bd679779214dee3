package com.fmawsss.sam;

/**
 * Axis-aligned boxes {@code (x0, y0, x1, y1)} as SAM computes them from masks: {@code x1}, {@code
 * y1} are the last foreground column and row (inclusive), so a one-pixel mask has zero area.
 */
public final class Boxes {

    private Boxes() {}

    /**
     * SAM {@code batched_mask_to_box} for one row-major mask.
     *
     * @param width columns
     * @param height rows
     * @return {@code {x0, y0, x1, y1}}, or all zeros for an empty mask
     */
    public static int[] ofMask(boolean[] mask, int width, int height) {
        int x0 = width;
        int y0 = height;
        int x1 = -1;
        int y1 = -1;
        for (int y = 0; y < height; y++) {
            int row = y * width;
            for (int x = 0; x < width; x++) {
                if (mask[row + x]) {
                    x0 = Math.min(x0, x);
                    x1 = Math.max(x1, x);
                    y0 = Math.min(y0, y);
                    y1 = Math.max(y1, y);
                }
            }
        }
        return x1 < 0 ? new int[4] : new int[] {x0, y0, x1, y1};
    }

    /**
     * IoU like torchvision's {@code box_iou} in float32: area {@code (x1-x0)*(y1-y0)}; a zero union
     * gives NaN (never above a threshold, so such boxes are not suppressed).
     *
     * @param a first box
     * @param b second box
     * @return the IoU
     */
    public static float iou(int[] a, int[] b) {
        float areaA = (float) (a[2] - a[0]) * (float) (a[3] - a[1]);
        float areaB = (float) (b[2] - b[0]) * (float) (b[3] - b[1]);
        float w = Math.max((float) Math.min(a[2], b[2]) - (float) Math.max(a[0], b[0]), 0f);
        float h = Math.max((float) Math.min(a[3], b[3]) - (float) Math.max(a[1], b[1]), 0f);
        float inter = w * h;
        return inter / (areaA + areaB - inter);
    }

    /**
     * SAM {@code is_box_near_crop_edge}: the (uncropped) box lies within 20 px of a crop edge that
     * is not also an image edge.
     *
     * @param box box in image coordinates
     * @param imageWidth image columns
     * @param imageHeight image rows
     * @return true when the mask should be dropped
     */
    public static boolean nearCropEdge(int[] box, CropBoxes.Crop crop, int imageWidth, int imageHeight) {
        int[] cropBox = {crop.x0(), crop.y0(), crop.x1(), crop.y1()};
        int[] imageBox = {0, 0, imageWidth, imageHeight};
        for (int i = 0; i < 4; i++) {
            boolean nearCrop = Math.abs(box[i] - cropBox[i]) <= 20;
            boolean nearImage = Math.abs(box[i] - imageBox[i]) <= 20;
            if (nearCrop && !nearImage) {
                return true;
            }
        }
        return false;
    }
}
