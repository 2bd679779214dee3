package com.fmawsss.api.requests;

import com.fmawsss.pipeline.PipelineExecutor;
import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.api.ApiExceptionHandler;
import com.fmawsss.api.inference.InferenceRequest;
import com.fmawsss.api.inference.InferenceService;
import com.fmawsss.api.inference.RequestReader;
import com.fmawsss.cam.SyntheticImages;
import com.fmawsss.image.RgbImages;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.mock.web.MockMultipartFile;
import org.springframework.util.unit.DataSize;

/**
 * The durable side of asynchronous requests: outcomes expire after their time to live, survive a
 * restart of the store, a request a restart interrupted reads as such, and the count bound drops
 * the oldest outcomes first.
 */
@SpringBootTest
class AsyncRequestsStoreTest {

    @Autowired InferenceService service;
    @Autowired PipelineExecutor executor;
    @Autowired RequestReader reader;

    @TempDir Path dir;

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-04T10:00:00Z"));
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };

    AsyncRequests store(int maxResults) {
        return new AsyncRequests(service, executor,
                new AsyncRequestProperties(Duration.ofHours(1), maxResults, DataSize.ofMegabytes(64), 8, Duration.ofHours(1)),
                dir, clock, new SimpleMeterRegistry());
    }

    InferenceRequest request(int seed) throws IOException {
        return reader.seeds(new MockMultipartFile("image", "x.png", "image/png", SyntheticImages.discsPng(64, 48, seed)),
                List.of("cat"), null,
                null, null, null);
    }

    static RequestStatus finished(AsyncRequests store, String id) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        RequestStatus status = store.status(id).orElseThrow();
        while (status.finishedAt() == null) {
            assertThat(System.nanoTime() - end).as("not finished within 60 s").isNegative();
            Thread.sleep(20);
            status = store.status(id).orElseThrow();
        }
        return status;
    }

    @Test
    void anOutcomeIsReadableUntilItsTimeToLiveThenGoneFromMemoryAndDisk() throws Exception {
        AsyncRequests store = store(8);
        String id = store.submit(request(1)).id();
        assertThat(finished(store, id).state()).isEqualTo("succeeded");
        assertThat(store.outcome(id, false)).isPresent();
        assertThat(dir.resolve(id + ".result.json")).isRegularFile();

        now.set(now.get().plus(Duration.ofMinutes(59)));
        store.expire();
        assertThat(store.outcome(id, true)).isPresent();

        now.set(now.get().plus(Duration.ofMinutes(2)));
        store.expire();
        assertThat(store.status(id)).isEmpty();
        assertThat(store.outcome(id, false)).isEmpty();
        try (var files = Files.list(dir)) {
            assertThat(files.filter(f -> f.getFileName().toString().startsWith(id))).isEmpty();
        }
    }

    @Test
    void aRestartServesFinishedOutcomesAndReportsInterruptedRequests() throws Exception {
        AsyncRequests before = store(8);
        String done = before.submit(request(2)).id();
        finished(before, done);
        byte[] json = before.outcome(done, false).orElseThrow().body();
        byte[] png = before.outcome(done, true).orElseThrow().body();
        // A request that was still queued when the process died: its record says so.
        String pending = "PENDINGpendingPENDING0";
        Files.writeString(dir.resolve(pending + ".json"), """
                {"id":"%s","endpoint":"/v1/seeds","state":"QUEUED","createdAt":"2026-12-04T09:59:00Z","resultBytes":0}
                """.formatted(pending));
        Files.writeString(dir.resolve("not-a-request.json"), "{}");

        AsyncRequests after = store(8);

        assertThat(after.status(done).orElseThrow().state()).isEqualTo("succeeded");
        assertThat(after.outcome(done, false).orElseThrow().body()).isEqualTo(json);
        assertThat(after.outcome(done, true).orElseThrow().body()).isEqualTo(png);
        RequestStatus interrupted = after.status(pending).orElseThrow();
        assertThat(interrupted.state()).isEqualTo("interrupted");
        assertThat(interrupted.error()).contains("restarted");
        assertThat(after.outcome(pending, false).orElseThrow().status()).isEqualTo(410);
        assertThat(Files.readString(dir.resolve(pending + ".json"))).contains("INTERRUPTED");
    }

    @Test
    void beyondTheCountBoundTheOldestOutcomeGoesFirst() throws Exception {
        AsyncRequests store = store(2);
        String first = store.submit(request(3)).id();
        finished(store, first);
        now.set(now.get().plusSeconds(1));
        String second = store.submit(request(4)).id();
        finished(store, second);
        now.set(now.get().plusSeconds(1));
        String third = store.submit(request(5)).id();
        finished(store, third);

        assertThat(store.status(first)).isEmpty();
        assertThat(store.status(second)).isPresent();
        assertThat(store.status(third)).isPresent();
        assertThat(dir.resolve(first + ".png")).doesNotExist();
    }
}
