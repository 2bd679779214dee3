package com.fmawsss.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceMemoryTest {

    @TempDir Path dir;

    @Test
    void parsesVmRssInKibibytes() throws IOException {
        Path status = Files.writeString(dir.resolve("status"), """
                Name:\tjava
                VmPeak:\t 9000000 kB
                VmRSS:\t  123456 kB
                RssAnon:\t  100000 kB
                """);

        assertThat(DeviceMemory.residentSetBytes(status)).hasValue(123456L * 1024);
    }

    @Test
    void missingFileOrLineIsEmpty() throws IOException {
        Path noRss = Files.writeString(dir.resolve("status"), "Name:\tjava\nVmPeak:\t 1 kB\n");

        assertThat(DeviceMemory.residentSetBytes(noRss)).isEmpty();
        assertThat(DeviceMemory.residentSetBytes(dir.resolve("absent"))).isEmpty();
    }

    @Test
    void cpuGaugeReportsThisProcessRss() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new DeviceMemory(Device.cpu(), "cpu").bindTo(registry);

        double value = registry.get(DeviceMemory.NAME).tag("device", "cpu").gauge().value();

        // The JVM alone is resident for more than a mebibyte; only Linux has /proc.
        if (Files.isRegularFile(Path.of("/proc/self/status"))) {
            assertThat(value).isGreaterThan(1 << 20);
        } else {
            assertThat(value).isNaN();
        }
        assertThat(registry.get(DeviceMemory.NAME).gauge().getId().getBaseUnit()).isEqualTo("bytes");
    }
}
