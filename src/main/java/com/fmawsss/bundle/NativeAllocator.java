package com.fmawsss.bundle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which malloc serves libtorch's native heap in this process. It matters for speed and memory: glibc
 * {@code malloc} serves every block above its mmap threshold (32 MB at most) with a fresh mapping and
 * unmaps it on free, so the encoders' and decoder's large intermediates page-fault in again on every
 * image (2-3x slower on VMs where a fault is expensive), and what it keeps it does not give back.
 * tcmalloc keeps and reuses those blocks. The allocator is chosen before the JVM starts
 * ({@code LD_PRELOAD}; the container image and {@code ./dev run} preload tcmalloc), so all this class
 * can do is tell.
 */
public final class NativeAllocator {

    private static final Logger LOG = LoggerFactory.getLogger(NativeAllocator.class);

    private NativeAllocator() {}

    /** "tcmalloc", "jemalloc", "mimalloc", "glibc" (none of those mapped on Linux) or "unknown". */
    public static String name() {
        try {
            return fromMappedLibraries(Files.readAllLines(Path.of("/proc/self/maps")));
        } catch (IOException | RuntimeException notLinux) {
            return "unknown";
        }
    }

    static String fromMappedLibraries(List<String> procMapsLines) {
        for (String allocator : List.of("tcmalloc", "jemalloc", "mimalloc")) {
            if (procMapsLines.stream().anyMatch(line -> line.contains("lib" + allocator))) {
                return allocator;
            }
        }
        return "glibc";
    }

    /** Logs the allocator, with a warning and the remedy when it is glibc. */
    public static void report() {
        String name = name();
        if ("glibc".equals(name)) {
            LOG.warn("native allocator: glibc malloc. Inference is up to 2-3x slower and memory grows under load;"
                    + " start the JVM with LD_PRELOAD=<path of libtcmalloc_minimal.so.4> (Debian/Ubuntu package"
                    + " libtcmalloc-minimal4) as the container image does");
        } else {
            LOG.info("native allocator: {}", name);
        }
    }
}
