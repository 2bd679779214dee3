package com.fmawsss.prompts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Durability, atomic publication, activation, restart and replica pick-up of the prompt store. */
class PromptStoreTest {

    static final int WIDTH = 32;

    @TempDir Path dir;

    static PromptSet learned(String id, long seed) {
        return PromptSetFactory.classification(id, Vocabulary.voc(), 4, WIDTH, seed);
    }

    List<String> files() throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void storesEachVersionAsOneFileAndLeavesNoTempFiles() throws Exception {
        PromptStore store = new PromptStore(dir, WIDTH);
        PromptSet stored = store.add(learned("v1", 1).withInfo(PromptInfo.DATASET, "voc:train_aug"));

        assertThat(files()).containsExactly("v1.safetensors");
        PromptSet onDisk = PromptSetFile.read(Files.readAllBytes(dir.resolve("v1.safetensors")));
        assertThat(onDisk.id()).isEqualTo("v1");
        assertThat(onDisk.contexts().get(PromptSet.SHARED).data()).containsExactly(learned("v1", 1).contexts().get(PromptSet.SHARED).data());
        assertThat(onDisk.info()).containsEntry(PromptInfo.DATASET, "voc:train_aug").containsKey(PromptInfo.CREATED_AT);
        assertThat(Instant.parse(stored.info().get(PromptInfo.CREATED_AT))).isBeforeOrEqualTo(Instant.now());
        assertThat(store.get("v1")).contains(stored);

        store.activate("v1");
        assertThat(files()).containsExactly("active.json", "v1.safetensors");
        assertThat(Files.readString(dir.resolve("active.json"))).contains("\"version\":\"v1\"").contains("\"previous\":\"manual-voc\"");
    }

    @Test
    void aNewInstanceOverTheSameDirectorySeesTheVersionsAndTheActiveOne() {
        PromptStore first = new PromptStore(dir, WIDTH);
        first.add(learned("v1", 1));
        first.add(learned("v2", 2));
        first.activate("v2");

        PromptStore restarted = new PromptStore(dir, WIDTH);
        assertThat(restarted.versions()).containsExactly("manual-coco", "manual-voc", "v1", "v2");
        assertThat(restarted.active().id()).isEqualTo("v2");
        assertThat(restarted.get("v1").orElseThrow().contexts().get(PromptSet.SHARED).data())
                .containsExactly(first.get("v1").orElseThrow().contexts().get(PromptSet.SHARED).data());
    }

