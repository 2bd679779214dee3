package com.fmawsss.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident set of this process from {@code /proc/self/status} (Linux). */
final class RssProbe {

    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    long currentBytes() {
        return field("VmRSS:");
    }

    long peakBytes() {
        return field("VmHWM:");
    }

    /** Resets the peak (VmHWM) when the kernel allows it, so each scaling level reports its own. */
    void resetPeak() {
        try {
            Files.writeString(CLEAR_REFS, "5");
        } catch (IOException | SecurityException e) {
            // Older kernels or restricted /proc: the peak then stays cumulative.
        }
    }

    private static long field(String name) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(name)) {
                    return Long.parseLong(line.substring(name.length()).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }
}
