package com.fmawsss.pipeline;

import com.fmawsss.progress.Progress;
import com.fmawsss.progress.Stage;
import java.util.EnumMap;
import java.util.Map;

/** Sums the stage durations of one pipeline run, for the {@link CostModel}. */
final class RunLedger implements Progress {

    private final Map<Stage, Long> nanos = new EnumMap<>(Stage.class);

    @Override
    public synchronized void stageDone(Stage stage, long duration) {
        nanos.merge(stage, duration, Long::sum);
    }

    synchronized Map<Stage, Long> nanos() {
        return Map.copyOf(nanos);
    }
}
