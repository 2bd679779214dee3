package com.fmawsss.bundle;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

/** {@link BundleLoader} on a bundle whose checksums match but whose modules are not TorchScript. */
class BundleLoaderTest {

    @TempDir Path dir;

    @Test
    void aModulePyTorchCannotReadIsNamed() throws IOException {
        SyntheticBundle.write(dir);
        BundleManifest manifest = new BundleVerifier().verify(dir);

        assertThatThrownBy(() -> new BundleLoader().load(dir, manifest, Device.cpu(), false))
                .isInstanceOf(BundleException.class)
                .hasMessageStartingWith(
                        "bundle file clip/vision_trunk.pt: cannot be loaded by PyTorch 2.7.1 on"
                            + " cpu: ");
    }
}
