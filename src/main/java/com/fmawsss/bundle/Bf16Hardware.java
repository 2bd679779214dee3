package com.fmawsss.bundle;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

/**
 * Whether a device computes bf16 fast enough for the bf16 variants to beat fp32: GPUs of compute
 * capability 8.0 (Ampere) and later, and CPUs with AMX-BF16 (matrix tiles). CPUs with AVX512-BF16
 * alone do not count: on one (AMD Zen 5, 2 cores) the bf16 SAM encoder took 16-19 s against 10-11 s
 * in fp32 under the service's libtorch 2.7.1, whose bf16 attention products and softmax are slow
 * there (docs/performance.md).
 */
public final class Bf16Hardware {

    private static final Path CPUINFO = Path.of("/proc/cpuinfo");
    private static final Set<String> CPU_FLAGS = Set.of("amx_bf16");
    private static final int AMPERE_MAJOR = 8;

    private Bf16Hardware() {}

    /**
     * Tells whether the device has fast bf16.
     *
     * @param device the device the modules run on
     * @return false where it cannot tell (e.g. no {@code /proc/cpuinfo})
     */
    public static boolean fast(Device device) {
        if (device.isGpu()) {
            return cudaCapabilityIsFast(CudaUtils.getComputeCapability(device.getDeviceId()));
        }
        try {
            return cpuInfoIsFast(Files.readString(CPUINFO));
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    /**
     * Reads the {@code flags} lines of a Linux {@code /proc/cpuinfo}.
     *
     * @param cpuinfo the file's content
     * @return true when every listed CPU has AMX-BF16
     */
    static boolean cpuInfoIsFast(String cpuinfo) {
        var flagLines = cpuinfo.lines().filter(l -> l.startsWith("flags")).toList();
        return !flagLines.isEmpty()
                && flagLines.stream()
                        .allMatch(l -> {
                            String flags = l.substring(l.indexOf(':') + 1);
                            return Arrays.stream(flags.trim().split("\\s+")).anyMatch(CPU_FLAGS::contains);
                        });
    }

    /**
     * Reads DJL's compute capability string ({@code "86"} for 8.6).
     *
     * @param capability major and minor digits
     * @return true from 8.0 on
     */
    static boolean cudaCapabilityIsFast(String capability) {
        if (capability == null || capability.length() < 2 || !capability.chars().allMatch(Character::isDigit)) {
            return false;
        }
        int major = Integer.parseInt(capability.substring(0, capability.length() - 1));
        return major >= AMPERE_MAJOR;
    }
}
