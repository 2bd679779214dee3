package com.fmawsss.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobRunnerTest {

    /**
     * A deterministic job that checkpoints every 10 iterations (atomically) and can resume: its
     * result is a hash chain over 100 iterations, so a resumed run must end on the same value.
     */
    static final class ChainJob implements Job {
        final CountDownLatch reached = new CountDownLatch(1);
        final CountDownLatch release;
        final int pauseAt;

        ChainJob(int pauseAt, CountDownLatch release) {
            this.pauseAt = pauseAt;
            this.release = release;
        }

        @Override
        public Map<String, String> run(JobContext context) throws Exception {
            Path checkpoint = context.workDirectory().resolve("checkpoint.txt");
            long state = 17;
            int start = 0;
            if (Files.exists(checkpoint)) {
                String[] saved = Files.readString(checkpoint).split(" ");
                start = Integer.parseInt(saved[0]);
                state = Long.parseLong(saved[1]);
            }
            for (int i = start; i < 100; i++) {
                if (i == pauseAt) {
                    reached.countDown();
                    release.await(30, TimeUnit.SECONDS);
                }
                context.checkCancelled();
                state = state * 6364136223846793005L + i;
                if ((i + 1) % 10 == 0) {
                    Path temp = Files.createTempFile(context.workDirectory(), "ckpt", ".tmp");
                    Files.writeString(temp, (i + 1) + " " + state);
                    Files.move(temp, checkpoint, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    context.progress(new JobRecord.ProgressReport("chain", i + 1, 100, (double) (state & 0xff), null, null, null));
                }
            }
            return Map.of("value", Long.toString(state));
        }
    }

    private static JobRecord await(JobRunner runner, String id, JobState state) throws InterruptedException {
        for (int i = 0; i < 600; i++) {
            Optional<JobRecord> record = runner.get(id);
            if (record.isPresent() && record.get().state() == state) {
                return record.get();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("job " + id + " never reached " + state + ": " + runner.get(id));
    }

    @Test
    void jobSucceedsWithDurableProgressAndResult(@TempDir Path dir) throws Exception {
        try (JobRunner runner = new JobRunner(new JobStore(dir), r -> Optional.empty(), Clock.systemUTC())) {
            JobRecord queued = runner.submit("chain", "{}", new ChainJob(-1, new CountDownLatch(0)));
            JobRecord done = await(runner, queued.id(), JobState.SUCCEEDED);
            assertThat(done.iteration()).isEqualTo(100);
            assertThat(done.result()).containsKey("value");
            // What a fresh process reads back is the same record.
            assertThat(new JobStore(dir).get(queued.id())).contains(done);
        }
        try (Stream<Path> files = Files.walk(dir)) {
            assertThat(files.map(Path::toString)).noneMatch(name -> name.endsWith(".tmp"));
        }
    }

    @Test
    void failuresAndCancellationsAreRecorded(@TempDir Path dir) throws Exception {
        try (JobRunner runner = new JobRunner(new JobStore(dir), r -> Optional.empty(), Clock.systemUTC())) {
            JobRecord failing = runner.submit("boom", "{}", context -> {
                throw new IllegalStateException("dataset vanished");
            });
            assertThat(await(runner, failing.id(), JobState.FAILED).error()).isEqualTo("dataset vanished");

            CountDownLatch release = new CountDownLatch(1);
            ChainJob blocking = new ChainJob(5, release);
            JobRecord running = runner.submit("chain", "{}", blocking);
            assertThat(blocking.reached.await(30, TimeUnit.SECONDS)).isTrue();
            JobRecord queued = runner.submit("chain", "{}", new ChainJob(-1, new CountDownLatch(0)));
            assertThat(runner.cancel(queued.id()).orElseThrow().state()).isEqualTo(JobState.CANCELLED);
            runner.cancel(running.id());
            release.countDown();
            assertThat(await(runner, running.id(), JobState.CANCELLED).iteration()).isLessThan(100);
            assertThat(runner.get(queued.id()).orElseThrow().iteration()).isZero();
        }
    }

    @Test
    void aJobInterruptedMidStageResumesToTheSameResult(@TempDir Path dir) throws Exception {
        String expected;
        try (JobRunner reference = new JobRunner(new JobStore(dir.resolve("a")), r -> Optional.empty(), Clock.systemUTC())) {
            JobRecord r = reference.submit("chain", "{}", new ChainJob(-1, new CountDownLatch(0)));
            expected = await(reference, r.id(), JobState.SUCCEEDED).result().get("value");
        }
        Path jobs = dir.resolve("b");
        ChainJob first = new ChainJob(37, new CountDownLatch(1));
        JobRunner crashing = new JobRunner(new JobStore(jobs), r -> Optional.empty(), Clock.systemUTC());
        String id = crashing.submit("chain", "{}", first).id();
        assertThat(first.reached.await(30, TimeUnit.SECONDS)).isTrue();
        crashing.close(); // the process goes away mid-stage
        JobRecord interrupted = new JobStore(jobs).get(id).orElseThrow();
        assertThat(interrupted.state()).isEqualTo(JobState.RUNNING);
        assertThat(interrupted.iteration()).isEqualTo(30);

        try (JobRunner restarted = new JobRunner(new JobStore(jobs),
                r -> Optional.of(new ChainJob(-1, new CountDownLatch(0))), Clock.systemUTC())) {
            assertThat(restarted.recover()).containsExactly(id);
            assertThat(await(restarted, id, JobState.SUCCEEDED).result().get("value")).isEqualTo(expected);
        }
    }

    @Test
    void unresumableJobsAreFailedWithAReasonOnRestart(@TempDir Path dir) {
        JobStore store = new JobStore(dir);
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        store.save(JobRecord.queued("abc", "mystery", "{}", t));
        try (JobRunner runner = new JobRunner(store, r -> Optional.empty(), Clock.fixed(t.plus(Duration.ofHours(1)), java.time.ZoneOffset.UTC))) {
            assertThat(runner.recover()).isEmpty();
            JobRecord record = runner.get("abc").orElseThrow();
            assertThat(record.state()).isEqualTo(JobState.FAILED);
            assertThat(record.error()).contains("restart");
            assertThat(record.updatedAt()).isEqualTo(t.plus(Duration.ofHours(1)));
        }
        assertThat(store.get("../etc/passwd")).isEmpty();
    }

    @Test
    void aTornRecordFileIsSkippedNotFatal(@TempDir Path dir) {
        try {
            Files.writeString(dir.resolve("broken.json"), "{\"id\": \"bro");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        JobStore store = new JobStore(dir);
        store.save(JobRecord.queued("ok1", "x", "{}", Instant.now()));
        assertThat(store.all()).extracting(JobRecord::id).containsExactly("ok1");
    }
}
