package com.fmawsss.bundle;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

/**
 * Whether a device computes bf16 natively, so that bf16 is faster than fp32 rather than emulated:
 * CPUs with AVX512-BF16 or AMX-BF16 (oneDNN's bf16 kernels), GPUs of compute capability 8.0
 * (Ampere) and later.
 */
public final class Bf16Hardware {

    private static final Path CPUINFO = Path.of("/proc/cpuinfo");
    private static final Set<String> CPU_FLAGS = Set.of("avx512_bf16", "amx_bf16");
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
     * @return true when every listed CPU has one of the bf16 flags
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
