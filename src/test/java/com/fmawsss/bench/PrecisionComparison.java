package com.fmawsss.bench;

import ai.djl.Device;

import com.fmawsss.bundle.BundleLoader;
import com.fmawsss.bundle.BundleManifest;
import com.fmawsss.bundle.BundleVerifier;
import com.fmawsss.bundle.ComputePrecision;
import com.fmawsss.bundle.ModelBundle;
import com.fmawsss.cam.CamEngine;
import com.fmawsss.clip.PromptSelection;
import com.fmawsss.image.ImageDecoder;
import com.fmawsss.image.ImageLimits;
import com.fmawsss.image.RgbImage;
import com.fmawsss.io.AtomicFiles;
import com.fmawsss.pipeline.PrecisionAgreement;
import com.fmawsss.pipeline.FmaPipeline;
import com.fmawsss.pipeline.PipelineResult;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.prompts.Vocabulary;
import com.fmawsss.sam.AmgOverrides;
import com.fmawsss.sam.AmgProfiles;
import com.fmawsss.sam.AmgSettings;
import com.fmawsss.sam.QuasiSuperpixelService;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The accuracy cost of bf16 on a real-size bundle: the workload image through the whole seed
 * pipeline (CAMs for the seed classes, AMG with the workload's settings, SAMS) once with the fp32
 * modules and once with the bf16 variants, compared by {@link PrecisionAgreement}; writes {@code
 * bench/results/<date>-<name>-precision.json}.
 *
 * <pre>
 * java -cp ... com.fmawsss.bench.PrecisionComparison --bundle DIR [--workload bench/workload.json]
 *     [--out bench/results] [--name NAME]
 * </pre>
 */
public final class PrecisionComparison {

    private PrecisionComparison() {}

    /**
     * Runs the comparison.
     *
     * @param args see the class comment
     * @throws Exception on any failure
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        Path dir = Path.of(options.get("bundle"));
        Workload workload = Workload.read(Path.of(options.getOrDefault("workload", "bench/workload.json")), Path.of(""));
        String name = options.getOrDefault("name", dir.getFileName().toString());
        RgbImage image = new ImageDecoder().decode(Files.readAllBytes(workload.image()), ImageLimits.defaults()).image();
        AmgSettings amg = AmgOverrides.apply(AmgProfiles.named("official"), workload.amg());
        PromptSelection selection = PromptSelection.of(PromptSet.manual(Vocabulary.voc()), workload.seedClassList());
        BundleManifest manifest = new BundleVerifier().verify(dir);
        JsonMapper json = JsonMapper.builder().build();
        ObjectNode root = json.createObjectNode();
        root.put("name", name);
        root.put("date", LocalDate.now(ZoneOffset.UTC).toString());
        root.put("bundle", dir.toString());
        root.put("image", workload.image() + " (" + image.width() + "x" + image.height() + ")");
        root.put("classes", String.join(",", workload.seedClassList()));
        root.put("amg", amg.key());
        Map<ComputePrecision, PipelineResult> results = new LinkedHashMap<>();
        for (ComputePrecision precision : ComputePrecision.values()) {
            try (ModelBundle bundle = new BundleLoader().load(dir, manifest, Device.cpu(), false, precision)) {
                FmaPipeline pipeline = new FmaPipeline(new CamEngine(bundle), new QuasiSuperpixelService(bundle, 0, null));
                // One untimed pass first (TorchScript's profiling runs), then the compared one.
                pipeline.seed(image, "precision-warm-up", selection, amg);
                PipelineResult result = pipeline.seed(image, "precision-" + precision.setting(), selection, amg);
                results.put(precision, result);
                root.putPOJO("timingsMs" + precision.name(), result.timingsMillis());
                System.out.printf("%s: %d quasi-superpixels, stage ms %s%n", precision.setting(),
                        result.superpixels().size(), result.timingsMillis());
            }
        }
        PrecisionAgreement agreement = PrecisionAgreement.of(results.get(ComputePrecision.FP32), results.get(ComputePrecision.BF16));
        System.out.println("bf16 vs fp32: " + agreement);
        root.putPOJO("bf16VsFp32", agreement);
        Path out = Path.of(options.getOrDefault("out", "bench/results")).resolve(root.get("date").asString() + "-" + name
                + "-precision.json");
        Files.createDirectories(out.toAbsolutePath().getParent());
        AtomicFiles.write(out, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
        System.out.println("== wrote " + out);
        System.exit(0);
    }
}
