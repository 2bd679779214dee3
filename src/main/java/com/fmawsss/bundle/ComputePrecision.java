package com.fmawsss.bundle;

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

    /**
     * Resolves {@code fma.dtype}.
     *
     * <p>{@code auto} picks bf16 only when the bundle carries bf16 variants, the device computes
     * bf16 natively, and the bundle is not the demo bundle (whose outputs the Python references
     * and the equivalence tests are written against).
     *
     * @param setting {@code auto}, {@code fp32} or {@code bf16}
     * @param manifest the verified manifest
     * @param demo whether the bundle is the demo bundle
     * @param fastBf16 whether the device has fast bf16 ({@link Bf16Hardware})
     * @throws BundleException when bf16 is requested from a bundle without bf16 variants
     */
    public static ComputePrecision resolve(
            String setting, BundleManifest manifest, boolean demo, boolean fastBf16) {
        String s = setting == null ? "auto" : setting.trim();
        return switch (s) {
            case "fp32" -> FP32;
            case "bf16" -> {
                if (!BF16.availableIn(manifest)) {
                    throw BundleException.forFile(
                            BundleManifest.FILE_NAME,
                            "lists no bf16 variants, but fma.dtype is bf16 — export the bundle with"
                                    + " models/export.py --bf16-variants, or set fma.dtype to auto or"
                                    + " fp32");
                }
                yield BF16;
            }
            case "auto" -> BF16.availableIn(manifest) && fastBf16 && !demo ? BF16 : FP32;
            default -> throw new IllegalArgumentException(
                    "fma.dtype '" + setting + "' is not one of auto, fp32, bf16");
        };
    }
}
