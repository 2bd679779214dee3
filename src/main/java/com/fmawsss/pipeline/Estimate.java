package com.fmawsss.pipeline;

import com.fmawsss.progress.Stage;
import java.time.Duration;
import java.util.Map;

/**
 * The expected service time of one piece of work on this device.
 *
 * @param shape the work in each stage's cost unit
 * @param service the sum over the stages
 * @param stageSeconds seconds per stage (the weights of its progress percentage)
 */
public record Estimate(WorkShape shape, Duration service, Map<Stage, Double> stageSeconds) {

    public Estimate {
        stageSeconds = Map.copyOf(stageSeconds);
    }
}
