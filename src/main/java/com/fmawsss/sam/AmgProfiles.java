package com.fmawsss.sam;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Named mask-generation settings, selectable per request ({@code amg=<name>}) and as the service
 * default ({@code fma.sam.profile}). All but {@code demo} keep the official FMA-WSSS thresholds and
 * differ only in how many prompt points and encoder passes they spend, which is where the time
 * goes: decoding costs about the same per point, and each crop is one more full encoder pass.
 *
 * <ul>
 *   <li>{@code official}: 32x32 grid over the image plus one crop layer (2x2 crops with 16x16
 *       grids): 2,048 points, 5 encoder passes. The paper's setting; the default on a GPU.
 *   <li>{@code balanced}: the 32x32 grid without the crop layer: 1,024 points, 1 pass. Loses the
 *       small regions only the crops find.
 *   <li>{@code fast}: a 16x16 grid, no crops: 256 points, 1 pass. The default on a CPU, where it
 *       answers within the synchronous limit (docs/performance.md has the measured costs).
 *   <li>{@code demo}: for the random-weight demo bundle, whose SAM predicts IoUs below 0.5 and
 *       logits within about ±0.4, so the official thresholds would keep no mask at all; selected
 *       automatically for the demo bundle and reported in every response's metadata.
 * </ul>
 */
public final class AmgProfiles {

    public static final String OFFICIAL = "official";
    public static final String BALANCED = "balanced";
    public static final String FAST = "fast";
    public static final String DEMO = "demo";

    /** Bounds of the per-request grid override ({@code grid}, points per side). */
    public static final int MIN_GRID = 4;
    public static final int MAX_GRID = 64;

    private static final Map<String, AmgSettings> PROFILES = new LinkedHashMap<>();

    static {
        AmgSettings official = AmgSettings.defaults();
        PROFILES.put(OFFICIAL, official);
        PROFILES.put(BALANCED, official.toBuilder().cropNLayers(0).build());
        PROFILES.put(FAST, official.toBuilder().pointsPerSide(16).cropNLayers(0).build());
        PROFILES.put(DEMO, official.toBuilder()
                .pointsPerSide(8)
                .predIouThresh(0.01)
                .stabilityThresh(0.5)
                .stabilityOffset(0.03)
                .boxNmsThresh(1.0)
                .cropNLayers(0)
                .cropNmsThresh(1.0)
                .build());
    }

    private AmgProfiles() {}

    /** @throws IllegalArgumentException naming the known profiles */
    public static AmgSettings named(String name) {
        AmgSettings settings = PROFILES.get(name);
        if (settings == null) {
            throw new IllegalArgumentException("unknown mask-generation profile '" + name + "' (" + String.join(", ", names()) + ")");
        }
        return settings;
    }

    public static List<String> names() {
        return List.copyOf(PROFILES.keySet());
    }

    /** The profile whose settings equal these, or {@code custom}. */
    public static String nameOf(AmgSettings settings) {
        return PROFILES.entrySet().stream()
                .filter(e -> e.getValue().equals(settings))
                .map(Map.Entry::getKey)
                .findFirst()
                .orElse("custom");
    }
}
