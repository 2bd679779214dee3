package com.fmawsss.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.databind.node.ObjectNode;

/** CPU, memory, JVM and engine facts recorded with every benchmark result. */
final class MachineInfo {

    private MachineInfo() {}

    static ObjectNode describe(ObjectNode parent) {
        ObjectNode m = parent.objectNode();
        m.put("cpu", firstValue(Path.of("/proc/cpuinfo"), "model name"));
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("memory", firstValue(Path.of("/proc/meminfo"), "MemTotal"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        m.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
        m.put("engine", "DJL " + ai.djl.engine.Engine.getDjlVersion() + " / PyTorch "
                + ai.djl.engine.Engine.getEngine("PyTorch").getVersion());
        m.put("torchIntraOpThreads", com.fmawsss.bundle.TorchThreads.intraOpThreads());
        m.put("torchInterOpThreads", com.fmawsss.bundle.TorchThreads.interOpThreads());
        // Allocations cost page faults unless the allocator keeps freed memory (docs/performance.md).
        String preload = System.getenv("LD_PRELOAD");
        m.put("allocator", preload == null || preload.isBlank() ? "glibc" : preload);
        return m;
    }

    private static String firstValue(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(key)) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            return "unknown";
        }
        return "unknown";
    }
}
