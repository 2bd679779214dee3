package com.fmawsss.api.requests;

import com.fmawsss.api.failures.FailureProblems;
import com.fmawsss.api.inference.InferenceRequest;
import com.fmawsss.api.inference.InferenceService;
import com.fmawsss.api.inference.LabelMapResult;
import com.fmawsss.api.inference.ResponseRenderer;
import com.fmawsss.config.FmaProperties;
import com.fmawsss.image.LabelMapPng;
import com.fmawsss.pipeline.PipelineExecutor;
import com.fmawsss.pipeline.PipelineSubmission;
import com.fmawsss.problems.ApiProblem;
import com.fmawsss.problems.ProblemJson;
import com.fmawsss.problems.ProblemTypes;
import com.fmawsss.scheduler.Priority;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * The registry of asynchronous inference requests ({@code Prefer: respond-async}): their live
 * state while they wait and run, and their outcome afterwards, kept by {@link AsyncOutcomeStore} so
 * a restart serves them until they expire; a request a restart interrupted is reported as such
 * (410), never as a server error. Ids are 128 random bits. Outcomes are bounded in count and bytes
 * and expire after {@code fma.requests.result-ttl}. Thread-safe.
 */
@Component
public class AsyncRequests {

    private static final Logger LOG = LoggerFactory.getLogger(AsyncRequests.class);
    private static final JsonMapper JSON = JsonMapper.builder().findAndAddModules().build();
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A stored outcome, read back for an answer. */
    public record Outcome(AsyncState state, byte[] body, int status, String promptSet, String classTable) {}

    /**
     * A finished result as the endpoint answers it, in both media types.
     *
     * @param promptSet the prompt version that produced it, or {@code null}
     * @param classTable the PNG's class table ({@code X-Class-Table}), or {@code null} when the PNG has none
     */
    public record Rendered(byte[] json, byte[] png, String promptSet, String classTable) {}

    private static final class Entry {
        volatile AsyncRecord record;
        volatile PipelineSubmission<?> submission;

        Entry(AsyncRecord record) {
            this.record = record;
        }
    }

    private final InferenceService service;
    private final PipelineExecutor executor;
    private final AsyncRequestProperties properties;
    private final AsyncOutcomeStore store;
    private final Clock clock;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    @Autowired
    public AsyncRequests(InferenceService service, PipelineExecutor executor, AsyncRequestProperties properties,
            FmaProperties fma, MeterRegistry registry) {
        this(service, executor, properties, fma.state().dir().resolve("requests"), Clock.systemUTC(), registry);
    }

    AsyncRequests(InferenceService service, PipelineExecutor executor, AsyncRequestProperties properties, Path directory,
            Clock clock, MeterRegistry registry) {
        this.service = service;
        this.executor = executor;
        this.properties = properties;
        this.store = new AsyncOutcomeStore(directory);
        this.clock = clock;
        for (AsyncRecord record : store.recover(clock.instant())) {
            entries.put(record.id(), new Entry(record));
        }
        expire();
        enforceBounds(null);
        AsyncRequestMetrics.register(registry, this);
    }

    /**
     * Schedules a request and returns its status (queued).
     *
     * @throws ApiProblem 429 when {@code fma.requests.max-pending} requests are already pending
     */
    public RequestStatus submit(InferenceRequest request) {
        return submit(request.endpoint().path(), request.amg() == null ? null : request.amg().profile(),
                queueTimeout -> service.submitAsynchronous(request, queueTimeout), AsyncRequests::labelMap);
    }

    /**
     * Schedules any endpoint's work and returns its status (queued).
     *
     * @param endpoint the endpoint's path, for the status
     * @param amgProfile the mask-generation profile, or {@code null}
     * @param submit submits the work with the longest time it may wait to start
     * @param render the finished result in JSON and PNG
     * @throws ApiProblem 429 when {@code fma.requests.max-pending} requests are already pending
     */
    public <T> RequestStatus submit(String endpoint, String amgProfile, Function<Duration, PipelineSubmission<T>> submit,
            Function<T, Rendered> render) {
        synchronized (this) {
            if (count(AsyncState.QUEUED) + count(AsyncState.RUNNING) >= properties.maxPending()) {
                long retry = Math.max(1, executor.estimatedWait(Priority.ASYNC).toSeconds());
                throw new ApiProblem(HttpStatus.TOO_MANY_REQUESTS, ProblemTypes.QUEUE_FULL, "Too many requests",
                        properties.maxPending() + " asynchronous requests are pending; retry after " + retry + " s",
                        Map.of("retryAfterSeconds", retry), retry);
            }
        }
        String id = newId();
        PipelineSubmission<T> submission = submit.apply(properties.queueTimeout());
        AsyncRecord record = new AsyncRecord(id, endpoint, AsyncState.QUEUED, clock.instant(), null, amgProfile,
                seconds(submission.estimate().service()), null, null, null, null, 0);
        Entry entry = new Entry(record);
        entry.submission = submission;
        entries.put(id, entry);
        store.save(record);
        submission.result().whenComplete((result, failure) -> complete(entry, () -> render.apply(result), failure));
        return status(entry);
    }

    public Optional<RequestStatus> status(String id) {
        return entry(id).map(this::status);
    }

    /** The outcome of a finished request; empty while it is pending or when unknown. */
    public Optional<Outcome> outcome(String id, boolean png) {
        Optional<Entry> entry = entry(id);
        if (entry.isEmpty() || !entry.get().record.state().finished()) {
            return Optional.empty();
        }
        AsyncRecord record = entry.get().record;
        try {
            return switch (record.state()) {
                case SUCCEEDED -> Optional.of(new Outcome(record.state(), store.readResult(record.id(), png), 200,
                        record.promptSet(), record.classTable()));
                case FAILED -> Optional.of(new Outcome(record.state(), store.readProblem(record.id()), record.problemStatus(),
                        null, null));
                default -> Optional.of(new Outcome(record.state(), null, 410, null, null));
            };
        } catch (IOException e) {
            // Removed meanwhile (expired or deleted): unknown from now on.
            return Optional.empty();
        }
    }

