package com.fmawsss.bundle;

import java.util.Arrays;
import java.util.Map;

/**
 * Arithmetic of the heavy modules (CLIP vision trunk, SAM image encoder): the bundle's own fp32
 * modules, or the bf16 variants an fp32 bundle may carry ({@code computeVariants} in the manifest,
 * {@code models/export.py --bf16-variants}). Either way the modules take and return the bundle's
 * dtype, so nothing outside the loader sees the difference.
 */
public enum ComputePrecision {
    /** The bundle's own modules. */
    FP32("fp32", null),
    /** bf16 weights and arithmetic inside the modules that have a bf16 variant. */
    BF16("bf16", "bfloat16");

    private final String setting;
    private final String variantKey;

    ComputePrecision(String setting, String variantKey) {
        this.setting = setting;
        this.variantKey = variantKey;
    }

    /**
     * Names the precision the way {@code fma.dtype} spells it.
     *
     * @return {@code fp32} or {@code bf16}
     */
    public String setting() {
        return setting;
    }

    /**
     * The file a module is loaded from at this precision: its variant when the manifest lists one,
     * else the module's own file (modules without a variant always run in the bundle's dtype).
     *
     * @param manifest the verified manifest
     * @return path relative to the bundle directory
     */
    public String file(BundleManifest manifest, BundleModule module) {
        if (variantKey == null) {
            return module.path();
        }
        return manifest.computeVariants().getOrDefault(variantKey, Map.of())
                .getOrDefault(module.path(), module.path());
    }

    /**
     * Tells whether the bundle has variants for this precision.
     *
     * @param manifest the verified manifest
     * @return true for {@link #FP32}, and for {@link #BF16} when the bundle lists bf16 variants
     */
    public boolean availableIn(BundleManifest manifest) {
        return variantKey == null || !manifest.computeVariants().getOrDefault(variantKey, Map.of()).isEmpty();
    }

    /** The precision {@code fma.dtype} names ({@code fp32}, {@code bf16}). */
    public static ComputePrecision of(String setting) {
        for (ComputePrecision p : values()) {
            if (p.setting.equals(setting)) {
                return p;
            }
        }
        throw new IllegalArgumentException("no precision '" + setting + "'");
    }

    /**
     * Resolves an explicit {@code fma.dtype}; {@code auto} is fp32 here, for random weights (the
     * demo bundle, whose outputs the Python references and the equivalence tests are written
     * against): for real weights {@link PrecisionProbe} measures instead.
     *
     * @throws BundleException when a precision the bundle has no variants for is requested
     */
    public static ComputePrecision resolve(String setting, BundleManifest manifest) {
        String s = setting == null ? "auto" : setting.trim();
        if (s.equals("auto")) {
            return FP32;
        }
        ComputePrecision precision;
        try {
            precision = of(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("fma.dtype '" + setting + "' is not one of auto, "
                    + String.join(", ", Arrays.stream(values()).map(ComputePrecision::setting).toList()));
        }
        if (!precision.availableIn(manifest)) {
            throw BundleException.forFile(BundleManifest.FILE_NAME, "lists no " + precision.setting()
                    + " variants, but fma.dtype is " + precision.setting() + " — export the bundle with models/export.py"
                    + " (which writes the variants by default), or set fma.dtype to auto or fp32");
        }
        return precision;
    }
}
