package com.fmawsss.readiness;

import com.fmawsss.bundle.Devices;
import com.fmawsss.bundle.ModelBundle;
import com.fmawsss.pipeline.PipelineExecutor;
import com.fmawsss.pipeline.PipelineWork;
import com.fmawsss.pipeline.Scheduling;
import com.fmawsss.progress.Stage;
import com.fmawsss.prompts.PromptRegistry;
import com.fmawsss.sam.AmgSettings;
import com.fmawsss.scheduler.Priority;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.EventListener;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * Keeps readiness at {@link ReadinessState#REFUSING_TRAFFIC} until the bundle is loaded (a context
 * bean, so already done when this runs) and a warm-up pass has run, then publishes {@link
 * ReadinessState#ACCEPTING_TRAFFIC}.
 *
 * <p>The warm-up runs synchronously in the {@link ApplicationReadyEvent} listener: liveness is
 * already CORRECT and the HTTP server is up, so probes answer during warm-up. It must not run
 * asynchronously, because Spring Boot itself publishes ACCEPTING_TRAFFIC as soon as the
 * ApplicationReadyEvent listeners return, which would overtake a background warm-up. A failed
 * warm-up fails startup, like a corrupt bundle.
 */
@Component
public class ReadinessGate {

    private static final Logger log = LoggerFactory.getLogger(ReadinessGate.class);

    private final ModelBundle bundle;
    /** Nothing else runs before readiness: the calibration starts at once. */
    private static final Duration CALIBRATION_START_DEADLINE = Duration.ofMinutes(10);

    private final PipelineExecutor executor;
    private final PromptRegistry prompts;
    private final AmgSettings amg;
    private final ApplicationEventPublisher events;
    private final BundleWarmUp warmUp = new BundleWarmUp();
    private volatile long warmUpMillis = -1;

    public ReadinessGate(ModelBundle bundle, PipelineExecutor executor, PromptRegistry prompts, AmgSettings amg,
            ApplicationEventPublisher events) {
        this.bundle = bundle;
        this.executor = executor;
        this.prompts = prompts;
        this.amg = amg;
        this.events = events;
    }

    /**
     * Runs the warm-up pass and then opens readiness.
     *
     * @param event the application-ready event
     */
    @EventListener(ApplicationReadyEvent.class)
    @Order(Ordered.HIGHEST_PRECEDENCE)
    public void onApplicationReady(ApplicationReadyEvent event) {
        // Explicit, so readiness does not depend on the default of an unset state.
        AvailabilityChangeEvent.publish(events, this, ReadinessState.REFUSING_TRAFFIC);
        log.info("Warming up the model bundle on {}", Devices.name(bundle.device()));
        long millis = warmUp.run(bundle);
        long calibrationStart = System.nanoTime();
        calibrate();
        long calibrationMillis = (System.nanoTime() - calibrationStart) / 1_000_000;
        warmUpMillis = millis + calibrationMillis;
        log.info("Warm-up done in {} ms, cost calibration in {} ms ({} s per point decoded, {} s per SAM encoder pass); "
                + "accepting traffic", millis, calibrationMillis, perUnit(Stage.SAM_DECODE), perUnit(Stage.SAM_ENCODE));
        AvailabilityChangeEvent.publish(events, this, ReadinessState.ACCEPTING_TRAFFIC);
    }

    /**
     * One small seed run through the real pipeline, on the device's worker like every request, so
     * the cost model knows this device before the first request must be estimated (a synchronous
     * request is refused at once when its estimate exceeds the limit, and a wrong first estimate
     * would refuse or admit the wrong requests).
     */
    private void calibrate() {
        try {
            executor.submit(new PipelineWork.Calibration(prompts.active().vocabulary(), amg),
                    Scheduling.of(Priority.INTERACTIVE, CALIBRATION_START_DEADLINE)).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while calibrating the cost model", e);
        }
    }

    private String perUnit(Stage stage) {
        Double seconds = executor.costs().secondsPerUnit().get(stage);
        return seconds == null ? "?" : String.format(Locale.ROOT, "%.3g", seconds);
    }

    /** Milliseconds of the completed warm-up and calibration, empty before. */
    public OptionalLong warmUpMillis() {
        long v = warmUpMillis;
        return v < 0 ? OptionalLong.empty() : OptionalLong.of(v);
    }
}
