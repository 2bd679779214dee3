package com.fmawsss.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.prompts.PromptSetFactory;
import com.fmawsss.prompts.PromptSetFile;
import com.fmawsss.prompts.PromptStore;
import com.fmawsss.prompts.Vocabulary;
import com.fmawsss.tensors.FloatTensor;
import com.fmawsss.tensors.Safetensors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Corrupt prompt-version files on the store (issue 10): truncated files, random single-bit flips
 * in the header and in the tensor data, and non-finite context values. The store must never fail
 * to open, never load a partial or changed set (the file's SHA-256 catches flips that still
 * parse), and name the refused file in its warning. This is what the existing tests
 * (prompts.PromptStoreTest: one truncated file; api.AdminPromptsApiTest: bad uploads) leave out.
 */
class PromptFileCorruptionTest {

    static final int WIDTH = 32;
    static final int CASES = 600;

    @TempDir Path root;

    @Test
    void corruptVersionFilesAreRefusedWithAWarningNamingTheFileAndNeverLoadChanged() throws Exception {
        PromptSet original = PromptSetFactory.classification("v", Vocabulary.voc(), 16, WIDTH, 3);
        byte[] valid = PromptSetFile.write(original);
        int headerEnd = 8 + (int) ByteBuffer.wrap(valid, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        Random random = new Random(10);
        int[] refused = new int[3];
        int[] loadedIntact = new int[3];
        int[] loadedChanged = new int[3];
        for (int i = 0; i < CASES; i++) {
            byte[] bytes = switch (i % 3) {
                case 0 -> Arrays.copyOf(valid, random.nextInt(valid.length)); // truncated
                case 1 -> flip(valid, random.nextInt(headerEnd), random); // header / metadata
                default -> flip(valid, headerEnd + random.nextInt(valid.length - headerEnd), random); // tensor data
            };
            Path dir = Files.createDirectories(root.resolve("case" + i));
            Path file = dir.resolve("v" + PromptStore.VERSION_SUFFIX);
            Files.write(file, bytes);

            PromptStore store;
            List<ILoggingEvent> warnings;
            try (CapturedWarnings captured = new CapturedWarnings(PromptStore.class)) {
                store = new PromptStore(dir, WIDTH);
                warnings = captured.events();
            }
            if (store.get("v").isEmpty()) {
                refused[i % 3]++;
                assertThat(warnings).as("case %d", i).extracting(ILoggingEvent::getFormattedMessage)
                        .anySatisfy(m -> assertThat(m).contains(file.toString()));
                continue;
            }
            PromptSet loaded = store.get("v").get();
            FloatTensor context = loaded.contexts().get(PromptSet.SHARED);
            assertThat(context.shape()).as("case %d", i).containsExactly(16, WIDTH);
            for (float value : context.data()) {
                assertThat(Float.isFinite(value)).as("case %d loaded a non-finite context value", i).isTrue();
            }
            if (loaded.contexts().equals(original.contexts())
                    && loaded.vocabulary().equals(original.vocabulary()) && loaded.info().equals(original.info())
                    && loaded.kind() == original.kind() && loaded.layout() == original.layout()) {
                loadedIntact[i % 3]++; // the flip hit bytes without meaning (e.g. the checksum's key name)
            } else {
                loadedChanged[i % 3]++;
            }
        }
        System.out.printf("prompt file corruption (truncated/header/data): refused %s, loaded unchanged %s, loaded changed %s%n",
                Arrays.toString(refused), Arrays.toString(loadedIntact), Arrays.toString(loadedChanged));
        assertThat(refused[0]).as("every truncation is refused").isEqualTo(CASES / 3);
        assertThat(refused[2]).as("every flip in the tensor data is refused").isEqualTo(CASES / 3);
        assertThat(loadedChanged).as("no mutation loads as a different prompt set").containsOnly(0);
    }

    @Test
    void aVersionFileWithNonFiniteContextsIsRefused() throws Exception {
        PromptSet original = PromptSetFactory.classification("nan", Vocabulary.voc(), 16, WIDTH, 4);
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            float[] data = original.contexts().get(PromptSet.SHARED).data().clone();
            data[5] = bad;
            PromptSet poisoned = new PromptSet("nan", original.kind(), original.layout(), original.vocabulary(),
                    original.contextTokens(), Map.of(PromptSet.SHARED, new FloatTensor(new int[] {16, WIDTH}, data)),
                    original.info());
            Path dir = Files.createDirectories(root.resolve("nan" + Float.floatToRawIntBits(bad)));
            Files.write(dir.resolve("nan" + PromptStore.VERSION_SUFFIX), PromptSetFile.write(poisoned));
            try (CapturedWarnings captured = new CapturedWarnings(PromptStore.class)) {
                assertThat(new PromptStore(dir, WIDTH).get("nan")).isEmpty();
                assertThat(captured.events()).extracting(ILoggingEvent::getFormattedMessage)
                        .anySatisfy(m -> assertThat(m).contains("nan.safetensors").contains("non-finite"));
            }
        }
    }

    @Test
    void aVersionFileWrittenBeforeChecksumsExistedStillLoads() throws Exception {
        PromptSet original = PromptSetFactory.classification("old", Vocabulary.voc(), 16, WIDTH, 5);
        Safetensors.Content withChecksum = Safetensors.read(PromptSetFile.write(original));
        assertThat(withChecksum.metadata()).containsKey(PromptSetFile.CHECKSUM_KEY);
        byte[] legacy = Safetensors.write(new Safetensors.Content(withChecksum.tensors(),
                Map.of(PromptSetFile.METADATA_KEY, withChecksum.metadata().get(PromptSetFile.METADATA_KEY))));
        Path dir = Files.createDirectories(root.resolve("legacy"));
        Files.write(dir.resolve("old" + PromptStore.VERSION_SUFFIX), legacy);
        assertThat(new PromptStore(dir, WIDTH).get("old").orElseThrow().contexts()).isEqualTo(original.contexts());
    }

    private static byte[] flip(byte[] valid, int offset, Random random) {
        byte[] copy = valid.clone();
        copy[offset] ^= (byte) (1 << random.nextInt(8));
        return copy;
    }
}
