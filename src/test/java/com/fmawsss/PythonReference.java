package com.fmawsss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the independent Python reference scripts of {@code models/reference/} from Java tests.
 *
 * <p>The interpreter is {@code -Dfma.python} ({@code ./dev test} and CI set it, so a missing venv
 * fails there) or {@code models/.venv/bin/python}; when neither exists the calling test is skipped.
 */
public final class PythonReference {

    private PythonReference() {}

    /**
     * Returns the Python interpreter, skipping the test when none is configured.
     *
     * @return the interpreter path
     */
    public static Path python() {
        String configured = System.getProperty("fma.python");
        if (configured != null && !configured.isBlank()) {
            Path python = Path.of(configured);
            assertTrue(Files.isExecutable(python), "fma.python=" + configured + " is not executable");
            return python;
        }
        Path venv = Path.of("models/.venv/bin/python");
        Assumptions.assumeTrue(Files.isExecutable(venv), "no Python reference interpreter (run ./dev test)");
        return venv;
    }

    /**
     * Runs a reference script and fails the test with its output when it fails.
     *
     * @param script path relative to the project root, e.g. {@code models/reference/cam_reference.py}
     * @param args script arguments
     * @return the script's combined output
     */
    public static String run(String script, String... args) {
        List<String> command = new ArrayList<>();
        command.add(python().toString());
        command.add(script);
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] output = process.getInputStream().readAllBytes();
            assertTrue(process.waitFor(10, TimeUnit.MINUTES), "reference script timed out");
            String text = new String(output, StandardCharsets.UTF_8);
            assertEquals(0, process.exitValue(), () -> script + " failed:\n" + text);
            return text;
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
