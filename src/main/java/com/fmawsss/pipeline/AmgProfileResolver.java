package com.fmawsss.pipeline;

import com.fmawsss.sam.AmgOverrides;
import com.fmawsss.sam.AmgProfiles;
import com.fmawsss.sam.AmgSettings;
import java.util.Map;

/**
 * Chooses the mask-generation settings of a run: the profile a request names, or the service's
 * default ({@code fma.sam.profile}; {@code auto} is {@code demo} for the demo bundle, {@code
 * official} on a GPU and {@code fast} on a CPU, where the official profile takes minutes), with the
 * operator's field overrides ({@code fma.sam.override.*}) applied to every profile, then the
 * request's grid size. The point batch size follows the device.
 */
public final class AmgProfileResolver {

    /**
     * Point prompts per decoder call on a CPU. SAM's mask decoder gives every prompt its own copy of
     * the 64x64x256 image tokens (4 MB in fp32), so 8 prompts keep each of its intermediates near 32
     * MB: memory glibc malloc keeps and reuses (larger blocks are fresh mappings that page-fault in
     * on every call, 1.35x slower through the decoder), and no slower than bigger batches under
     * tcmalloc (docs/performance.md, "Point batches"). A click or a cancellation also waits for at
     * most one such batch.
     */
    public static final int CPU_POINTS_PER_BATCH = 8;
    /** On a GPU, SamAutomaticMaskGenerator's own default. */
    public static final int GPU_POINTS_PER_BATCH = 64;

    private final String defaultProfile;
    private final Map<String, String> overrides;
    private final int pointsPerBatch;

    /**
     * @param configured {@code fma.sam.profile}
     * @param demoBundle whether the loaded bundle is the random-weight demo bundle
     * @param gpu whether the device is a GPU
     */
    public AmgProfileResolver(String configured, boolean demoBundle, boolean gpu, Map<String, String> overrides) {
        this.defaultProfile = "auto".equals(configured)
                ? demoBundle ? AmgProfiles.DEMO : gpu ? AmgProfiles.OFFICIAL : AmgProfiles.FAST
                : configured;
        this.overrides = Map.copyOf(overrides);
        this.pointsPerBatch = gpu ? GPU_POINTS_PER_BATCH : CPU_POINTS_PER_BATCH;
        resolve(null, null); // fails start-up on a bad profile name or override
    }

    public String defaultProfile() {
        return defaultProfile;
    }

    /**
     * @param profile a profile name, or {@code null} for the default
     * @param grid points per side replacing the profile's, or {@code null}
     * @throws IllegalArgumentException for an unknown profile or a grid outside {@link
     *     AmgProfiles#MIN_GRID}..{@link AmgProfiles#MAX_GRID}
     */
    public AmgChoice resolve(String profile, Integer grid) {
        String name = profile == null ? defaultProfile : profile;
        AmgSettings base = AmgProfiles.named(name).withPointsPerBatch(pointsPerBatch);
        AmgSettings settings = AmgOverrides.apply(base, overrides);
        if (grid != null) {
            if (grid < AmgProfiles.MIN_GRID || grid > AmgProfiles.MAX_GRID) {
                throw new IllegalArgumentException("the grid must be between " + AmgProfiles.MIN_GRID + " and "
                        + AmgProfiles.MAX_GRID + " points per side, got " + grid);
            }
            settings = settings.withPointsPerSide(grid);
        }
        boolean custom = !overrides.isEmpty() && !settings.key().equals(base.key()) || grid != null;
        return new AmgChoice(custom ? name + "+custom" : name, settings);
    }
}
