package com.fmawsss.bench;

import com.fmawsss.progress.Progress;
import ai.djl.Device;
import com.fmawsss.FmaWsssApplication;
import com.fmawsss.bundle.BundleLoader;
import com.fmawsss.bundle.BundleManifest;
import com.fmawsss.bundle.BundleVerifier;
import com.fmawsss.bundle.ModelBundle;
import com.fmawsss.cam.CamEngine;
import com.fmawsss.clip.PromptSelection;
import com.fmawsss.image.DecodedImage;
import com.fmawsss.image.ImageDecoder;
import com.fmawsss.image.ImageLimits;
import com.fmawsss.pipeline.FmaPipeline;
import com.fmawsss.pipeline.PipelineResult;
import com.fmawsss.progress.Stage;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.prompts.Vocabulary;
import com.fmawsss.sam.AmgProfiles;
import com.fmawsss.sam.AmgSettings;
import com.fmawsss.sam.QuasiSuperpixelService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Mask-generation profiles side by side on one bundle ({@code ./dev bench --profiles}): for each
 * profile one seed run of the workload image (superpixel cache off, after one warm-up run of the
 * fastest profile), its time per stage, the start-up cost model's estimate for it, the number of
 * quasi-superpixels, and how many seed pixels agree with the {@code official} profile's seeds.
 *
 * <p>Arguments: {@code --bundle DIR --image FILE --classes a,b [--profiles official,balanced,fast]
 * [--out DIR] [--name NAME]}.
 */
public final class ProfileBench {

    private ProfileBench() {}

    public static void main(String[] args) throws Exception {
        System.setProperty(FmaWsssApplication.DJL_OFFLINE_PROPERTY, "true");
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        Path bundleDir = Path.of(options.get("bundle"));
        List<String> profiles = List.of(options.getOrDefault("profiles", "official,balanced,fast").split(","));
        List<String> classes = List.of(options.getOrDefault("classes", "cat,dog,person").split(","));
        byte[] bytes = Files.readAllBytes(Path.of(options.getOrDefault("image", "src/test/resources/photos/coffee.jpg")));

        BundleManifest manifest = new BundleVerifier().verify(bundleDir);
        ModelBundle bundle = new BundleLoader().load(bundleDir, manifest, Device.cpu(), false);
        FmaPipeline pipeline = new FmaPipeline(new CamEngine(bundle), new QuasiSuperpixelService(bundle, 0, null));
        DecodedImage image = new ImageDecoder().decode(bytes, ImageLimits.defaults());
        PromptSet manual = PromptSet.manual(Vocabulary.voc());
        PromptSelection selection = PromptSelection.of(manual, classes);

        System.out.println("== calibration run (as at service start-up)");
        long calibrationStart = System.nanoTime();
        pipeline.calibrate(Vocabulary.voc(), AmgProfiles.named(AmgProfiles.FAST), Progress.NONE);
        double calibrationSeconds = (System.nanoTime() - calibrationStart) / 1e9;
        // The estimates are those a request would have got right after start-up.
        Map<String, Double> estimates = new LinkedHashMap<>();
        for (String profile : profiles) {
            AmgSettings amg = AmgProfiles.named(profile);
            estimates.put(profile, Math.round(pipeline.costs().estimate(
                    pipeline.shape(image.image(), classes.size(), true, amg, false)).toMillis() / 100.0) / 10.0);
        }

        JsonMapper json = JsonMapper.builder().build();
        ObjectNode root = json.createObjectNode();
        root.put("date", LocalDate.now(ZoneOffset.UTC).toString());
        root.set("machine", MachineInfo.describe(root));
        root.put("bundle", bundleDir.toString());
        root.put("image", options.getOrDefault("image", "src/test/resources/photos/coffee.jpg"));
        root.put("imageSize", image.image().width() + "x" + image.image().height());
        root.put("classes", String.join(",", classes));
        root.put("calibrationSeconds", Math.round(calibrationSeconds * 10) / 10.0);
        ArrayNode rows = root.putArray("profiles");

        int[] reference = null;
        List<String> lines = new ArrayList<>();
        for (String profile : profiles) {
            AmgSettings amg = AmgProfiles.named(profile);
            StageClock clock = new StageClock();
            System.out.println("== " + profile + " (" + amg.key() + ")");
            long start = System.nanoTime();
            PipelineResult result = pipeline.seed(image.image(), image.sha256(), selection, amg, clock);
            double seconds = (System.nanoTime() - start) / 1e9;
            int[] labels = result.seedMap().labels();
            if (reference == null && profile.equals(AmgProfiles.OFFICIAL)) {
                reference = labels;
            }
            Double agreement = reference == null ? null : agreement(reference, labels);
            ObjectNode row = rows.addObject();
            row.put("profile", profile);
            row.put("seconds", Math.round(seconds * 10) / 10.0);
            row.put("estimatedSeconds", estimates.get(profile));
            row.put("samEncodeSeconds", Math.round(clock.millis(Stage.SAM_ENCODE) / 100.0) / 10.0);
            row.put("samDecodeSeconds", Math.round(clock.millis(Stage.SAM_DECODE) / 100.0) / 10.0);
            row.put("clipSeconds", Math.round((clock.millis(Stage.CLIP_ENCODE) + clock.millis(Stage.GRADCAM)
                    + clock.millis(Stage.CAA)) / 100.0) / 10.0);
            row.put("superpixels", result.superpixels().size());
            if (agreement != null) {
                row.put("seedAgreementWithOfficial", Math.round(agreement * 10_000) / 10_000.0);
            }
            lines.add(String.format(java.util.Locale.ROOT, "  %-9s %8.1f s (estimated %7.1f s)  %4d superpixels  agreement %s",
                    profile, seconds, estimates.get(profile), result.superpixels().size(),
                    agreement == null ? "-" : String.format(java.util.Locale.ROOT, "%.4f", agreement)));
            System.out.println(lines.get(lines.size() - 1));
        }
        lines.forEach(System.out::println);
        Path out = Path.of(options.getOrDefault("out", "bench/results"))
                .resolve(root.get("date").asString() + "-profiles-" + options.getOrDefault("name", bundleDir.getFileName().toString())
                        + ".json");
        Files.createDirectories(out.getParent());
        Files.writeString(out, json.writerWithDefaultPrettyPrinter().writeValueAsString(root));
        System.out.println("== wrote " + out);
        System.exit(0);
    }

    private static double agreement(int[] a, int[] b) {
        long same = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i] == b[i]) {
                same++;
            }
        }
        return (double) same / a.length;
    }
}
