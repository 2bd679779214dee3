package com.fmawsss.api.requests;

import com.fmawsss.config.FmaProperties;
import com.fmawsss.api.ApiExceptionHandler;
import com.fmawsss.api.InferenceRequest;
import com.fmawsss.api.InferenceService;
import com.fmawsss.api.LabelMapResult;
import com.fmawsss.api.ResponseRenderer;
import com.fmawsss.image.LabelMapPng;
import com.fmawsss.io.AtomicFiles;
import com.fmawsss.scheduler.Priority;
import com.fmawsss.pipeline.PipelineExecutor;
import com.fmawsss.pipeline.PipelineSubmission;
import com.fmawsss.pipeline.RequestProgress;
import com.fmawsss.problems.ApiProblem;
import com.fmawsss.problems.ProblemJson;
import com.fmawsss.problems.ProblemTypes;
import com.fmawsss.progress.Stage;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
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
 * Asynchronous inference requests ({@code Prefer: respond-async}): their live state while they
 * wait and run, and their outcome afterwards. Finished outcomes are written under {@code
 * <state>/requests/} (temp file + atomic rename, result files before the record that points at
 * them), so a restart serves them until they expire; a request a restart interrupted is reported
 * as such (410), never as a server error. Ids are 128 random bits. Outcomes are bounded in count
 * and bytes and expire after {@code fma.requests.result-ttl}. Thread-safe.
 */
@Component
public class AsyncRequests {

    private static final Logger LOG = LoggerFactory.getLogger(AsyncRequests.class);
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{22}");
    private static final JsonMapper JSON = JsonMapper.builder().findAndAddModules().build();
    private static final SecureRandom RANDOM = new SecureRandom();

    enum State {
        QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED, INTERRUPTED;

        boolean finished() {
            return this != QUEUED && this != RUNNING;
        }

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The durable record of one request ({@code <id>.json}).
     *
     * @param problemStatus HTTP status of the stored problem when it failed
     * @param resultBytes size of the stored result files
     */
    record Stored(String id, String endpoint, State state, Instant createdAt, Instant finishedAt, String amg,
            Double estimatedSeconds, Integer problemStatus, String error, String promptSet, String classTable,
            long resultBytes) {

        Stored finish(State newState, Instant at, Integer status, String detail, String prompts, String table, long bytes) {
            return new Stored(id, endpoint, newState, createdAt, at, amg, estimatedSeconds, status, detail, prompts, table,
                    bytes);
        }
    }

    /** A stored outcome, read back for an answer. */
    public record Outcome(State state, byte[] body, int status, String promptSet, String classTable) {}

    private static final class Entry {
        volatile Stored stored;
        volatile PipelineSubmission<LabelMapResult> submission;

        Entry(Stored stored) {
            this.stored = stored;
        }
    }

    private final InferenceService service;
    private final PipelineExecutor executor;
    private final ApiExceptionHandler problems;
    private final AsyncRequestProperties properties;
    private final Path directory;
    private final Clock clock;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    @Autowired
    public AsyncRequests(InferenceService service, PipelineExecutor executor, ApiExceptionHandler problems,
            AsyncRequestProperties properties, FmaProperties fma, MeterRegistry registry) {
        this(service, executor, problems, properties, fma.state().dir().resolve("requests"), Clock.systemUTC(), registry);
    }

    AsyncRequests(InferenceService service, PipelineExecutor executor, ApiExceptionHandler problems,
            AsyncRequestProperties properties, Path directory, Clock clock, MeterRegistry registry) {
        this.service = service;
        this.executor = executor;
        this.problems = problems;
        this.properties = properties;
        this.directory = directory;
        this.clock = clock;
        recover();
        for (State state : List.of(State.QUEUED, State.RUNNING)) {
            Gauge.builder("fma.async.requests", this, r -> r.count(state))
                    .description("Asynchronous requests by state (queued: waiting for a worker; running)")
                    .tag("state", state.tag())
                    .register(registry);
        }
        Gauge.builder("fma.async.results", this, r -> r.finished().size())
                .description("Finished asynchronous requests whose outcome is kept")
                .register(registry);
        Gauge.builder("fma.async.results.bytes", this, AsyncRequests::storedBytes)
                .description("Bytes of kept asynchronous results")
                .baseUnit("bytes")
                .register(registry);
    }

