package com.fmawsss.ops;

import com.fmawsss.bundle.Devices;
import com.fmawsss.bundle.ModelBundle;
import com.fmawsss.pipeline.SeedPipeline;
import com.fmawsss.progress.Stage;
import com.fmawsss.prompts.PromptRegistry;
import com.fmawsss.sam.AmgSettings;

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
    private final SeedPipeline pipeline;
    private final PromptRegistry prompts;
    private final AmgSettings amg;
    private final ApplicationEventPublisher events;
    private final BundleWarmUp warmUp = new BundleWarmUp();
    private volatile long warmUpMillis = -1;

    /**
     * Creates the gate.
     *
     * @param bundle the loaded bundle
     * @param events where availability changes are published
     */
    public ReadinessGate(ModelBundle bundle, SeedPipeline pipeline, PromptRegistry prompts, AmgSettings amg,
            ApplicationEventPublisher events) {
        this.bundle = bundle;
        this.pipeline = pipeline;
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
     * Returns the duration of the completed warm-up pass.
     *
     * @return milliseconds, or empty while the warm-up has not finished
     */
    /**
     * One small seed run through the real pipeline, so the cost model knows this device before the
     * first request must be estimated (a synchronous request is refused at once when its estimate
     * exceeds the limit, and a wrong first estimate would refuse or admit the wrong requests).
     */
    private void calibrate() {
        pipeline.calibrate(prompts.active().vocabulary(), amg);
    }

    private String perUnit(Stage stage) {
        Double seconds = pipeline.costs().secondsPerUnit().get(stage);
        return seconds == null ? "?" : String.format(java.util.Locale.ROOT, "%.3g", seconds);
    }

    public OptionalLong warmUpMillis() {
        long v = warmUpMillis;
        return v < 0 ? OptionalLong.empty() : OptionalLong.of(v);
    }
}
