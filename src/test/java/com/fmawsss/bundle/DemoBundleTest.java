package com.fmawsss.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** {@link DemoBundle}: unpacking the demo bundle packaged on the classpath. */
class DemoBundleTest {

    @TempDir Path state;

    private final BundleVerifier verifier = new BundleVerifier();

    @Test
    void unpacksAVerifiableBundleOnceAndReusesIt() throws IOException {
        DemoBundle demo = new DemoBundle(getClass().getClassLoader(), verifier);

        Path first = demo.materialize(state);
        BundleManifest manifest = verifier.verify(first);
        Path second = demo.materialize(state);

        assertThat(second).isEqualTo(first);
        assertThat(first.getParent()).isEqualTo(state.resolve("demo-bundle"));
        assertThat(manifest.tiny()).isTrue();
        try (Stream<Path> entries = Files.list(state.resolve("demo-bundle"))) {
            // Only the final directory: no temporary ".unpacking-" leftovers.
            assertThat(entries.map(p -> p.getFileName().toString()))
                    .containsExactly(first.getFileName().toString());
        }
    }

    @Test
    void aDamagedEarlierCopyIsUnpackedAgain() throws IOException {
        DemoBundle demo = new DemoBundle(getClass().getClassLoader(), verifier);
        Path first = demo.materialize(state);
        Files.write(first.resolve("clip/gradcam.pt"), new byte[] {1, 2, 3});

        Path second = demo.materialize(state);

        assertThat(second).isEqualTo(first);
        assertThat(verifier.verify(second).tiny()).isTrue();
    }

    @Test
    void aBuildWithoutDemoBundleSaysWhatToConfigure() throws IOException {
        try (URLClassLoader empty = new URLClassLoader(new URL[0], null)) {
            DemoBundle demo = new DemoBundle(empty, verifier);

            assertThatThrownBy(() -> demo.materialize(state))
                    .isInstanceOf(BundleException.class)
                    .hasMessageContaining("FMA_BUNDLE_DIR")
                    .hasMessageContaining("no demo bundle");
        }
    }
}