    /**
     * Cancels a pending request (its work stops at the next stage or point batch) or forgets a
     * finished one with its result.
     *
     * @return whether the id was known
     */
    public boolean delete(String id) {
        Optional<Entry> found = entry(id);
        if (found.isEmpty()) {
            return false;
        }
        Entry entry = found.get();
        PipelineSubmission<?> submission = entry.submission;
        if (submission != null && !entry.record.state().finished()) {
            submission.cancel("cancelled by DELETE");
            return true;
        }
        remove(entry.record.id());
        return true;
    }

    /** Drops outcomes past their time to live; runs every minute. */
    @Scheduled(fixedDelay = 60_000, initialDelay = 60_000)
    public void expire() {
        Instant now = clock.instant();
        for (AsyncRecord record : finished()) {
            if (record.finishedAt().plus(properties.resultTtl()).isBefore(now)) {
                remove(record.id());
            }
        }
    }

    private static Rendered labelMap(LabelMapResult result) {
        return new Rendered(JSON.writeValueAsBytes(ResponseRenderer.json(result)),
                LabelMapPng.encode(result.labels(), result.width(), result.height()), result.metadata().prompts().id(),
                ResponseRenderer.classTable(result.classes()));
    }

    /** @param result renders the result (called only when the work succeeded) */
    private void complete(Entry entry, Supplier<Rendered> result, Throwable failure) {
        AsyncRecord record = entry.record;
        Instant now = clock.instant();
        AsyncRecord done;
        Rendered rendered = null;
        if (failure == null) {
            try {
                rendered = result.get();
            } catch (RuntimeException e) {
                failure = e; // answered as the problem it is, never left running
            }
        }
        try {
            if (rendered != null) {
                long bytes = store.writeResult(record.id(), rendered.json(), rendered.png());
                done = record.finish(AsyncState.SUCCEEDED, now, null, null, rendered.promptSet(), rendered.classTable(), bytes);
            } else if (PipelineSubmission.isCancellation(failure)) {
                done = record.finish(AsyncState.CANCELLED, now, 410, "cancelled", null, null, 0);
            } else {
                ResponseEntity<ProblemDetail> problem = FailureProblems.of(failure);
                ProblemDetail detail = problem.getBody();
                detail.setInstance(URI.create(RequestStatusView.location(record.id())));
                byte[] body = ProblemJson.bytes(detail);
                store.writeProblem(record.id(), body);
                done = record.finish(AsyncState.FAILED, now, problem.getStatusCode().value(), detail.getDetail(), null, null,
                        body.length);
            }
            store.save(done);
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("async request {} finished but its outcome cannot be stored: {}", record.id(), e.toString());
            done = record.finish(AsyncState.FAILED, now, 507, "the outcome could not be stored: " + e.getMessage(), null, null, 0);
        }
        // Older outcomes beyond the bounds go before this one becomes visible, so whoever sees it
        // finished also sees the bounds kept.
        enforceBounds(done);
        entry.record = done;
        entry.submission = null;
    }

    private RequestStatus status(Entry entry) {
        PipelineSubmission<?> submission = entry.submission;
        Duration queuedAhead = submission == null ? Duration.ZERO : executor.estimatedWait(Priority.ASYNC);
        return RequestStatusView.of(entry.record, submission, clock.instant(), queuedAhead, properties.resultTtl());
    }

    int count(AsyncState state) {
        int n = 0;
        for (Entry entry : entries.values()) {
            AsyncState s = entry.record.state();
            boolean started = entry.submission != null && entry.submission.progress().isStarted();
            AsyncState live = s == AsyncState.QUEUED && started ? AsyncState.RUNNING : s;
            if (live == state) {
                n++;
            }
        }
        return n;
    }

    List<AsyncRecord> finished() {
        List<AsyncRecord> out = new ArrayList<>();
        for (Entry entry : entries.values()) {
            if (entry.record.state().finished()) {
                out.add(entry.record);
            }
        }
        out.sort(Comparator.comparing(AsyncRecord::finishedAt));
        return out;
    }

    long storedBytes() {
        return finished().stream().mapToLong(AsyncRecord::resultBytes).sum();
    }

    /** Drops the oldest finished outcomes beyond the count and byte bounds, counting {@code incoming} as kept. */
    private synchronized void enforceBounds(AsyncRecord incoming) {
        List<AsyncRecord> done = finished();
        long bytes = done.stream().mapToLong(AsyncRecord::resultBytes).sum() + (incoming == null ? 0 : incoming.resultBytes());
        int count = done.size() + (incoming == null ? 0 : 1);
        for (AsyncRecord oldest : done) {
            if (count <= properties.maxResults() && bytes <= properties.maxResultBytes().toBytes()) {
                break;
            }
            remove(oldest.id());
            count--;
            bytes -= oldest.resultBytes();
        }
    }

    /** Files first, then the entry: whoever finds the id gone finds its files gone too. */
    private void remove(String id) {
        store.delete(id);
        entries.remove(id);
    }

    private Optional<Entry> entry(String id) {
        if (id == null || !AsyncOutcomeStore.ID.matcher(id).matches()) {
            return Optional.empty();
        }
        return Optional.ofNullable(entries.get(id));
    }

    private static String newId() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** To the millisecond: estimates of small requests are well below 0.1 s. */
    private static Double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }
}
