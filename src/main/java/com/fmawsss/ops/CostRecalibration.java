package com.fmawsss.ops;

import com.fmawsss.ops.scheduler.InferenceScheduler;
import com.fmawsss.ops.scheduler.Priority;
import com.fmawsss.ops.scheduler.TaskSpec;
import com.fmawsss.pipeline.SeedPipeline;
import com.fmawsss.prompts.PromptRegistry;
import com.fmawsss.sam.AmgSettings;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Measures the device again when the cost model refused requests and the device is idle. A
 * calibration taken while the machine was busy (other processes, a noisy neighbour) inflates every
 * estimate; refused synchronous requests never run, so nothing else would correct it. The run is a
 * background task: requests that arrive meanwhile go first.
 */
@Component
public class CostRecalibration {

    private static final Logger LOG = LoggerFactory.getLogger(CostRecalibration.class);

    private final SeedPipeline pipeline;
    private final InferenceScheduler scheduler;
    private final PromptRegistry prompts;
    private final AmgSettings amg;
    private final ReadinessGate readiness;
    private long refusalsSeen;

    public CostRecalibration(SeedPipeline pipeline, InferenceScheduler scheduler, PromptRegistry prompts, AmgSettings amg,
            ReadinessGate readiness) {
        this.pipeline = pipeline;
        this.scheduler = scheduler;
        this.prompts = prompts;
        this.amg = amg;
        this.readiness = readiness;
    }

    @Scheduled(fixedDelay = 60_000, initialDelay = 60_000)
    public void recalibrateWhenRefusedAndIdle() {
        long refusals = pipeline.costs().refusals();
        if (refusals == refusalsSeen || readiness.warmUpMillis().isEmpty() || !idle()) {
            return;
        }
        refusalsSeen = refusals;
        LOG.info("{} synchronous request(s) refused as too slow since the last calibration; measuring the device again",
                refusals);
        scheduler.submit(TaskSpec.startWithin(Priority.BACKGROUND, Duration.ofMinutes(10), Duration.ZERO), () -> {
            pipeline.calibrate(prompts.active().vocabulary(), amg);
            return null;
        });
    }

    private boolean idle() {
        for (Priority priority : Priority.values()) {
            if (scheduler.queueDepth(priority) > 0) {
                return false;
            }
        }
        return scheduler.inFlight() == 0;
    }
}
