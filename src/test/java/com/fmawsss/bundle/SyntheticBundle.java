package com.fmawsss.bundle;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Writes small synthetic bundles: random bytes in place of modules, and a valid manifest. */
final class SyntheticBundle {

    private SyntheticBundle() {}

    /**
     * Writes every required file with seeded random content, plus a manifest listing them.
     *
     * @param dir the bundle directory to fill
     * @return the files written, by relative path
     */
    static Map<String, byte[]> write(Path dir) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        Random random = new Random(42);
        for (BundleModule module : BundleModule.values()) {
            byte[] content = new byte[100 + module.ordinal()];
            random.nextBytes(content);
            files.put(module.path(), content);
        }
        files.put("tokenizer.json", "{\"model\":{}}".getBytes(StandardCharsets.UTF_8));
        files.put("hf/clip/config.json", "{}".getBytes(StandardCharsets.UTF_8));
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            Path p = dir.resolve(e.getKey());
            Files.createDirectories(p.getParent());
            Files.write(p, e.getValue());
        }
        writeManifest(dir, 1, files);
        return files;
    }

    /**
     * Writes {@code manifest.json} listing the given files with their true checksums.
     *
     * @param dir the bundle directory
     * @param formatVersion the format version to declare
     * @param files the files to list, by relative path
     */
    static void writeManifest(Path dir, int formatVersion, Map<String, byte[]> files)
            throws IOException {
        String json =
                """
                {
                  "formatVersion": %d,
                  "createdAt": "2026-11-26T15:30:00Z",
                  "tiny": true,
                  "dtype": "float32",
                  "exporter": {"torch": "2.13.0+cpu", "transformers": "5.17.0", "seed": 0,
                               "futureField": "ignored"},
                  "clip": {"source": "openai/clip-vit-base-patch16", "revision": null,
                           "patchSize": 16, "imageSize": 224, "visionWidth": 768,
                           "visionLayers": 12, "visionHeads": 12, "textWidth": 512,
                           "textLayers": 12, "textHeads": 8, "embedDim": 512,
                           "contextLength": 77, "vocabSize": 49408, "sotTokenId": 49406,
                           "eotTokenId": 49407, "logitScale": 100.0,
                           "imageMean": [0.48145466, 0.4578275, 0.40821073],
                           "imageStd": [0.26862954, 0.26130258, 0.27577711]},
                  "sam": {"source": "facebook/sam-vit-huge", "revision": "abc123",
                          "inputSize": 1024, "embeddingChannels": 256, "embeddingSize": 64,
                          "lowResMaskSize": 256, "maskThreshold": 0.0,
                          "pixelMean": [123.675, 116.28, 103.53],
                          "pixelStd": [58.395, 57.12, 57.375]},
                  "files": %s
                }
                """
                        .formatted(formatVersion, filesJson(files));
        Files.writeString(dir.resolve(BundleManifest.FILE_NAME), json);
    }

    private static String filesJson(Map<String, byte[]> files) {
        StringBuilder sb = new StringBuilder("{");
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            if (sb.length() > 1) {
                sb.append(',');
            }
            sb.append('"')
                    .append(e.getKey())
                    .append("\": {\"sha256\": \"")
                    .append(BundleVerifier.sha256(e.getValue()))
                    .append("\", \"bytes\": ")
                    .append(e.getValue().length)
                    .append('}');
        }
        return sb.append('}').toString();
    }
}
