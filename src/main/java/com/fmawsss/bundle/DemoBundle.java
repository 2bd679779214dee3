package com.fmawsss.bundle;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The tiny random-weight bundle packaged in the jar under {@code demo-bundle/}, used when {@code
 * fma.bundle.dir} is unset so the service starts with no configuration. DJL loads TorchScript from
 * files, so the bundle is unpacked under the state directory first.
 */
public final class DemoBundle {

    /** Classpath folder of the packaged demo bundle. */
    public static final String RESOURCE_ROOT = "demo-bundle/";

    private static final Logger log = LoggerFactory.getLogger(DemoBundle.class);

    private static final String BANNER =
            """

            ################################################################################
            ##
            ##  DEMO MODEL BUNDLE -- RANDOM WEIGHTS -- ALL OUTPUTS ARE MEANINGLESS
            ##
            ##  fma.bundle.dir (FMA_BUNDLE_DIR) is not set, so the service runs the tiny,
            ##  randomly initialised demo bundle packaged in the jar. It is there to try
            ##  the API and for tests: masks, seeds and scores are noise. For real results
            ##  export a bundle with models/export.py and set FMA_BUNDLE_DIR to it.
            ##
            ##  unpacked to: {}
            ##
            ################################################################################\
            """;

    private final ClassLoader classLoader;
    private final BundleVerifier verifier;

    /**
     * Creates a demo-bundle source reading from a class loader.
     *
     * @param classLoader where the {@code demo-bundle/} resources are
     * @param verifier used to read the packaged manifest
     */
    public DemoBundle(ClassLoader classLoader, BundleVerifier verifier) {
        this.classLoader = classLoader;
        this.verifier = verifier;
    }

    /**
     * Copies the packaged bundle to {@code <stateDir>/demo-bundle/<manifest hash>/} unless an
     * earlier run left an intact copy there, and warns loudly that its weights are random. The copy
     * goes to a temporary directory that is renamed into place, so a crash never leaves a
     * half-copied bundle under the final name.
     *
     * @param stateDir the service's state directory
     * @return the directory holding the unpacked demo bundle (not yet verified)
     * @throws BundleException when the jar has no demo bundle or a listed file is absent
     */
    public Path materialize(Path stateDir) {
        byte[] manifestBytes = readResource(BundleManifest.FILE_NAME);
        if (manifestBytes == null) {
            throw BundleException.general(
                    "fma.bundle.dir (FMA_BUNDLE_DIR) is not set and this build contains no demo"
                            + " bundle (classpath "
                            + RESOURCE_ROOT
                            + BundleManifest.FILE_NAME
                            + " is missing): set FMA_BUNDLE_DIR to a bundle written by"
                            + " models/export.py, or build with models/demo-bundle present",
                    null);
        }
        BundleManifest manifest = verifier.parseManifest(manifestBytes);
        Path parent = stateDir.resolve("demo-bundle");
        // Keyed by the manifest hash: a new build with another demo bundle never reuses a stale
        // copy.
        Path target = parent.resolve(BundleVerifier.sha256(manifestBytes).substring(0, 16));
        try {
            if (Files.isRegularFile(target.resolve(BundleManifest.FILE_NAME)) && !intact(target)) {
                deleteRecursively(target);
            }
            if (!Files.isRegularFile(target.resolve(BundleManifest.FILE_NAME))) {
                Files.createDirectories(parent);
                copyAtomically(manifestBytes, manifest, parent, target);
            }
        } catch (IOException e) {
            throw BundleException.general(
                    "cannot unpack the demo bundle to " + target.toAbsolutePath() + ": " + e, e);
        }
        log.warn(BANNER, target.toAbsolutePath());
        return target;
    }

    /** An earlier copy can be damaged on disk; the jar holds the pristine one, so re-unpack. */
    private boolean intact(Path copy) {
        try {
            verifier.verify(copy);
            return true;
        } catch (BundleException e) {
            log.warn(
                    "Unpacked demo bundle {} is damaged ({}); unpacking it again",
                    copy,
                    e.getMessage());
            return false;
        }
    }

    private void copyAtomically(
            byte[] manifestBytes, BundleManifest manifest, Path parent, Path target)
            throws IOException {
        Path tmp = Files.createTempDirectory(parent, ".unpacking-");
        try {
            for (String relative : manifest.files().keySet()) {
                Path dest = BundleVerifier.resolveInside(tmp, relative);
                Files.createDirectories(dest.getParent());
                try (InputStream in = classLoader.getResourceAsStream(RESOURCE_ROOT + relative)) {
                    if (in == null) {
                        throw BundleException.forFile(
                                relative,
                                "missing from the demo bundle packaged in the jar (classpath "
                                        + RESOURCE_ROOT
                                        + relative
                                        + ") — rebuild with a complete models/demo-bundle");
                    }
                    Files.copy(in, dest, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            // The manifest goes last: its presence marks a complete copy.
            Files.write(tmp.resolve(BundleManifest.FILE_NAME), manifestBytes);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                if (!Files.isRegularFile(target.resolve(BundleManifest.FILE_NAME))) {
                    throw e;
                }
                // Another process sharing the state directory won the race; use its copy.
            } catch (IOException e) {
                // Linux reports a non-empty existing target as DirectoryNotEmptyException.
                if (!Files.isRegularFile(target.resolve(BundleManifest.FILE_NAME))) {
                    throw e;
                }
            }
        } finally {
            deleteRecursively(tmp);
        }
    }

    private byte[] readResource(String relative) {
        try (InputStream in = classLoader.getResourceAsStream(RESOURCE_ROOT + relative)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
