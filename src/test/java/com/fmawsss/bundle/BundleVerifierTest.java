package com.fmawsss.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@link BundleVerifier} on small synthetic bundles. */
class BundleVerifierTest {

    @TempDir Path dir;

    private final BundleVerifier verifier = new BundleVerifier();
    private Map<String, byte[]> files;

    @BeforeEach
    void writeValidBundle() throws IOException {
        files = SyntheticBundle.write(dir);
    }

    private void writeManifest(int formatVersion, Map<String, byte[]> listed) throws IOException {
        SyntheticBundle.writeManifest(dir, formatVersion, listed);
    }

    @Test
    void validBundlePassesAndIsParsed() {
        BundleManifest m = verifier.verify(dir);

        assertThat(m.formatVersion()).isEqualTo(1);
        assertThat(m.tiny()).isTrue();
        assertThat(m.dtype()).isEqualTo("float32");
        assertThat(m.exporter().torch()).isEqualTo("2.13.0+cpu");
        assertThat(m.clip().source()).isEqualTo("openai/clip-vit-base-patch16");
        assertThat(m.clip().revision()).isNull();
        assertThat(m.clip().visionWidth()).isEqualTo(768);
        assertThat(m.clip().logitScale()).isEqualTo(100.0);
        assertThat(m.clip().imageStd()).containsExactly(0.26862954, 0.26130258, 0.27577711);
        assertThat(m.sam().revision()).isEqualTo("abc123");
        assertThat(m.sam().embeddingSize()).isEqualTo(64);
        assertThat(m.files()).hasSize(files.size());
        assertThat(m.files().get("clip/gradcam.pt").bytes())
                .isEqualTo(files.get("clip/gradcam.pt").length);
    }

    @Test
    void oneCorruptedByteIsReportedWithTheFileName() throws IOException {
        Path gradcam = dir.resolve("clip/gradcam.pt");
        byte[] content = Files.readAllBytes(gradcam);
        content[17] ^= 0x01;
        Files.write(gradcam, content);

        assertThatThrownBy(() -> verifier.verify(dir))
                .isInstanceOf(BundleException.class)
                .hasMessageStartingWith("bundle file clip/gradcam.pt: SHA-256 mismatch (expected ")
                .hasMessageContaining(BundleVerifier.sha256(files.get("clip/gradcam.pt")))
                .hasMessageContaining("got " + BundleVerifier.sha256(content))
                .hasMessageContaining("corrupt or was modified")
                .extracting(e -> ((BundleException) e).file())
                .isEqualTo("clip/gradcam.pt");
    }

    @Test
    void missingFileIsReported() throws IOException {
        Files.delete(dir.resolve("sam/mask_decoder.pt"));

        assertThatThrownBy(() -> verifier.verify(dir))
                .isInstanceOf(BundleException.class)
                .hasMessageStartingWith("bundle file sam/mask_decoder.pt: missing");
    }

    @Test
    void truncatedFileIsReportedAsSizeMismatch() throws IOException {
        Path trunk = dir.resolve("clip/vision_trunk.pt");
        byte[] content = Files.readAllBytes(trunk);
        Files.write(trunk, java.util.Arrays.copyOf(content, content.length - 1));

        assertThatThrownBy(() -> verifier.verify(dir))
                .isInstanceOf(BundleException.class)
                .hasMessageStartingWith(
                        "bundle file clip/vision_trunk.pt: size mismatch (expected "
                                + content.length
                                + " bytes, got "
                                + (content.length - 1)
                                + ")");
    }

    @Test
    void wrongFormatVersionIsRefused() throws IOException {
        writeManifest(2, files);

        assertThatThrownBy(() -> verifier.verify(dir))
                .isInstanceOf(BundleException.class)
                .hasMessageStartingWith(
                        "bundle file manifest.json: formatVersion 2 is not supported")
                .hasMessageContaining("reads version 1");
    }

    @Test
    void unparseableManifestIsRefused() throws IOException {
        Files.writeString(dir.resolve("manifest.json"), "{\"formatVersion\": 1, \"files\": {");

        assertThatThrownBy(() -> verifier.verify(dir))
                .isInstanceOf(BundleException.class)
                .hasMessageStartingWith("bundle file manifest.json: cannot be parsed");
    }

    @Test
    void manifestWithWrongTypesIsRefused() throws IOException {
        Files.writeString(
                dir.resolve("manifest.json"),
                "{\"formatVersion\": 1, \"dtype\": \"float32\", \"clip\": {\"patchSize\": \"x\"}}");

        assertThatThrownBy(() -> verifier.verify(dir))
                .isInstanceOf(BundleException.class)
                .hasMessageStartingWith("bundle file manifest.json: cannot be parsed");
    }

    @Test
    void missingManifestIsRefused() throws IOException {
        Files.delete(dir.resolve("manifest.json"));

        assertThatThrownBy(() -> verifier.verify(dir))
                .isInstanceOf(BundleException.class)
                .hasMessageStartingWith("bundle file manifest.json: missing")
                .hasMessageContaining("not a model bundle");
    }

    @Test
    void missingDirectoryIsRefused() {
        Path absent = dir.resolve("nope");

        assertThatThrownBy(() -> verifier.verify(absent))
                .isInstanceOf(BundleException.class)
                .hasMessageContaining(absent.toAbsolutePath().toString())
                .hasMessageContaining("does not exist");
    }

    @Test
    void manifestThatOmitsARequiredModuleIsRefused() throws IOException {
        Map<String, byte[]> partial = new LinkedHashMap<>(files);
        partial.remove("clip/text_encoder.pt");
        writeManifest(1, partial);

        assertThatThrownBy(() -> verifier.verify(dir))
                .isInstanceOf(BundleException.class)
                .hasMessage(
                        "bundle file manifest.json: does not list the required file"
                                + " clip/text_encoder.pt — the bundle is incomplete");
    }

    @Test
    void pathsEscapingTheBundleAreRefused() throws IOException {
        Map<String, byte[]> escaping = new LinkedHashMap<>(files);
        escaping.put("../outside.bin", new byte[] {1});
        writeManifest(1, escaping);

        assertThatThrownBy(() -> verifier.verify(dir))
                .isInstanceOf(BundleException.class)
                .hasMessage("bundle file ../outside.bin: points outside the bundle directory");
    }

    @Test
    void unsupportedDtypeIsRefused() throws IOException {
        String manifest = Files.readString(dir.resolve("manifest.json"));
        Files.writeString(
                dir.resolve("manifest.json"),
                manifest.replace("\"dtype\": \"float32\"", "\"dtype\": \"bfloat16\""));

        assertThatThrownBy(() -> verifier.verify(dir))
                .isInstanceOf(BundleException.class)
                .hasMessageStartingWith(
                        "bundle file manifest.json: dtype bfloat16 is not supported");
    }
}
