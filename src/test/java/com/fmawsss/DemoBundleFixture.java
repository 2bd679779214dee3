package com.fmawsss;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;

import com.fmawsss.bundle.BundleLoader;
import com.fmawsss.bundle.BundleManifest;
import com.fmawsss.bundle.BundleVerifier;
import com.fmawsss.bundle.ModelBundle;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real demo bundle written by {@code models/export.py --tiny} (default {@code
 * models/demo-bundle}, overridable with the system property {@code fma.test.demo-bundle} that the
 * pom sets), loaded once per test JVM because loading is the slow part.
 */
public final class DemoBundleFixture {

    private static ModelBundle shared;

    private DemoBundleFixture() {}

    /**
     * Returns the demo bundle directory, failing the test with a hint when it is absent.
     *
     * @return the directory
     */
    public static Path dir() {
        Path dir = Path.of(System.getProperty("fma.test.demo-bundle", "models/demo-bundle"));
        assertTrue(
                Files.isRegularFile(dir.resolve(BundleManifest.FILE_NAME)),
                "demo bundle missing at "
                        + dir.toAbsolutePath()
                        + ": run `python models/export.py --tiny --seed 0 --out"
                        + " models/demo-bundle`");
        return dir;
    }

    /**
     * Returns the verified demo bundle loaded on the CPU, shared by all tests of this JVM.
     *
     * @return the bundle (never closed by tests)
     */
    public static synchronized ModelBundle bundle() {
        if (shared == null) {
            Path dir = dir();
            BundleManifest manifest = new BundleVerifier().verify(dir);
            shared = new BundleLoader().load(dir, manifest, Device.cpu(), true);
        }
        return shared;
    }
}
