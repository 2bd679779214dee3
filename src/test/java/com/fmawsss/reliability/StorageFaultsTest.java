package com.fmawsss.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fmawsss.jobs.Job;
import com.fmawsss.jobs.JobRecord;
import com.fmawsss.jobs.JobRunner;
import com.fmawsss.jobs.JobState;
import com.fmawsss.jobs.JobStore;
import com.fmawsss.prompts.PromptSetFactory;
import com.fmawsss.prompts.PromptSetFile;
import com.fmawsss.prompts.PromptStore;
import com.fmawsss.prompts.Vocabulary;
import com.fmawsss.sam.QuasiSuperpixelCache;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Disk-full and read-only state directories (issue 10): the prompt store, the job store and the
 * superpixel disk cache each live on a 1 MiB tmpfs that the test fills or remounts read-only.
 * Writes must fail with a stable problem type (507 {@code storage-full} / {@code
 * storage-read-only}) or a job failed with the reason, never a 500; nothing written before may be
 * lost or damaged, and no partial or temp file may remain. Skipped unless the tests run as root
 * on Linux and may mount a tmpfs.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class StorageFaultsTest {

    static final String TOKEN = "storage-faults-test-token-91b7";
    static final Duration JOB_TIMEOUT = Duration.ofMinutes(2);

    static Path state;
    static Path data;
    static Tmpfs prompts;
    static Tmpfs jobs;
    static Tmpfs superpixels;
    static Tmpfs output;
    static final List<Tmpfs> MOUNTS = new ArrayList<>();

    @LocalServerPort int port;

    // Runs before the Spring context is built (the context loads with the first test instance).
    @BeforeAll
    static void mountStores() throws IOException {
        Assumptions.assumeTrue(Tmpfs.mountingPossible(), "needs root on Linux to mount a tmpfs");
        state = Files.createTempDirectory("fma-storage-state-");
        data = Files.createTempDirectory("fma-storage-data-");
        Fixtures.writeVoc(data.resolve("voc"), 2, 900);
        prompts = Tmpfs.mount(state.resolve("prompts"), "1m");
        MOUNTS.add(prompts);
        Assumptions.assumeTrue(prompts != null, "mount -t tmpfs is not permitted here");
        jobs = Tmpfs.mount(state.resolve("jobs"), "1m");
        superpixels = Tmpfs.mount(state.resolve("superpixels"), "1m");
        output = Tmpfs.mount(data.resolve("out-full"), "256k");
        MOUNTS.addAll(Arrays.asList(jobs, superpixels, output));
        Assumptions.assumeTrue(!MOUNTS.contains(null), "mount -t tmpfs failed for some of the directories");
    }

    @AfterAll
    static void unmountStores() throws IOException {
        Tmpfs.closeAll(MOUNTS);
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("fma.state.dir", () -> state.toString());
        registry.add("fma.data.roots", () -> data.toString());
        registry.add("fma.admin.token", () -> TOKEN);
    }

    AdminClient admin() {
        return new AdminClient(port, TOKEN);
    }

    @Test
    void aFullStateDirectoryGivesStorageFullProblemsAndLosesNothing() throws Exception {
        assertThat(Files.getFileStore(prompts.dir()).type()).isEqualTo("tmpfs");
        Map<Path, byte[]> before = writeSomeStateAndSnapshot("full");

        List<ILoggingEvent> cacheWarnings;
        fillAll();
        try (CapturedWarnings warnings = new CapturedWarnings(QuasiSuperpixelCache.class)) {
            assertStorageProblem(admin().upload(promptFile("during-full")), "storage-full");
            assertStorageProblem(admin().send("POST", "/v1/admin/prompts/manual-coco/activate", null), "storage-full");
            assertStorageProblem(admin().send("POST", "/v1/admin/seed-jobs", seedJob("out-ok")), "storage-full");
            // The superpixel disk tier is an optimisation: inference goes on without it.
            HttpResponse<String> masks = admin().masks(Fixtures.png(101), "cat,dog", null);
            assertThat(masks.statusCode()).as(masks.body()).isEqualTo(200);
            cacheWarnings = warnings.events();

            JsonNode list = admin().json("GET", "/v1/admin/prompts", null, 200);
            assertThat(list.path("active").asString()).isEqualTo("before-full");
            assertThat(list.path("versions").findValuesAsString("version")).doesNotContain("during-full");
            assertNoTempFiles();
        } finally {
            freeAll();
        }
        assertThat(cacheWarnings).extracting(ILoggingEvent::getFormattedMessage)
                .anySatisfy(m -> assertThat(m).contains("cannot write superpixel cache entry").contains("No space left on device"));

        assertNothingLostOrDamaged(before, "before-full");
        assertThat(admin().upload(promptFile("after-full")).statusCode()).isEqualTo(201);
    }

    @Test
    void aReadOnlyStateDirectoryGivesStorageReadOnlyProblemsAndLosesNothing() throws Exception {
        Map<Path, byte[]> before = writeSomeStateAndSnapshot("ro");

        for (Tmpfs mount : List.of(prompts, jobs, superpixels)) {
            mount.readOnly();
        }
        try {
            assertStorageProblem(admin().upload(promptFile("during-ro")), "storage-read-only");
            assertStorageProblem(admin().send("POST", "/v1/admin/prompts/manual-coco/activate", null), "storage-read-only");
            assertStorageProblem(admin().send("POST", "/v1/admin/seed-jobs", seedJob("out-ok")), "storage-read-only");
            HttpResponse<String> masks = admin().masks(Fixtures.png(102), "cat,dog", null);
            assertThat(masks.statusCode()).as(masks.body()).isEqualTo(200);
            assertThat(admin().json("GET", "/v1/admin/prompts", null, 200).path("active").asString()).isEqualTo("before-ro");
        } finally {
            for (Tmpfs mount : List.of(prompts, jobs, superpixels)) {
                mount.readWrite();
            }
        }

        assertNothingLostOrDamaged(before, "before-ro");
        assertThat(admin().upload(promptFile("after-ro")).statusCode()).isEqualTo(201);
    }

    @Test
    void aSeedJobWhoseOutputDiskIsFullFailsWithTheReasonAndLeavesNoPartialPng() throws Exception {
        output.fill();
        try {
            JsonNode created = admin().json("POST", "/v1/admin/seed-jobs", seedJob("out-full"), 202);
            JsonNode done = admin().awaitFinal("/v1/admin/seed-jobs/" + created.path("id").asString(), JOB_TIMEOUT);
            assertThat(done.path("state").asString()).isEqualTo("failed");
            assertThat(done.path("error").asString()).contains("No space left on device");
            assertThat(Fixtures.filesUnder(output.dir())).extracting(p -> p.getFileName().toString()).containsExactly(Tmpfs.FILLER);
        } finally {
            output.free();
        }
    }

    @Test
    void aJobWhoseRecordCannotBeWrittenMidRunIsReportedFailedWithTheReasonAndResumesAfterARestart() throws Exception {
        Path dir = jobs.dir().resolve("runner-" + System.nanoTime());
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        Job job = context -> {
            started.countDown();
            proceed.await();
            context.progress(new JobRecord.ProgressReport("work", 1, 2, null, null, null, null));
            return Map.of("done", "first");
        };
        String id;
        try (JobRunner runner = new JobRunner(new JobStore(dir), r -> Optional.empty(), Clock.systemUTC())) {
            id = runner.submit("test", "{}", job).id();
            assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
            jobs.fill();
            try {
                proceed.countDown();
                JobRecord failed = RunnerJobs.awaitFinal(runner, id, Duration.ofSeconds(30));
                assertThat(failed.state()).isEqualTo(JobState.FAILED);
                assertThat(failed.error()).contains("cannot write job record").contains("No space left on device");
                assertThat(runner.list()).extracting(JobRecord::state).containsExactly(JobState.FAILED);
                // On disk the job is still the intact record of a running job.
                assertThat(new JobStore(dir).get(id).orElseThrow().state()).isEqualTo(JobState.RUNNING);
                assertThat(Fixtures.tempFilesUnder(dir)).isEmpty();
            } finally {
                jobs.free();
            }
        }
        try (JobRunner restarted = new JobRunner(new JobStore(dir), r -> Optional.of(c -> Map.of("done", "resumed")), Clock.systemUTC())) {
            assertThat(restarted.recover()).containsExactly(id);
            JobRecord resumed = RunnerJobs.awaitFinal(restarted, id, Duration.ofSeconds(30));
            assertThat(resumed.state()).isEqualTo(JobState.SUCCEEDED);
            assertThat(resumed.result()).containsEntry("done", "resumed");
        }
    }

    /** A version (activated), a finished seed job and a superpixel cache entry, then a byte snapshot of the stores. */
    private Map<Path, byte[]> writeSomeStateAndSnapshot(String tag) throws Exception {
        String version = "before-" + tag;
        assertThat(admin().upload(promptFile(version)).statusCode()).isEqualTo(201);
        admin().json("POST", "/v1/admin/prompts/" + version + "/activate", null, 200);
        JsonNode created = admin().json("POST", "/v1/admin/seed-jobs", seedJob("out-ok-" + tag), 202);
        JsonNode done = admin().awaitFinal("/v1/admin/seed-jobs/" + created.path("id").asString(), JOB_TIMEOUT);
        assertThat(done.path("state").asString()).as("%s", done).isEqualTo("succeeded");
        HttpResponse<String> masks = admin().masks(Fixtures.png(tag.hashCode()), "cat,dog", null);
        assertThat(masks.statusCode()).as(masks.body()).isEqualTo(200);

        Map<Path, byte[]> snapshot = new LinkedHashMap<>();
        for (Tmpfs mount : List.of(prompts, jobs, superpixels)) {
            for (Path file : Fixtures.filesUnder(mount.dir())) {
                snapshot.put(file, Files.readAllBytes(file));
            }
        }
        assertThat(snapshot.keySet()).anyMatch(p -> p.toString().endsWith(version + PromptStore.VERSION_SUFFIX))
                .anyMatch(p -> p.startsWith(jobs.dir()) && p.toString().endsWith(".json"))
                .anyMatch(p -> p.startsWith(superpixels.dir()) && p.toString().endsWith(".json.gz"));
        return snapshot;
    }

    /** Every file written before the fault is intact and loads; the stores read back as before. */
    private void assertNothingLostOrDamaged(Map<Path, byte[]> before, String activeVersion) throws IOException {
        for (Map.Entry<Path, byte[]> e : before.entrySet()) {
            assertThat(Files.readAllBytes(e.getKey())).as("%s unchanged", e.getKey()).isEqualTo(e.getValue());
        }
        assertNoTempFiles();
        PromptStore reopened = new PromptStore(prompts.dir(), Fixtures.demoTextWidth());
        assertThat(reopened.active().id()).isEqualTo(activeVersion);
        for (Path file : Fixtures.filesUnder(prompts.dir())) {
            String name = file.getFileName().toString();
            if (name.endsWith(PromptStore.VERSION_SUFFIX)) {
                String version = name.substring(0, name.length() - PromptStore.VERSION_SUFFIX.length());
                assertThat(reopened.get(version)).as("%s loads", file).isPresent();
            }
        }
        long records = Fixtures.filesUnder(jobs.dir()).stream()
                .filter(p -> p.getParent().equals(jobs.dir()) && p.toString().endsWith(".json")).count();
        assertThat(new JobStore(jobs.dir()).all()).hasSize((int) records).allSatisfy(r -> assertThat(r.state().isFinal()).isTrue());
        for (Path entry : Fixtures.filesUnder(superpixels.dir())) {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(entry))) {
                assertThat(AdminClient.JSON.readTree(in).path("masks").isArray()).as("%s parses", entry).isTrue();
            }
        }
    }

    private void fillAll() throws IOException {
        for (Tmpfs mount : List.of(prompts, jobs, superpixels)) {
            mount.fill();
        }
    }

    private void freeAll() throws IOException {
        for (Tmpfs mount : List.of(prompts, jobs, superpixels)) {
            mount.free();
        }
    }

    private void assertNoTempFiles() throws IOException {
        for (Tmpfs mount : List.of(prompts, jobs, superpixels, output)) {
            assertThat(Fixtures.tempFilesUnder(mount.dir())).as("temp files in %s", mount.dir()).isEmpty();
        }
    }

    private static void assertStorageProblem(HttpResponse<String> response, String slug) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(507);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        JsonNode problem = AdminClient.JSON.readTree(response.body());
        assertThat(problem.path("type").asString()).isEqualTo("urn:fma-wsss:problem:" + slug);
        assertThat(problem.path("detail").asString()).contains("nothing was changed");
        // No internals: no exception names, stack frames or file paths.
        assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain(state.toString());
    }

    private static String seedJob(String output) {
        return "{\"dataset\": {\"format\": \"voc\", \"root\": \"voc\", \"split\": \"train\"}, \"output\": \"" + output + "\"}";
    }

    private static byte[] promptFile(String version) {
        return PromptSetFile.write(PromptSetFactory.classification(version, Vocabulary.voc(), 16, Fixtures.demoTextWidth(), version.hashCode()));
    }
}