    @Test
    void activationSwapsTheReferenceAndRollbackActivatesTheOlderVersion() {
        PromptStore store = new PromptStore(dir, WIDTH);
        store.add(learned("v1", 1));
        PromptSet resolvedByAnInFlightRequest = store.active();

        PromptSet previous = store.activate("v1");

        assertThat(previous.id()).isEqualTo("manual-voc");
        assertThat(store.active().id()).isEqualTo("v1");
        assertThat(resolvedByAnInFlightRequest.id()).isEqualTo("manual-voc");
        assertThat(store.activate("manual-voc").id()).isEqualTo("v1");
        assertThat(new PromptStore(dir, WIDTH).active().id()).isEqualTo("manual-voc");
        assertThatThrownBy(() -> store.activate("nope")).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.active().id()).isEqualTo("manual-voc");
    }

    @Test
    void existingVersionsAreNeverOverwritten() throws Exception {
        PromptStore first = new PromptStore(dir, WIDTH);
        PromptStore otherReplica = new PromptStore(dir, WIDTH);
        first.add(learned("v1", 1));
        byte[] original = Files.readAllBytes(dir.resolve("v1.safetensors"));

        assertThatThrownBy(() -> first.add(learned("v1", 2)))
                .isInstanceOfSatisfying(PromptStoreException.class, e -> assertThat(e.reason()).isEqualTo(PromptStoreException.Reason.VERSION_EXISTS));
        // The other replica has not seen v1 yet: the file system refuses the second publication.
        assertThatThrownBy(() -> otherReplica.add(learned("v1", 3)))
                .isInstanceOfSatisfying(PromptStoreException.class, e -> assertThat(e.reason()).isEqualTo(PromptStoreException.Reason.VERSION_EXISTS));
        assertThatThrownBy(() -> first.add(PromptSetFactory.classification("manual-voc", Vocabulary.voc(), 4, WIDTH, 1)))
                .isInstanceOf(PromptStoreException.class);
        assertThat(first.register(learned("v1", 4))).isFalse();

        assertThat(Files.readAllBytes(dir.resolve("v1.safetensors"))).isEqualTo(original);
        assertThat(files()).containsExactly("v1.safetensors");
    }

    @Test
    void registerIsDurable() {
        PromptStore store = new PromptStore(dir, WIDTH);
        assertThat(store.register(learned("v1", 1))).isTrue();
        assertThat(new PromptStore(dir, WIDTH).get("v1")).isPresent();
    }

    @Test
    void refusesUnsafeIdsAndIncompatibleWidths() throws Exception {
        PromptStore store = new PromptStore(dir, WIDTH);
        for (String id : List.of("../evil", ".hidden", "a/b", "", "x".repeat(129), "v 1")) {
            assertThatThrownBy(() -> store.add(learned(id, 1))).as(id)
                    .isInstanceOfSatisfying(PromptStoreException.class,
                            e -> assertThat(e.reason()).isEqualTo(PromptStoreException.Reason.INVALID_VERSION_ID));
        }
        PromptSet narrow = PromptSetFactory.classification("narrow", Vocabulary.voc(), 4, 16, 1);
        assertThatThrownBy(() -> store.add(narrow))
                .isInstanceOfSatisfying(PromptStoreException.class, e -> assertThat(e.reason()).isEqualTo(PromptStoreException.Reason.INCOMPATIBLE));
        assertThat(files()).isEmpty();
        assertThat(PromptStore.isValidVersionId("seg-voc_2026.01")).isTrue();
    }

    @Test
    void aTruncatedVersionFileIsSkippedWithAWarningAndTheActiveOneFallsBack() throws Exception {
        Files.write(dir.resolve("good.safetensors"), PromptSetFile.write(learned("good", 1)));
        byte[] bad = PromptSetFile.write(learned("bad", 2));
        Files.write(dir.resolve("bad.safetensors"), Arrays.copyOf(bad, bad.length / 2));
        Files.write(dir.resolve("renamed.safetensors"), PromptSetFile.write(learned("other", 3)));
        Files.write(dir.resolve("narrow.safetensors"), PromptSetFile.write(PromptSetFactory.classification("narrow", Vocabulary.voc(), 4, 16, 1)));
        Files.writeString(dir.resolve("active.json"), "{\"version\":\"bad\"}");

        List<ILoggingEvent> warnings = captureWarnings(() -> {
            PromptStore store = new PromptStore(dir, WIDTH);
            assertThat(store.versions()).containsExactly("good", "manual-coco", "manual-voc");
            assertThat(store.active().id()).isEqualTo("manual-voc");
        });

        assertThat(warnings).extracting(ILoggingEvent::getFormattedMessage)
                .anySatisfy(m -> assertThat(m).contains("bad.safetensors"))
                .anySatisfy(m -> assertThat(m).contains("renamed.safetensors").contains("'other'"))
                .anySatisfy(m -> assertThat(m).contains("narrow.safetensors").contains("width"))
                .anySatisfy(m -> assertThat(m).contains("'bad'").contains("manual-voc"));
    }

    @Test
    void aRejectedFileIsRetriedOnceItChanges() throws Exception {
        byte[] bytes = PromptSetFile.write(learned("v3", 3));
        Files.write(dir.resolve("v3.safetensors"), Arrays.copyOf(bytes, 40));
        PromptStore store = new PromptStore(dir, WIDTH);
        assertThat(store.get("v3")).isEmpty();

        Files.write(dir.resolve("v3.safetensors"), bytes);
        store.refresh();

        assertThat(store.get("v3")).isPresent();
    }

    @Test
    void unreadableActiveFileFallsBackToManualVoc() throws Exception {
        Files.writeString(dir.resolve("active.json"), "{not json", StandardCharsets.UTF_8);
        assertThat(new PromptStore(dir, WIDTH).active().id()).isEqualTo("manual-voc");
    }

    @Test
    void refreshPicksUpVersionsAndActivationsOfAnotherInstance() {
        PromptStore a = new PromptStore(dir, WIDTH);
        PromptStore b = new PromptStore(dir, WIDTH);
        a.add(learned("v1", 1));
        a.activate("v1");
        assertThat(b.active().id()).isEqualTo("manual-voc");

        b.refresh();

        assertThat(b.get("v1")).isPresent();
        assertThat(b.active().id()).isEqualTo("v1");
        b.activate("manual-coco");
        a.refresh();
        assertThat(a.active().id()).isEqualTo("manual-coco");
    }

    @Test
    void pollingReplicaFollowsActivations() throws Exception {
        PromptStore a = new PromptStore(dir, WIDTH);
        PromptStore b = new PromptStore(dir, WIDTH);
        // As the application does: its task scheduler refreshes the store every poll interval.
        ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
        scheduler.initialize();
        try {
            scheduler.scheduleWithFixedDelay(b::refresh, Duration.ofMillis(20));
            a.add(learned("v1", 1));
            a.activate("v1");
            assertThat(await(() -> b.active().id().equals("v1"))).isTrue();
            assertThat(b.get("v1")).isPresent();

            a.activate("manual-coco");
            assertThat(await(() -> b.active().id().equals("manual-coco"))).isTrue();
        } finally {
            scheduler.shutdown();
        }
    }

    @Test
    void staleTempFilesAreRemovedAtStartupButFreshOnesKept() throws Exception {
        Path stale = Files.writeString(dir.resolve(".v9.abc.tmp"), "partial");
        Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minus(Duration.ofHours(2))));
        Path fresh = Files.writeString(dir.resolve(".v8.def.tmp"), "being written by a replica");

        new PromptStore(dir, WIDTH);

        assertThat(stale).doesNotExist();
        assertThat(fresh).exists();
    }

    /** Bounded wait for another thread's effect (up to 10 s; the assertion is on the value). */
    static boolean await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 500 && !condition.getAsBoolean(); i++) {
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }

    static List<ILoggingEvent> captureWarnings(Runnable action) {
        Logger logger = (Logger) LoggerFactory.getLogger(PromptStore.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            action.run();
        } finally {
            logger.detachAppender(appender);
        }
        return appender.list.stream().filter(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN).toList();
    }
}
