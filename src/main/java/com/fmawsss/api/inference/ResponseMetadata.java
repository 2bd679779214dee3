package com.fmawsss.api.inference;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fmawsss.bundle.BundleManifest;
import com.fmawsss.bundle.Devices;
import com.fmawsss.bundle.ModelBundle;
import com.fmawsss.cam.CamSettings;
import com.fmawsss.image.DecodedImage;
import com.fmawsss.pipeline.AmgChoice;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.sam.AmgSettings;
import com.fmawsss.io.Sha256;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Locale;

/**
 * The reproducibility metadata of every JSON answer (spec §5): which bundle and prompt set
 * produced it and the effective parameters. The bundle part is computed once.
 */
public final class ResponseMetadata {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Metadata(BundleInfo bundle, PromptsInfo prompts, Parameters parameters) {}

    public record BundleInfo(Source clip, Source sam, String manifestSha256, String dtype, String device, boolean demo) {}

    /** @param revision hub revision, {@code null} when none was pinned */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Source(String source, String revision) {}

    /** @param mode {@code uploaded-scores} for {@code /v1/refine}, which uses no prompts */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PromptsInfo(String id, String kind, String layout, String vocabulary, String mode) {}

    /**
     * @param refine {@code sams} or {@code none} ({@code /v1/masks} and {@code /v1/seeds})
     * @param clipInput {@code [height, width]} of the stretched CLIP input
     * @param scores {@code [C, H, W]} of an uploaded score map
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Parameters(CamParameters cam, String refine, Double alpha, AmgParameters amg, ImageParameters image,
            List<Integer> scores) {}

    public record CamParameters(String stream, boolean caa, int attentionLayers, int sinkhornPasses, int power,
            double boxThreshold, String caaInput) {}

    public record AmgParameters(String profile, int pointsPerSide, double predIouThresh, double[] levelIouOffsets,
            double stabilityThresh, double stabilityOffset, double boxNmsThresh, int cropNLayers, double cropNmsThresh,
            int minMaskRegionArea, double overlapFilterThreshold) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ImageParameters(int width, int height, String format, int exifOrientation, String sha256,
            List<Integer> clipInput) {}

    private final BundleInfo bundle;

    ResponseMetadata(ModelBundle bundle) {
        BundleManifest manifest = bundle.manifest();
        String manifestSha256;
        try {
            manifestSha256 = Sha256.hex(Files.readAllBytes(bundle.directory().resolve("manifest.json")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.bundle = new BundleInfo(new Source(manifest.clip().source(), manifest.clip().revision()),
                new Source(manifest.sam().source(), manifest.sam().revision()), manifestSha256, manifest.dtype(),
                Devices.name(bundle.device()), bundle.demo());
    }

    BundleInfo bundle() {
        return bundle;
    }

    /** Metadata of an answer computed from prompts (masks, seeds). */
    Metadata ofPrompts(PromptSet set, CamSettings cam, double alpha, AmgChoice amg, DecodedImage image, int clipHeight,
            int clipWidth) {
        PromptsInfo prompts = new PromptsInfo(set.id(), lower(set.kind().name()), lower(set.layout().name()),
                set.vocabulary().name(), null);
        CamParameters camParameters = new CamParameters(cam.stream(), cam.enabled(), cam.attentionLayers(),
                cam.sinkhornPasses(), cam.power(), cam.boxThreshold(), lower(cam.input().name()));
        return new Metadata(bundle, prompts, new Parameters(camParameters, amg == null ? "none" : "sams", alpha,
                amg == null ? null : amg(amg), image(image, List.of(clipHeight, clipWidth)), null));
    }

    /** Metadata of an answer computed from uploaded score maps (refine). */
    Metadata ofScores(double alpha, AmgChoice amg, DecodedImage image, int[] scoreShape) {
        return new Metadata(bundle, new PromptsInfo("none", null, null, null, "uploaded-scores"),
                new Parameters(null, null, alpha, amg(amg), image(image, null),
                        List.of(scoreShape[0], scoreShape[1], scoreShape[2])));
    }

    private static AmgParameters amg(AmgChoice choice) {
        AmgSettings a = choice.settings();
        return new AmgParameters(choice.profile(), a.pointsPerSide(), a.predIouThresh(), a.levelIouOffsets(),
                a.stabilityThresh(), a.stabilityOffset(), a.boxNmsThresh(), a.cropNLayers(), a.cropNmsThresh(),
                a.minMaskRegionArea(), a.overlapFilterThreshold());
    }

    private static ImageParameters image(DecodedImage image, List<Integer> clipInput) {
        return new ImageParameters(image.image().width(), image.image().height(), image.format(), image.exifOrientation(),
                image.sha256(), clipInput);
    }

    private static String lower(String name) {
        return name.toLowerCase(Locale.ROOT);
    }
}
