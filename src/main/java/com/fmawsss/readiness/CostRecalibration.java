package com.fmawsss.readiness;

import com.fmawsss.scheduler.Priority;
import com.fmawsss.pipeline.PipelineExecutor;
import com.fmawsss.pipeline.PipelineWork;
import com.fmawsss.pipeline.Scheduling;
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

    private final PipelineExecutor executor;
    private final PromptRegistry prompts;
    private final AmgSettings amg;
    private final ReadinessGate readiness;
    private long refusalsSeen;

    public CostRecalibration(PipelineExecutor executor, PromptRegistry prompts, AmgSettings amg, ReadinessGate readiness) {
        this.executor = executor;
        this.prompts = prompts;
        this.amg = amg;
        this.readiness = readiness;
    }

    @Scheduled(fixedDelay = 60_000, initialDelay = 60_000)
    public void recalibrateWhenRefusedAndIdle() {
        long refusals = executor.costs().refusals();
        if (refusals == refusalsSeen || readiness.warmUpMillis().isEmpty() || !executor.idle()) {
            return;
        }
        refusalsSeen = refusals;
        LOG.info("{} synchronous request(s) refused as too slow since the last calibration; measuring the device again",
                refusals);
        executor.submit(new PipelineWork.Calibration(prompts.active().vocabulary(), amg),
                Scheduling.of(Priority.BACKGROUND, Duration.ofMinutes(10)));
    }
}
