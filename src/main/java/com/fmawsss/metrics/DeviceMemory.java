package com.fmawsss.metrics;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code fma_device_memory_bytes{device}}: memory in use on the inference device. The JVM's own
 * meters cannot see it, because libtorch allocates outside the heap and outside NIO buffers. On a
 * GPU it is the device's used memory as CUDA reports it ({@link CudaUtils#getGpuMemory}: total
 * minus free, so it includes other processes on the same GPU); on the CPU it is the resident set
 * size of this process ({@code VmRSS} in {@code /proc/self/status}: heap, natives, weights and
 * activations together). NaN when the value cannot be read (e.g. no procfs).
 */
public final class DeviceMemory implements MeterBinder {

    /** Micrometer name (Prometheus: {@code fma_device_memory_bytes}). */
    public static final String NAME = "fma.device.memory";

    private static final Path PROC_STATUS = Path.of("/proc/self/status");
    private static final Pattern VM_RSS = Pattern.compile("(?m)^VmRSS:\\s+(\\d+)\\s+kB\\s*$");

    private final Device device;
    private final String deviceName;

    /**
     * Creates the binder for a device.
     *
     * @param device the inference device
     * @param deviceName its {@code fma.device} spelling, the label value
     */
    public DeviceMemory(Device device, String deviceName) {
        this.device = device;
        this.deviceName = deviceName;
    }

    /** {@inheritDoc} */
    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder(NAME, this, DeviceMemory::usedBytes)
                .description("Memory in use on the inference device: CUDA used memory on a GPU, process RSS on the CPU")
                .baseUnit("bytes")
                .tag("device", deviceName)
                .strongReference(true)
                .register(registry);
    }

    /**
     * Reads the current value.
     *
     * @return bytes, or NaN when unavailable
     */
    public double usedBytes() {
        if (device.isGpu()) {
            try {
                return CudaUtils.getGpuMemory(device).getUsed();
            } catch (RuntimeException | LinkageError e) {
                // No CUDA runtime visible to DJL: report "unknown" rather than failing the scrape.
                return Double.NaN;
            }
        }
        OptionalLong rss = residentSetBytes(PROC_STATUS);
        return rss.isPresent() ? rss.getAsLong() : Double.NaN;
    }

    /**
     * Parses the resident set size out of a {@code /proc/<pid>/status} file.
     *
     * @param status the file
     * @return bytes, or empty when the file or its {@code VmRSS} line is missing
     */
    public static OptionalLong residentSetBytes(Path status) {
        try {
            Matcher m = VM_RSS.matcher(Files.readString(status));
            return m.find() ? OptionalLong.of(Long.parseLong(m.group(1)) * 1024) : OptionalLong.empty();
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }
}
