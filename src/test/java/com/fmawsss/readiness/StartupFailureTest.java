package com.fmawsss.readiness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fmawsss.DemoBundleFixture;
import com.fmawsss.FmaWsssApplication;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** A corrupt bundle stops the service at startup with a message naming the corrupt file. */
class StartupFailureTest {

    @TempDir Path tmp;

    @Test
    void corruptModuleStopsStartupNamingTheFile() throws IOException {
        Path bundle = tmp.resolve("bundle");
        copyTree(DemoBundleFixture.dir(), bundle);
        Path gradcam = bundle.resolve("clip/gradcam.pt");
        byte[] content = Files.readAllBytes(gradcam);
        content[content.length / 2] ^= 0x40;
        Files.write(gradcam, content);

        Throwable failure =
                catchThrowable(
                        () ->
                                new SpringApplicationBuilder(FmaWsssApplication.class)
                                        .web(WebApplicationType.NONE)
                                        // Command-line arguments outrank FMA_* environment
                                        // variables.
                                        .run(
                                                "--fma.bundle.dir=" + bundle,
                                                "--fma.state.dir=" + tmp.resolve("state"))
                                        .close());

        assertThat(failure).isNotNull();
        assertThat(messages(failure))
                .anyMatch(
                        message ->
                                message.startsWith(
                                        "bundle file clip/gradcam.pt: SHA-256 mismatch"));
    }

    private static List<String> messages(Throwable t) {
        List<String> messages = new ArrayList<>();
        for (Throwable c = t; c != null; c = c.getCause()) {
            messages.add(String.valueOf(c.getMessage()));
        }
        return messages;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path source : walk.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
    }
}