    /**
     * Schedules a request and returns its status (queued).
     *
     * @throws ApiProblem 429 when {@code fma.requests.max-pending} requests are already pending
     */
    public RequestStatus submit(InferenceRequest request) {
        synchronized (this) {
            if (count(State.QUEUED) + count(State.RUNNING) >= properties.maxPending()) {
                long retry = Math.max(1, executor.estimatedWait(Priority.ASYNC).toSeconds());
                throw new ApiProblem(HttpStatus.TOO_MANY_REQUESTS, ProblemTypes.QUEUE_FULL, "Too many requests",
                        properties.maxPending() + " asynchronous requests are pending; retry after " + retry + " s",
                        Map.of("retryAfterSeconds", retry), retry);
            }
        }
        String id = newId();
        PipelineSubmission<LabelMapResult> submission = service.submitAsynchronous(request, properties.queueTimeout());
        Stored stored = new Stored(id, request.endpoint().path(), State.QUEUED, clock.instant(), null,
                request.amg() == null ? null : request.amg().profile(), seconds(submission.estimate().service()), null, null,
                null, null, 0);
        Entry entry = new Entry(stored);
        entry.submission = submission;
        entries.put(id, entry);
        save(stored);
        submission.result().whenComplete((result, failure) -> complete(entry, result, failure));
        return status(entry);
    }

    public Optional<RequestStatus> status(String id) {
        return entry(id).map(this::status);
    }

