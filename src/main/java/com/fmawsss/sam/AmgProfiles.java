package com.fmawsss.sam;

/**
 * Named mask-generation settings. {@code official} is the FMA-WSSS configuration. {@code demo}
 * exists because the random-weight demo bundle's SAM predicts IoUs below 0.5 and logits within
 * about ±0.4, so the official thresholds would keep no mask at all; it is selected automatically
 * for the demo bundle and reported in every response's metadata.
 */
public final class AmgProfiles {

    private AmgProfiles() {}

    /**
     * Returns a profile.
     *
     * @param name {@code official} or {@code demo}
     * @return the settings
     */
    public static AmgSettings named(String name) {
        return switch (name) {
            case "official" -> AmgSettings.defaults();
            case "demo" -> new AmgSettings(8, 256, 0.01, new double[] {0, 0, 0.1}, 0.5, 0.03, 1.0,
                    new double[] {0, 0, 1}, 0, 1.0, 512.0 / 1500.0, 2, 100, 0.3, 0.0);
            default -> throw new IllegalArgumentException("unknown mask-generation profile '" + name + "' (official, demo)");
        };
    }
}
