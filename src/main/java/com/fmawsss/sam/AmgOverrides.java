package com.fmawsss.sam;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.HashMap;
import java.util.Locale;
import java.util.function.Function;

/**
 * Field-by-field overrides of a mask-generation profile ({@code fma.sam.override.<field>}, field
 * names as in {@link AmgSettings}, in camel or kebab case: {@code pointsPerSide} or {@code
 * points-per-side}; or as environment variables, {@code FMA_SAM_OVERRIDE_POINTS_PER_SIDE}), e.g. a coarser point grid to trade quality for speed, or the benchmark's
 * thresholds. Per-level values are comma-separated (subpart, part, whole).
 */
public final class AmgOverrides {

    /** The fields that can be overridden. */
    public static final Set<String> FIELDS = Set.of("pointsPerSide", "pointsPerBatch", "predIouThresh",
            "levelIouOffsets", "stabilityThresh", "stabilityOffset", "boxNmsThresh", "levelNmsBonus", "cropNLayers",
            "cropNmsThresh", "cropOverlapRatio", "cropPointDownscale", "minMaskRegionArea", "overlapFilterThreshold",
            "maskThreshold");

    private AmgOverrides() {}

    /**
     * Applies overrides to settings.
     *
     * @param base the profile's settings
     * @param overrides field name to value
     * @return the overridden settings (validated by {@link AmgSettings})
     * @throws IllegalArgumentException for an unknown field or a malformed value
     */
    public static AmgSettings apply(AmgSettings base, Map<String, String> overrides) {
        Map<String, String> byField = new HashMap<>();
        Set<String> unknown = new TreeSet<>();
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            String field = FIELDS.stream().filter(f -> canonical(f).equals(canonical(e.getKey()))).findFirst().orElse(null);
            if (field == null) {
                unknown.add(e.getKey());
            } else {
                byField.put(field, e.getValue());
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown mask-generation setting(s) " + unknown + "; known: " + new TreeSet<>(FIELDS));
        }
        Values v = new Values(byField);
        return base.toBuilder()
                .pointsPerSide(v.integer("pointsPerSide", base.pointsPerSide()))
                .pointsPerBatch(v.integer("pointsPerBatch", base.pointsPerBatch()))
                .predIouThresh(v.real("predIouThresh", base.predIouThresh()))
                .levelIouOffsets(v.levels("levelIouOffsets", base.levelIouOffsets()))
                .stabilityThresh(v.real("stabilityThresh", base.stabilityThresh()))
                .stabilityOffset(v.real("stabilityOffset", base.stabilityOffset()))
                .boxNmsThresh(v.real("boxNmsThresh", base.boxNmsThresh()))
                .levelNmsBonus(v.levels("levelNmsBonus", base.levelNmsBonus()))
                .cropNLayers(v.integer("cropNLayers", base.cropNLayers()))
                .cropNmsThresh(v.real("cropNmsThresh", base.cropNmsThresh()))
                .cropOverlapRatio(v.real("cropOverlapRatio", base.cropOverlapRatio()))
                .cropPointDownscale(v.integer("cropPointDownscale", base.cropPointDownscale()))
                .minMaskRegionArea(v.integer("minMaskRegionArea", base.minMaskRegionArea()))
                .overlapFilterThreshold(v.real("overlapFilterThreshold", base.overlapFilterThreshold()))
                .maskThreshold(v.real("maskThreshold", base.maskThreshold()))
                .build();
    }

    /** Every spelling Spring binds: {@code pointsPerBatch}, {@code points-per-batch}, and {@code points.per.batch} from {@code FMA_SAM_OVERRIDE_POINTS_PER_BATCH}. */
    private static String canonical(String name) {
        return name.replace("-", "").replace("_", "").replace(".", "").toLowerCase(Locale.ROOT);
    }

    private record Values(Map<String, String> map) {

        int integer(String field, int fallback) {
            String value = map.get(field);
            return value == null ? fallback : parse(field, value, Integer::parseInt);
        }

        double real(String field, double fallback) {
            String value = map.get(field);
            return value == null ? fallback : parse(field, value, Double::parseDouble);
        }

        double[] levels(String field, double[] fallback) {
            String value = map.get(field);
            return value == null
                    ? fallback
                    : parse(field, value, s -> Arrays.stream(s.split(",")).mapToDouble(p -> Double.parseDouble(p.strip())).toArray());
        }

        private static <T> T parse(String field, String value, Function<String, T> parser) {
            try {
                return parser.apply(value.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("mask-generation setting " + field + ": not a number: '" + value + "'");
            }
        }
    }
}