    /** The outcome of a finished request; empty while it is pending or when unknown. */
    public Optional<Outcome> outcome(String id, boolean png) {
        Optional<Entry> entry = entry(id);
        if (entry.isEmpty() || !entry.get().stored.state().finished()) {
            return Optional.empty();
        }
        Stored stored = entry.get().stored;
        try {
            return switch (stored.state()) {
                case SUCCEEDED -> Optional.of(new Outcome(stored.state(), Files.readAllBytes(file(stored.id(), png ? "png" : "result.json")),
                        200, stored.promptSet(), stored.classTable()));
                case FAILED -> Optional.of(new Outcome(stored.state(), Files.readAllBytes(file(stored.id(), "problem.json")),
                        stored.problemStatus(), null, null));
                default -> Optional.of(new Outcome(stored.state(), null, 410, null, null));
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
        PipelineSubmission<LabelMapResult> submission = entry.submission;
        if (submission != null && !entry.stored.state().finished()) {
            submission.cancel("cancelled by DELETE");
            return true;
        }
        remove(entry.stored.id());
        return true;
    }

    /** Drops outcomes past their time to live; runs every minute. */
    @Scheduled(fixedDelay = 60_000, initialDelay = 60_000)
    public void expire() {
        Instant now = clock.instant();
        for (Stored stored : finished()) {
            if (stored.finishedAt().plus(properties.resultTtl()).isBefore(now)) {
                remove(stored.id());
            }
        }
    }

    private void complete(Entry entry, LabelMapResult result, Throwable failure) {
        Stored stored = entry.stored;
        Instant now = clock.instant();
        Stored done;
        try {
            if (failure == null) {
                byte[] json = JSON.writeValueAsBytes(ResponseRenderer.json(result));
                byte[] png = LabelMapPng.encode(result.labels(), result.width(), result.height());
                AtomicFiles.write(file(stored.id(), "result.json"), json);
                AtomicFiles.write(file(stored.id(), "png"), png);
                done = stored.finish(State.SUCCEEDED, now, null, null, result.metadata().prompts().id(),
                        ResponseRenderer.classTable(result.classes()), json.length + png.length);
            } else if (PipelineSubmission.isCancellation(failure)) {
                done = stored.finish(State.CANCELLED, now, 410, "cancelled", null, null, 0);
            } else {
                Throwable cause = PipelineSubmission.causeOf(failure);
                ResponseEntity<ProblemDetail> problem = problems.wrapped(new CompletionException(cause));
                ProblemDetail detail = problem.getBody();
                detail.setInstance(java.net.URI.create(location(stored.id())));
                byte[] body = ProblemJson.bytes(detail);
                AtomicFiles.write(file(stored.id(), "problem.json"), body);
                done = stored.finish(State.FAILED, now, problem.getStatusCode().value(), detail.getDetail(), null, null,
                        body.length);
            }
            save(done);
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("async request {} finished but its outcome cannot be stored: {}", stored.id(), e.toString());
            done = stored.finish(State.FAILED, now, 507, "the outcome could not be stored: " + e.getMessage(), null, null, 0);
        }
        // Older outcomes beyond the bounds go before this one becomes visible, so whoever sees it
        // finished also sees the bounds kept.
        enforceBounds(done);
        entry.stored = done;
        entry.submission = null;
    }

    private RequestStatus status(Entry entry) {
        Stored stored = entry.stored;
        PipelineSubmission<LabelMapResult> submission = entry.submission;
        Instant now = clock.instant();
        State state = stored.state();
        String stage = null;
        RequestStatus.Progress progress = null;
        Double queued = null;
        Double running = null;
        Double eta = null;
        if (submission != null && !state.finished()) {
            RequestProgress.Snapshot snapshot = submission.progress().snapshot();
            double elapsed = Duration.between(stored.createdAt(), now).toMillis() / 1000.0;
            if (submission.progress().isStarted()) {
                state = State.RUNNING;
                running = round(snapshot.running().toMillis() / 1000.0);
                queued = round(Math.max(0, elapsed - running));
                eta = snapshot.remaining() == null ? null : round(snapshot.remaining().toMillis() / 1000.0);
            } else {
                queued = round(elapsed);
                eta = round((executor.estimatedWait(Priority.ASYNC).plus(submission.estimate().service())).toMillis() / 1000.0);
            }
            if (snapshot.stage() != null) {
                stage = snapshot.stage().tag();
            }
            progress = new RequestStatus.Progress(snapshot.stageDone(), snapshot.stageTotal(), unit(snapshot.stage()),
                    round(snapshot.percent()));
        }
        Instant expires = state.finished() && stored.finishedAt() != null ? stored.finishedAt().plus(properties.resultTtl()) : null;
        return new RequestStatus(stored.id(), stored.endpoint(), state.tag(), location(stored.id()), stored.createdAt(),
                stored.finishedAt(), expires, stage, progress, queued, running, stored.estimatedSeconds(), eta, stored.amg(),
                stored.state() == State.FAILED || stored.state() == State.INTERRUPTED ? stored.error() : null);
    }

    private static String unit(Stage stage) {
        if (stage == null) {
            return null;
        }
        return switch (stage) {
            case SAM_DECODE -> "points";
            case SAM_ENCODE -> "crops";
            case SAMS -> "steps";
            default -> "classes";
        };
    }

    private int count(State state) {
        int n = 0;
        for (Entry entry : entries.values()) {
            State s = entry.stored.state();
            boolean started = entry.submission != null && entry.submission.progress().isStarted();
            State live = s == State.QUEUED && started ? State.RUNNING : s;
            if (live == state) {
                n++;
            }
        }
        return n;
    }

    private List<Stored> finished() {
        List<Stored> out = new ArrayList<>();
        for (Entry entry : entries.values()) {
            if (entry.stored.state().finished()) {
                out.add(entry.stored);
            }
        }
        out.sort(Comparator.comparing(Stored::finishedAt));
        return out;
    }

    private long storedBytes() {
        return finished().stream().mapToLong(Stored::resultBytes).sum();
    }

    /** Drops the oldest finished outcomes beyond the count and byte bounds, counting {@code incoming} as kept. */
    private synchronized void enforceBounds(Stored incoming) {
        List<Stored> done = finished();
        long bytes = done.stream().mapToLong(Stored::resultBytes).sum() + (incoming == null ? 0 : incoming.resultBytes());
        int count = done.size() + (incoming == null ? 0 : 1);
        for (Stored oldest : done) {
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
        for (String suffix : List.of("json", "result.json", "png", "problem.json")) {
            try {
                Files.deleteIfExists(file(id, suffix));
            } catch (IOException e) {
                LOG.warn("cannot delete {}: {}", file(id, suffix), e.toString());
            }
        }
        entries.remove(id);
    }

    private Optional<Entry> entry(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            return Optional.empty();
        }
        return Optional.ofNullable(entries.get(id));
    }

    private void save(Stored stored) {
        try {
            AtomicFiles.write(file(stored.id(), "json"), JSON.writeValueAsBytes(stored));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file(stored.id(), "json"), e);
        }
    }

    /** Loads the records a previous process left: finished ones stay readable, pending ones were interrupted. */
    private void recover() {
        if (!Files.isDirectory(directory)) {
            return;
        }
        Instant now = clock.instant();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.json")) {
            for (Path path : files) {
                String name = path.getFileName().toString();
                String id = name.substring(0, name.length() - ".json".length());
                if (!ID.matcher(id).matches()) {
                    continue; // result.json / problem.json files, or foreign files
                }
                Stored stored;
                try {
                    stored = JSON.readValue(Files.readAllBytes(path), Stored.class);
                } catch (IOException | RuntimeException e) {
                    LOG.warn("ignoring unreadable async request record {}: {}", path, e.toString());
                    continue;
                }
                if (!stored.state().finished()) {
                    stored = stored.finish(State.INTERRUPTED, now, 410,
                            "the service restarted before the request finished; submit it again", null, null, 0);
                    save(stored);
                }
                entries.put(id, new Entry(stored));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + directory, e);
        }
        expire();
        enforceBounds(null);
    }

    private Path file(String id, String suffix) {
        return directory.resolve(id + "." + suffix);
    }

    static String location(String id) {
        return "/v1/requests/" + id;
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

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
