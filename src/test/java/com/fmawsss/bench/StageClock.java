package com.fmawsss.bench;

import com.fmawsss.progress.Stage;
import com.fmawsss.progress.Progress;
import java.util.EnumMap;
import java.util.Map;

/** Sums the stage durations the engines report, between resets (one benchmark run). */
final class StageClock implements Progress {

    private final Map<Stage, Long> nanos = new EnumMap<>(Stage.class);

    @Override
    public synchronized void stageDone(Stage stage, long duration) {
        nanos.merge(stage, duration, Long::sum);
    }

    synchronized void reset() {
        nanos.clear();
    }

    synchronized double millis(Stage stage) {
        return nanos.getOrDefault(stage, 0L) / 1e6;
    }
}
