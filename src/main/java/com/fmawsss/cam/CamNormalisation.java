package com.fmawsss.cam;

/** ReLU then min-max normalisation with eps 1e-7, as pytorch-grad-cam's {@code scale_cam_image}. */
public final class CamNormalisation {

    /** Added to the maximum so a flat map does not divide by zero. */
    public static final float EPS = 1e-7f;

    private CamNormalisation() {}

    /**
     * Normalises one CAM.
     *
     * @param cam raw CAM values
     * @return {@code (relu(cam) - min) / (max(relu(cam) - min) + 1e-7)}
     */
    public static float[] normalise(float[] cam) {
        float[] out = new float[cam.length];
        float min = Float.POSITIVE_INFINITY;
        for (int i = 0; i < cam.length; i++) {
            out[i] = Math.max(cam[i], 0f);
            min = Math.min(min, out[i]);
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < out.length; i++) {
            out[i] -= min;
            max = Math.max(max, out[i]);
        }
        float denominator = EPS + max;
        for (int i = 0; i < out.length; i++) {
            out[i] /= denominator;
        }
        return out;
    }
}
