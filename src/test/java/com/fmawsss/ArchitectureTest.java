package com.fmawsss;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The layering check of docs/architecture.md ("Checking the layering"), run as written there: the
 * package graph of the main sources has no cycle (subpackages and the root package included) and
 * nothing outside {@code api} uses {@code api}. A tree with a planted cycle shows that the check
 * can fail.
 */
class ArchitectureTest {

    @Test
    void thePackageGraphHasNoCycleAndNothingOutsideApiUsesApi(@TempDir Path dir) throws Exception {
        Result result = run(script(dir), Path.of("src/main/java"));
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("cycles: 0 | outside api importing api: 0");
    }

    @Test
    void aPlantedCycleBetweenSubpackagesAndAnUseOfApiAreReported(@TempDir Path dir) throws Exception {
        Path tree = dir.resolve("tree");
        write(tree, "com/fmawsss/api/Door.java", "package com.fmawsss.api;\nimport com.fmawsss.api.inner.Room;\npublic class Door { Room r; }\n");
        write(tree, "com/fmawsss/api/inner/Room.java", "package com.fmawsss.api.inner;\npublic class Room { com.fmawsss.api.Door d; }\n");
        write(tree, "com/fmawsss/sam/Mask.java", "package com.fmawsss.sam;\nimport com.fmawsss.api.Door;\npublic class Mask { Door d; }\n");
        Result result = run(script(dir), tree);
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.output())
                .contains("cycle: api, api.inner")
                .contains("api -> api.inner (Door.java -> Room)")
                .contains("outside api importing api: sam -> api (Mask.java -> Door)")
                .contains("cycles: 1 | outside api importing api: 1");
    }

    /** The python block under "Checking the layering" in docs/architecture.md. */
    private static Path script(Path dir) throws IOException {
        String doc = Files.readString(Path.of("docs/architecture.md"));
        int section = doc.indexOf("## Checking the layering");
        assertThat(section).as("docs/architecture.md has a 'Checking the layering' section").isNotNegative();
        int start = doc.indexOf("```python\n", section);
        int end = doc.indexOf("```", start + 10);
        Path script = dir.resolve("layering.py");
        Files.writeString(script, doc.substring(start + "```python\n".length(), end));
        return script;
    }

    private record Result(int exitCode, String output) {}

    private static Result run(Path script, Path sources) throws Exception {
        Process process = new ProcessBuilder(List.of(PythonReference.python().toString(), script.toString(), sources + "/"))
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), output);
    }

    private static void write(Path root, String file, String text) throws IOException {
        Path path = root.resolve(file);
        Files.createDirectories(path.getParent());
        Files.writeString(path, text);
    }
}
