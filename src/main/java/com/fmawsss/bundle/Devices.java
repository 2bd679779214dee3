package com.fmawsss.bundle;

import ai.djl.Device;
import ai.djl.engine.Engine;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Turns the {@code fma.device} setting into a DJL {@link Device}, and back into a name. */
public final class Devices {

    /** DJL's name of the PyTorch engine. */
    public static final String ENGINE = "PyTorch";

    private static final Pattern CUDA = Pattern.compile("cuda:(\\d+)");

    private Devices() {}

    /**
     * Resolves a device spec against the GPUs PyTorch sees.
     *
     * @param spec {@code auto} (cuda:0 when a GPU is visible, else cpu), {@code cpu} or {@code
     *     cuda:N}
     * @return the device
     * @throws IllegalArgumentException for an unknown spec or a GPU index PyTorch does not see
     */
    public static Device resolve(String spec) {
        String s = spec == null ? "auto" : spec.trim();
        if (s.equals("cpu")) {
            return Device.cpu();
        }
        int gpus = Engine.getEngine(ENGINE).getGpuCount();
        if (s.equals("auto")) {
            return gpus > 0 ? Device.gpu(0) : Device.cpu();
        }
        Matcher m = CUDA.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "fma.device '" + spec + "' is not one of auto, cpu, cuda:N");
        }
        int index = Integer.parseInt(m.group(1));
        if (index >= gpus) {
            throw new IllegalArgumentException(
                    "fma.device is "
                            + s
                            + " but PyTorch sees "
                            + gpus
                            + " GPU(s); use cpu or auto, or check the CUDA driver and the"
                            + " pytorch-native-cu* library");
        }
        return Device.gpu(index);
    }

    /**
     * Names a device the way {@code fma.device} spells it.
     *
     * @return {@code cpu} or {@code cuda:N}
     */
    public static String name(Device device) {
        return device.isGpu() ? "cuda:" + device.getDeviceId() : "cpu";
    }
}
