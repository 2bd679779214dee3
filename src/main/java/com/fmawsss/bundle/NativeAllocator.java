package com.fmawsss.bundle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which malloc serves libtorch's native heap in this process, and, when it is glibc's, the tuning
 * that makes it as fast as tcmalloc. Untuned, glibc {@code malloc} serves every block above its mmap
 * threshold (32 MB at most) with a fresh mapping and unmaps it on free; a JVM thread has an arena of
 * its own whose 64 MB heaps cannot hold the encoders' 38-50 MB intermediates either. So they
 * page-fault in again on every image (2-3x slower on VMs where a fault is expensive). tcmalloc keeps
 * and reuses those blocks ({@code LD_PRELOAD}; the container image and {@code ./dev run} preload it).
 *
 * <p>Under glibc, {@link #tuneGlibc()} does from inside the process what tcmalloc does, before
 * libtorch allocates: {@code mallopt(M_MMAP_MAX, 0)} serves large blocks from the arenas' heaps
 * instead of fresh mappings, {@code mallopt(M_TRIM_THRESHOLD, 2 GB)} keeps freed memory for the next
 * image, and {@code THP_MEM_ALLOC_ENABLE=1} has libtorch's CPU allocator ask for 2 MB pages for its
 * blocks of 2 MB and more (fewer faults and TLB misses). Measured on the SAM encoder's blocks it runs
 * as fast as tcmalloc or faster (docs/performance.md). The price is tcmalloc's too: the native heap
 * stays at its peak.
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

    /** Logs the allocator and, for glibc, whether it was tuned. */
    public static void report() {
        String name = name();
        if (!"glibc".equals(name)) {
            LOG.info("native allocator: {}", name);
        } else if (glibcTuned) {
            LOG.info("native allocator: glibc malloc, tuned to keep and reuse large blocks (mmap off, trim threshold 2 GB,"
                    + " libtorch's 2 MB pages); {}=false turns the tuning off", TUNING_SWITCH);
        } else {
            LOG.warn("native allocator: glibc malloc, untuned ({}). Inference is up to 2-3x slower: unset {} or start the"
                    + " JVM with LD_PRELOAD=<path of libtcmalloc_minimal.so.4> (package libtcmalloc-minimal4)",
                    glibcTuningFailure, TUNING_SWITCH);
        }
    }

    /** Environment variable that turns the glibc tuning off ({@code false}). */
    public static final String TUNING_SWITCH = "FMA_GLIBC_MALLOC_TUNING";
    /** glibc's {@code mallopt} parameters (malloc.h). */
    private static final int M_TRIM_THRESHOLD = -1;
    private static final int M_MMAP_MAX = -4;

    private static volatile boolean glibcTuned;
    private static volatile String glibcTuningFailure = "not attempted";

    /**
     * Tunes glibc malloc as the class comment says, once, when glibc serves this process and {@value
     * #TUNING_SWITCH} is not {@code false}. Must run before libtorch loads: libtorch reads {@code
     * THP_MEM_ALLOC_ENABLE} once, at its first allocation. A user's own {@code THP_MEM_ALLOC_ENABLE}
     * is left as it is.
     *
     * @return whether glibc is now tuned
     */
    public static synchronized boolean tuneGlibc() {
        if (glibcTuned) {
            return true;
        }
        if (!"glibc".equals(name())) {
            glibcTuningFailure = "not glibc";
            return false;
        }
        if ("false".equalsIgnoreCase(System.getenv(TUNING_SWITCH))) {
            glibcTuningFailure = TUNING_SWITCH + "=false";
            return false;
        }
        try {
            Libc libc = Libc.get();
            // mallopt answers 1 on success, 0 on a refused value; setenv 0 on success.
            boolean ok = libc.mallopt(M_MMAP_MAX, 0) == 1
                    & libc.mallopt(M_TRIM_THRESHOLD, Integer.MAX_VALUE) == 1
                    & libc.setenv("THP_MEM_ALLOC_ENABLE", "1", false) == 0;
            glibcTuned = ok;
            glibcTuningFailure = ok ? "" : "mallopt or setenv refused a value";
            return ok;
        } catch (Throwable e) { // Java 21, a libc without these symbols, or native access denied
            glibcTuningFailure = e.toString();
            return false;
        }
    }
}
