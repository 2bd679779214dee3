package com.fmawsss.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;

/**
 * Gauges of running jobs, by job id (the job runner registers, updates and removes them).
 * Numeric gauges read the latest {@link JobGaugeValues}; state and stage are labels of {@code
 * fma_job_state}, which is re-registered when either changes so that exactly one series per job
 * has the value 1. Thread-safe.
 *
 * <ul>
 *   <li>{@code fma_job_state{job, type, state, stage}} = 1
 *   <li>{@code fma_job_iteration{job, type}}
 *   <li>{@code fma_job_loss{job, type}} (NaN until a loss is reported)
 *   <li>{@code fma_job_images_per_second{job, type}}
 * </ul>
 */
public final class JobMetrics {

    /** Micrometer name of the state gauge (Prometheus: {@code fma_job_state}). */
    public static final String STATE = "fma.job.state";
    /** Micrometer name of the iteration gauge (Prometheus: {@code fma_job_iteration}). */
    public static final String ITERATION = "fma.job.iteration";
    /** Micrometer name of the loss gauge (Prometheus: {@code fma_job_loss}). */
    public static final String LOSS = "fma.job.loss";
    /** Micrometer name of the throughput gauge (Prometheus: {@code fma_job_images_per_second}). */
    public static final String THROUGHPUT = "fma.job.images.per.second";

    private final MeterRegistry registry;
    private final Map<String, Job> jobs = new LinkedHashMap<>();

    /** The meters of one job; {@code progress} is volatile so gauges read it without the lock. */
    private static final class Job {
        final Tags tags;
        final List<Meter> numeric = new ArrayList<>();
        volatile JobGaugeValues progress;
        Gauge state;

        Job(Tags tags, JobGaugeValues progress) {
            this.tags = tags;
            this.progress = progress;
        }
    }

    public JobMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * Registers a job's gauges in state {@code queued}; a second call for the same id is ignored.
     *
     * @param type the job type, e.g. {@code train} or {@code seed}
     */
    public synchronized void register(String jobId, String type) {
        if (jobs.containsKey(jobId)) {
            return;
        }
        Job job = new Job(Tags.of("job", jobId, "type", type), JobGaugeValues.queued());
        job.numeric.add(gauge(ITERATION, job, p -> p.iteration(), "Iterations (or images) the job has done"));
        job.numeric.add(gauge(LOSS, job, JobGaugeValues::loss, "Latest training loss of the job"));
        job.numeric.add(gauge(THROUGHPUT, job, JobGaugeValues::imagesPerSecond, "Recent throughput of the job in images per second"));
        job.state = stateGauge(job);
        jobs.put(jobId, job);
    }

    /** Publishes a job's progress (registering the job with type {@code unknown} if needed). */
    public synchronized void update(String jobId, JobGaugeValues progress) {
        if (!jobs.containsKey(jobId)) {
            register(jobId, "unknown");
        }
        Job job = jobs.get(jobId);
        JobGaugeValues previous = job.progress;
        job.progress = progress;
        if (!previous.state().equals(progress.state()) || !previous.stage().equals(progress.stage())) {
            registry.remove(job.state);
            job.state = stateGauge(job);
        }
    }

    /**
     * Removes a job's gauges (e.g. some time after it finished).
     *
     * @return true when the job was registered
     */
    public synchronized boolean remove(String jobId) {
        Job job = jobs.remove(jobId);
        if (job == null) {
            return false;
        }
        job.numeric.forEach(registry::remove);
        registry.remove(job.state);
        return true;
    }

    /**
     * Returns a job's latest progress.
     *
     * @return the progress, if registered
     */
    public synchronized Optional<JobGaugeValues> progress(String jobId) {
        return Optional.ofNullable(jobs.get(jobId)).map(j -> j.progress);
    }

    /**
     * Returns the registered job ids.
     *
     * @return the ids, sorted
     */
    public synchronized Set<String> jobs() {
        return new TreeSet<>(jobs.keySet());
    }

    private Gauge gauge(String name, Job job, ToDoubleFunction<JobGaugeValues> value, String description) {
        return Gauge.builder(name, job, j -> value.applyAsDouble(j.progress))
                .description(description)
                .tags(job.tags)
                .strongReference(true)
                .register(registry);
    }

    private Gauge stateGauge(Job job) {
        JobGaugeValues p = job.progress;
        return Gauge.builder(STATE, () -> 1)
                .description("Current state and stage of a job; the value is always 1")
                .tags(job.tags.and("state", p.state(), "stage", p.stage()))
                .strongReference(true)
                .register(registry);
    }
}
