package com.fmawsss.prompts;

import java.util.Map;
import java.util.TreeMap;

/**
 * Conventional keys of {@link PromptSet#info()}, written by training jobs and by the prompt store.
 * Values are strings; structured values (hyper-parameters) are JSON text.
 */
public final class PromptInfo {

    /** Dataset the prompts were trained on, e.g. {@code voc:train_aug}. */
    public static final String DATASET = "dataset";
    /** Hyper-parameters of the training run, as a JSON object. */
    public static final String HYPER_PARAMETERS = "hyperParameters";
    /** mIoU of the seeds produced with these prompts, when ground truth was available. */
    public static final String SEED_MIOU = "seedMiou";
    /** ISO-8601 instant the version was stored (added by the store when absent). */
    public static final String CREATED_AT = "createdAt";
    /** Version the training started from. */
    public static final String PARENT = "parent";
    /** File the prompts were imported from (e.g. an FMA-WSSS checkpoint's name). */
    public static final String SOURCE = "source";
    /** Lower-case hex SHA-256 of that file. */
    public static final String SOURCE_SHA256 = "sourceSha256";
    /** Prefix of further numeric metrics, e.g. {@code metrics.loss}. */
    public static final String METRIC_PREFIX = "metrics.";

    private PromptInfo() {}

    /**
     * Extracts the numeric metrics of an info map: {@value #SEED_MIOU} and every {@value
     * #METRIC_PREFIX} key (prefix removed); values that are not numbers are left out.
     *
     * @param info the info map
     * @return metric name to value, sorted
     */
    public static Map<String, Double> metrics(Map<String, String> info) {
        Map<String, Double> metrics = new TreeMap<>();
        info.forEach((key, value) -> {
            String name = key.equals(SEED_MIOU) ? key : key.startsWith(METRIC_PREFIX) ? key.substring(METRIC_PREFIX.length()) : null;
            if (name != null && !name.isEmpty()) {
                try {
                    metrics.put(name, Double.parseDouble(value.strip()));
                } catch (NumberFormatException e) {
                    // Free text is still visible in info; metrics only carry numbers.
                }
            }
        });
        return metrics;
    }
}
