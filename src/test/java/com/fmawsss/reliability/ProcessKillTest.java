package com.fmawsss.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.image.LabelMap;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.prompts.PromptSetFactory;
import com.fmawsss.prompts.PromptSetFile;
import com.fmawsss.prompts.PromptStore;
import com.fmawsss.prompts.Vocabulary;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;

/**
 * Kill -9 of the real service process (issue 10): the service runs as a separate JVM on a
 * temporary state directory and is SIGKILLed during a training job, during a seed job and during
 * prompt activations, then restarted on the same state. Nothing finished may be lost, nothing
 * half-written may be visible, interrupted jobs resume (or fail with a reason) and finish.
 *
 * <p>The scenarios share one state directory and reuse the process the previous one restarted,
 * which saves two service start-ups; each still starts a service when run alone.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProcessKillTest {

    static final String TOKEN = "process-kill-test-token-5f2c";
    static final Duration JOB_TIMEOUT = Duration.ofMinutes(3);

    static Path work;
    static Path state;
    static Path data;
    static ServiceProcess service;

    @BeforeAll
    static void setUp() throws IOException {
        work = Files.createTempDirectory("fma-kill-");
        state = Files.createDirectories(work.resolve("state"));
        data = Files.createDirectories(work.resolve("data"));
        Fixtures.writeVoc(data.resolve("train"), 4, 300);
        // Different images from the training set: every seed is a superpixel-cache miss (slow
        // enough for the kill to land mid-job).
        Fixtures.writeVoc(data.resolve("seeds"), 6, 700);
    }

    @AfterAll
    static void tearDown() throws InterruptedException {
        if (service != null) {
            service.stop();
        }
    }

    static AdminClient admin() {
        return new AdminClient(service.port(), TOKEN);
    }

    static void ensureRunning() throws IOException, InterruptedException {
        if (service == null || !service.isAlive()) {
            service = ServiceProcess.start(state, data, TOKEN, work.resolve("service.log"));
        }
    }

    static boolean isFinal(JsonNode job) {
        String s = job.path("state").asString();
        return !s.equals("queued") && !s.equals("running");
    }

    @Test
    @Order(1)
    void aTrainingJobKilledAfterItsFirstCheckpointResumesAndPublishesAVersionThatLoads() throws Exception {
        ensureRunning();
        JsonNode created = admin().json("POST", "/v1/admin/training-jobs",
                "{\"dataset\": {\"format\": \"voc\", \"root\": \"train\", \"split\": \"train\"},"
                        + " \"iterations\": {\"classification\": 3, \"segmentation\": 6}, \"batchSize\": 2, \"seed\": 3}", 202);
        String id = created.path("id").asString();
        String location = "/v1/admin/training-jobs/" + id;
        Path jobDir = state.resolve("jobs").resolve(id);
        // The classification stage ends with a checkpoint; kill once a later stage has progressed.
        JsonNode beforeKill = admin().await(location, JOB_TIMEOUT, job -> isFinal(job)
                || (!"classification".equals(job.path("stage").asString()) && job.path("iteration").asLong() > 0
                        && Files.isRegularFile(jobDir.resolve("checkpoint.safetensors"))));
        assertThat(beforeKill.path("state").asString()).as("the job must still run when it is killed: %s", beforeKill)
                .isEqualTo("running");

        service.kill();
        System.out.printf("kill -9 of the training job at stage %s, iteration %d of %d%n", beforeKill.path("stage").asString(),
                beforeKill.path("iteration").asLong(), beforeKill.path("iterations").asLong());

        JsonNode onDisk = AdminClient.JSON.readTree(Files.readString(state.resolve("jobs").resolve(id + ".json")));
        assertThat(onDisk.path("state").asString()).isEqualTo("RUNNING");
        Path classification = jobDir.resolve("classification.safetensors");
        assertThat(PromptSetFile.read(Files.readAllBytes(classification)).id()).isEqualTo("classification-" + id);
        Object classificationFile = Files.readAttributes(classification, BasicFileAttributes.class).fileKey();
        byte[] classificationBytes = Files.readAllBytes(classification);

        service = ServiceProcess.start(state, data, TOKEN, work.resolve("service.log"));
        JsonNode resumed = admin().json("GET", location, null, 200);
        assertThat(resumed.path("state").asString()).as("%s", resumed).isIn("queued", "running", "succeeded");
        assertThat(resumed.path("createdAt").asString()).isEqualTo(created.path("createdAt").asString());

        JsonNode done = admin().awaitFinal(location, JOB_TIMEOUT);
        assertThat(done.path("state").asString()).as("%s\n%s", done, service.logTail()).isEqualTo("succeeded");
        assertThat(done.path("stage").asString()).isEqualTo("segmentation");
        assertThat(done.path("iteration").asLong()).isEqualTo(6);
        String version = done.path("promptVersion").asString();
        assertThat(version).isEqualTo("job-" + id);
        // Resumed, not restarted: stage 1's result is the file written before the kill.
        assertThat(Files.readAttributes(classification, BasicFileAttributes.class).fileKey()).isEqualTo(classificationFile);
        assertThat(Files.readAllBytes(classification)).isEqualTo(classificationBytes);

        JsonNode list = admin().json("GET", "/v1/admin/prompts", null, 200);
        assertThat(list.path("versions").findValuesAsString("version")).contains(version);
        assertThat(admin().json("GET", "/v1/admin/prompts/" + version, null, 200).path("kind").asString())
                .isEqualToIgnoringCase("segmentation");
        HttpResponse<String> masks = admin().masks(Fixtures.png(1), "cat,dog", version);
        assertThat(masks.statusCode()).as(masks.body()).isEqualTo(200);
        assertThat(AdminClient.JSON.readTree(masks.body()).path("metadata").path("prompts").path("id").asString()).isEqualTo(version);
    }

    @Test
    @Order(2)
    void aSeedJobKilledMidRunLeavesOnlyCompletePngsAndFinishesAfterRestart() throws Exception {
        ensureRunning();
        JsonNode created = admin().json("POST", "/v1/admin/seed-jobs",
                "{\"dataset\": {\"format\": \"voc\", \"root\": \"seeds\", \"split\": \"train\"}, \"output\": \"seeds-out\"}", 202);
        String location = "/v1/admin/seed-jobs/" + created.path("id").asString();
        JsonNode beforeKill = admin().await(location, JOB_TIMEOUT, job -> isFinal(job) || job.path("iteration").asLong() >= 1);
        assertThat(beforeKill.path("state").asString()).as("the job must still run when it is killed: %s", beforeKill)
                .isEqualTo("running");

        service.kill();

        Path out = data.resolve("seeds-out");
        List<Path> pngs = visiblePngs(out);
        assertThat(pngs).as("seeds written before the kill").isNotEmpty().hasSizeLessThan(6);
        Map<Path, byte[]> before = new HashMap<>();
        for (Path png : pngs) {
            LabelMap map = Fixtures.decodeLabelPng(png);
            assertThat(map.width()).isEqualTo(64);
            assertThat(map.labels()).hasSize(64 * 48);
            before.put(png, Files.readAllBytes(png));
        }
        // A write the kill interrupted can only be a hidden temp file, never under a *.png name.
        List<Path> temps = Fixtures.tempFilesUnder(out);
        assertThat(temps).allSatisfy(p -> assertThat(p.getFileName().toString()).startsWith("."));
        System.out.printf("kill -9 of the seed job after %d of 6 seeds; %d hidden temp files left%n", pngs.size(), temps.size());

        killAndRestartWhenDead();
        JsonNode done = admin().awaitFinal(location, JOB_TIMEOUT);
        assertThat(done.path("state").asString()).as("%s\n%s", done, service.logTail()).isEqualTo("succeeded");
        assertThat(done.path("result").path("skipped").asString()).isEqualTo(Integer.toString(pngs.size()));
        assertThat(done.path("result").path("written").asString()).isEqualTo(Integer.toString(6 - pngs.size()));
        assertThat(visiblePngs(out)).hasSize(6);
        for (Path png : visiblePngs(out)) {
            Fixtures.decodeLabelPng(png);
        }
        for (Map.Entry<Path, byte[]> e : before.entrySet()) {
            assertThat(Files.readAllBytes(e.getKey())).as("%s is kept, not rewritten", e.getKey()).isEqualTo(e.getValue());
        }
    }

    @Test
    @Order(3)
    void killedDuringActivationsAndImportsTheStoreHoldsTheOldOrTheNewActiveVersionAndEveryVersionLoads() throws Exception {
        ensureRunning();
        int width = Fixtures.demoTextWidth();
        for (String id : List.of("kill-a", "kill-b")) {
            PromptSet set = PromptSetFactory.classification(id, Vocabulary.voc(), 16, width, id.hashCode());
            HttpResponse<String> uploaded = admin().upload(PromptSetFile.write(set));
            assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(201);
        }
        // Step 9 is an activation alone and step 8 starts with an import: the kill lands in one of them.
        activationRound(9, width, "r1");
        activationRound(8, width, "r2");
    }

    /**
     * One client activates a and b alternately and imports a new version every third step; the
     * process is killed once {@code killAfter} steps completed, so at most one call is in flight.
     */
    private void activationRound(int killAfter, int width, String tag) throws Exception {
        admin().json("POST", "/v1/admin/prompts/kill-a/activate", null, 200);
        AtomicReference<String> acked = new AtomicReference<>("kill-a");
        AtomicReference<String> inFlight = new AtomicReference<>("kill-a");
        Set<String> uploadsAcked = ConcurrentHashMap.newKeySet();
        AtomicInteger steps = new AtomicInteger();
        AdminClient client = admin();
        Thread hammer = new Thread(() -> {
            try {
                for (int i = 0; ; i++) {
                    if (i % 3 == 2) {
                        String id = "kill-" + tag + "-c" + i;
                        HttpResponse<String> r = client.upload(PromptSetFile.write(
                                PromptSetFactory.classification(id, Vocabulary.voc(), 16, width, i)));
                        if (r.statusCode() == 201) {
                            uploadsAcked.add(id);
                        }
                    }
                    String version = i % 2 == 0 ? "kill-b" : "kill-a";
                    inFlight.set(version);
                    if (client.send("POST", "/v1/admin/prompts/" + version + "/activate", null).statusCode() == 200) {
                        acked.set(version);
                    }
                    steps.incrementAndGet();
                }
            } catch (IOException | InterruptedException e) {
                // the kill ends the loop
            }
        }, "activation-hammer");
        hammer.start();
        while (steps.get() < killAfter && hammer.isAlive()) {
            Thread.sleep(1); // polls the step count; the next step starts at once, so the kill lands in it
        }
        service.kill();
        hammer.join(Duration.ofSeconds(30));
        assertThat(hammer.isAlive()).isFalse();
        Set<String> allowed = new HashSet<>(List.of(acked.get(), inFlight.get()));

        // On disk, before any restart: active.json is complete and names the old or the new version.
        Path prompts = state.resolve("prompts");
        JsonNode active = AdminClient.JSON.readTree(Files.readString(prompts.resolve(PromptStore.ACTIVE_FILE)));
        assertThat(active.path("version").asString()).isIn(allowed);
        Set<String> files = new HashSet<>();
        try (Stream<Path> list = Files.list(prompts)) {
            for (Path file : list.filter(p -> p.getFileName().toString().endsWith(PromptStore.VERSION_SUFFIX)
                    && !p.getFileName().toString().startsWith(".")).toList()) {
                String name = file.getFileName().toString();
                String version = name.substring(0, name.length() - PromptStore.VERSION_SUFFIX.length());
                assertThat(PromptSetFile.read(Files.readAllBytes(file)).id()).as("%s parses completely", file).isEqualTo(version);
                files.add(version);
            }
        }
        assertThat(files).contains("kill-a", "kill-b").containsAll(uploadsAcked);
        System.out.printf("%s: kill -9 after %d steps (%d imports acknowledged): acknowledged %s, in flight %s, active.json %s%n",
                tag, steps.get(), uploadsAcked.size(), acked.get(), inFlight.get(), active.path("version").asString());

        killAndRestartWhenDead();
        JsonNode list = admin().json("GET", "/v1/admin/prompts", null, 200);
        assertThat(list.path("active").asString()).isIn(allowed).isEqualTo(active.path("version").asString());
        // Every version file is listed (none refused as corrupt), and every listed version loads.
        assertThat(list.path("versions").findValuesAsString("version")).containsAll(files);
        for (String version : files) {
            assertThat(admin().json("GET", "/v1/admin/prompts/" + version, null, 200).path("version").asString()).isEqualTo(version);
            HttpResponse<String> masks = admin().masks(Fixtures.png(2), "cat,dog", version);
            assertThat(masks.statusCode()).as("%s: %s", version, masks.body()).isEqualTo(200);
            assertThat(AdminClient.JSON.readTree(masks.body()).path("metadata").path("prompts").path("id").asString()).isEqualTo(version);
        }
    }

    /** Starts a new process on the same state; the previous one was killed by the test. */
    private static void killAndRestartWhenDead() throws IOException, InterruptedException {
        assertThat(service.isAlive()).isFalse();
        service = ServiceProcess.start(state, data, TOKEN, work.resolve("service.log"));
    }

    private static List<Path> visiblePngs(Path dir) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(p -> p.getFileName().toString().endsWith(".png") && !p.getFileName().toString().startsWith("."))
                    .sorted().toList();
        }
    }
}
