package com.fmawsss.jobs;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Runs jobs one at a time (one training or bulk job per device; others queue) with durable state:
 * every transition is written to the {@link JobStore} before it is visible. After a crash or
 * restart, {@link #recover()} re-queues unfinished jobs that their factory can rebuild (they resume
 * from their checkpoints) and marks the others failed with the reason.
 */
public final class JobRunner implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);

    private final JobStore store;
    private final Function<JobRecord, Optional<Job>> factory;
    private final Clock clock;
    private final ExecutorService worker;
    private final Map<String, Future<?>> pending = new ConcurrentHashMap<>();
    private final Map<String, Boolean> cancelled = new ConcurrentHashMap<>();
    // Final records the store could not take (disk full, read-only): served from memory so clients
    // see how the job ended; on disk it stays unfinished, so a restart resumes it.
    private final Map<String, JobRecord> unsaved = new ConcurrentHashMap<>();
    private volatile Consumer<JobRecord> listener = record -> { };

    /**
     * @param store durable records
     * @param factory rebuilds a job from its record (type + request JSON) after a restart
     * @param clock time source
     */
    public JobRunner(JobStore store, Function<JobRecord, Optional<Job>> factory, Clock clock) {
        this.store = store;
        this.factory = factory;
        this.clock = clock;
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fma-jobs");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Re-queues or fails the jobs a previous process left unfinished.
     *
     * @return the ids re-queued
     */
    public List<String> recover() {
        return store.all().stream().filter(r -> !r.state().isFinal()).map(record -> {
            Optional<Job> job = factory.apply(record);
            if (job.isEmpty()) {
                save(record.withState(JobState.FAILED, "interrupted by a restart and cannot be resumed", clock.instant()));
                return null;
            }
            JobRecord queued = record.withState(JobState.QUEUED, null, clock.instant());
            save(queued);
            enqueue(queued.id(), job.get());
            return queued.id();
        }).filter(Objects::nonNull).toList();
    }

    /**
     * Queues a new job.
     *
     * @param type job kind
     * @param requestJson the request, kept for resumption
     * @param job the work
     * @return the queued record
     */
    public JobRecord submit(String type, String requestJson, Job job) {
        JobRecord record = JobRecord.queued(UUID.randomUUID().toString().replace("-", "").substring(0, 16), type, requestJson,
                clock.instant());
        save(record);
        enqueue(record.id(), job);
        return record;
    }

    public Optional<JobRecord> get(String id) {
        JobRecord kept = unsaved.get(id);
        return kept != null ? Optional.of(kept) : store.get(id);
    }

    /**
     * Lists jobs.
     *
     * @return all records, oldest first
     */
    public List<JobRecord> list() {
        return store.all().stream().map(r -> unsaved.getOrDefault(r.id(), r)).toList();
    }

    /**
     * Cancels a job: a queued job is cancelled at once, a running one at its next {@link
     * JobContext#checkCancelled()}.
     *
     * @param id job id
     * @return the record after the request, if the job exists
     */
    public synchronized Optional<JobRecord> cancel(String id) {
        Optional<JobRecord> record = get(id);
        if (record.isEmpty() || record.get().state().isFinal()) {
            return record;
        }
        cancelled.put(id, true);
        if (record.get().state() == JobState.QUEUED) {
            Future<?> future = pending.remove(id);
            if (future != null) {
                future.cancel(false);
            }
            JobRecord done = record.get().withState(JobState.CANCELLED, null, clock.instant());
            save(done);
            return Optional.of(done);
        }
        return record;
    }

    /**
     * Registers a callback that sees every record change (after it is stored), e.g. for metrics.
     *
     * @param onChange the callback
     */
    public void onChange(Consumer<JobRecord> onChange) {
        this.listener = onChange;
    }

    private void save(JobRecord record) {
        store.save(record);
        unsaved.remove(record.id());
        listener.accept(record);
    }

    /** Records how a job ended; when the store cannot take it, keeps it in memory (see {@link #unsaved}). */
    private void saveFinal(JobRecord record) {
        try {
            save(record);
        } catch (UncheckedIOException e) {
            LOG.warn("job {} ended {} but its record cannot be written ({}); it is reported from memory and resumes after a restart",
                    record.id(), record.state(), e.getMessage());
            unsaved.put(record.id(), record);
            listener.accept(record);
        }
    }

    private void enqueue(String id, Job job) {
        pending.put(id, worker.submit(() -> execute(id, job)));
    }

    private void execute(String id, Job job) {
        pending.remove(id);
        try {
            synchronized (this) {
                JobRecord record = store.get(id).orElse(null);
                if (record == null || record.state().isFinal()) {
                    return;
                }
                save(record.withState(JobState.RUNNING, null, clock.instant()));
            }
            run(id, job, store.workDirectory(id));
        } catch (UncheckedIOException e) {
            // The store cannot record that the job started (disk full, read-only).
            LOG.warn("job {} cannot start: {}", id, e.getMessage());
            store.get(id).ifPresent(r -> saveFinal(r.withState(JobState.FAILED, e.getMessage(), clock.instant())));
        }
    }

    private void run(String id, Job job, Path dir) {
        JobContext context = new JobContext() {
            @Override
            public String id() {
                return id;
            }

            @Override
            public Path workDirectory() {
                return dir;
            }

            @Override
            public void progress(JobRecord.ProgressReport progress) {
                store.get(id).ifPresent(r -> save(r.withProgress(progress, clock.instant())));
            }

            @Override
            public void checkCancelled() {
                if (cancelled.containsKey(id) || Thread.currentThread().isInterrupted()) {
                    throw new JobCancelledException();
                }
            }
        };
        try {
            Map<String, String> result = job.run(context);
            store.get(id).ifPresent(r -> saveFinal(r.withResult(result, clock.instant())));
        } catch (JobCancelledException e) {
            if (cancelled.containsKey(id)) {
                store.get(id).ifPresent(r -> saveFinal(r.withState(JobState.CANCELLED, null, clock.instant())));
            }
            // Interrupted by shutdown: the record stays RUNNING and recover() resumes it.
        } catch (Exception e) {
            if (worker.isShutdown() && !cancelled.containsKey(id)) {
                // Interrupted by shutdown (e.g. an InterruptedException from a blocking call): the
                // record stays RUNNING and recover() resumes it from its last checkpoint.
                LOG.info("job {} interrupted by shutdown; it resumes on the next start", id);
                return;
            }
            LOG.warn("job {} failed", id, e);
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            store.get(id).ifPresent(r -> saveFinal(r.withState(JobState.FAILED, message, clock.instant())));
        } finally {
            cancelled.remove(id);
        }
    }

    /**
     * Stops the worker: the running job is interrupted (it stays resumable), queued jobs stay
     * queued on disk.
     */
    @Override
    public void close() {
        worker.shutdownNow();
        try {
            worker.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
