package com.fmawsss.pipeline;

import com.fmawsss.cam.CamEngine;
import com.fmawsss.cam.CamResult;
import com.fmawsss.cam.CamSettings;
import com.fmawsss.clip.PromptSelection;
import com.fmawsss.image.RgbImage;
import com.fmawsss.progress.Progress;
import com.fmawsss.progress.Stage;
import com.fmawsss.prompts.PromptKind;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.prompts.Vocabulary;
import com.fmawsss.prompts.VocabularyEntry;
import com.fmawsss.sam.AmgSettings;
import com.fmawsss.sam.QuasiSuperpixel;
import com.fmawsss.sam.QuasiSuperpixelService;
import com.fmawsss.sams.DenseSeeds;
import com.fmawsss.sams.SamsSeeder;
import com.fmawsss.sams.ScoreMaps;
import com.fmawsss.sams.SeedMap;
import com.fmawsss.tensors.FloatTensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.fmawsss.sam.PromptMasks;
import com.fmawsss.sam.SamPrompt;
import com.fmawsss.sams.MaskProposal;

/**
 * The FMA-WSSS pipeline for one image (spec §4), in the three forms the service offers: seeds
 * (CAMs, quasi-superpixels, SAMS), pixel-level CAM labels without SAM, and SAMS over uploaded
 * score maps. Knows nothing about HTTP; the API and the jobs call it. Every run reports its stages
 * to the caller's {@link Progress} and to the metrics, and stops between stages and SAM point
 * batches when the caller's progress cancels it.
 */
public final class FmaPipeline {

    /** CAMs kept per image and class list, for click proposals (a few hundred kB each). */
    private static final int KEPT_CAMS = 256;

    private final CamEngine cams;
    private final QuasiSuperpixelService superpixels;
    private final Progress metrics;
    private final CostModel costs = new CostModel();
    private final Cache<String, CamResult> keptCams = Caffeine.newBuilder().maximumSize(KEPT_CAMS).executor(Runnable::run).build();

    public FmaPipeline(CamEngine cams, QuasiSuperpixelService superpixels) {
        this(cams, superpixels, Progress.NONE);
    }

    /** @param metrics sees the stage reports of every run (the stage timers), next to each caller's own progress */
    public FmaPipeline(CamEngine cams, QuasiSuperpixelService superpixels, Progress metrics) {
        this.cams = cams;
        this.superpixels = superpixels;
        this.metrics = metrics;
    }

    /**
     * The background exponent of a prompt set's stream: 0.7 for fine (segmentation) seeds, 0.6 for
     * coarse (classification and manual) seeds.
     */
    public static double alphaFor(PromptSelection selection) {
        return selection.promptSet().kind() == PromptKind.SEGMENTATION ? SamsSeeder.ALPHA_FINE : SamsSeeder.ALPHA_COARSE;
    }

    public PipelineResult seed(RgbImage image, String imageSha256, PromptSelection selection, AmgSettings amg) {
        return seed(image, imageSha256, selection, amg, Progress.NONE);
    }

    /**
     * The seed map of an image: CAMs, quasi-superpixels (cached by {@code imageSha256}, the SHA-256
     * of its encoded bytes) and SAMS. Timings: {@code cam}, {@code superpixels}, {@code sams} in ms.
     */
    public PipelineResult seed(RgbImage image, String imageSha256, PromptSelection selection, AmgSettings amg, Progress caller) {
        RunLedger ledger = new RunLedger();
        boolean embeddingKept = superpixels.embeddings().contains(imageSha256);
        PipelineResult result = seed(image, selection, amg, withMetrics(caller, ledger),
                progress -> superpixels.of(image, imageSha256, amg, progress));
        costs.observe(shape(image, selection.present(), true, amg, false, embeddingKept), ledger.nanos());
        return result;
    }

    private PipelineResult seed(RgbImage image, PromptSelection selection, AmgSettings amg, Progress progress,
            Function<Progress, List<QuasiSuperpixel>> superpixelSource) {
        Map<String, Long> timings = new LinkedHashMap<>();
        long start = System.nanoTime();
        CamResult camResult = computeCams(image, selection, progress);
        long afterCam = System.nanoTime();
        List<QuasiSuperpixel> masks = superpixelSource.apply(progress);
        long afterSam = System.nanoTime();
        double alpha = alphaFor(selection);
        SeedMap map = sams(masks, camResult.refined(), image, alpha, progress);
        long end = System.nanoTime();
        timings.put("cam", millis(afterCam - start));
        timings.put("superpixels", millis(afterSam - afterCam));
        timings.put("sams", millis(end - afterSam));
        return new PipelineResult(map, camResult, masks, alpha, timings);
    }

    /**
     * Two seed runs on a synthetic image with a small point grid and no cache: the first pays the
     * traced modules' first-call costs at request-like input sizes (TorchScript profiles and
     * optimises a graph on its first calls with a shape), the second is observed, so the
     * {@link #costs() cost model} knows every stage's steady cost before the first request is
     * estimated. An estimate inflated by first-call costs would refuse synchronous requests that fit.
     */
    public void calibrate(Vocabulary vocabulary, AmgSettings amg, Progress caller) {
        PromptSet manual = PromptSet.manual(vocabulary);
        PromptSelection selection = PromptSelection.of(manual,
                manual.vocabulary().classes().stream().limit(2).map(VocabularyEntry::name).toList());
        RgbImage image = CalibrationImage.create(320, 240);
        AmgSettings small = amg.toBuilder().pointsPerSide(8).cropNLayers(0).build();
        for (int run = 0; run < 2; run++) {
            RunLedger ledger = new RunLedger();
            seed(image, selection, small, withMetrics(caller, ledger),
                    progress -> superpixels.generateUncached(image, small, progress));
            if (run == 1) {
                costs.calibrate(shape(image, selection.present(), true, small, false), ledger.nanos());
            }
        }
    }

    /** The learned costs of this device; {@link #estimate} uses them. */
    public CostModel costs() {
        return costs;
    }

    /**
     * The work a run would be: {@code clip} false for uploaded score maps, {@code amg} null when
     * SAM does not run (CAM labels).
     */
    public WorkShape shape(RgbImage image, int classes, boolean clip, AmgSettings amg, boolean superpixelsCached) {
        return shape(image, classes, clip, amg, superpixelsCached, false);
    }

    /** @param embeddingCached the whole image's SAM embedding is kept (one encoder pass less) */
    public WorkShape shape(RgbImage image, int classes, boolean clip, AmgSettings amg, boolean superpixelsCached,
            boolean embeddingCached) {
        return WorkShape.of(image.width(), image.height(), classes, cams.preprocessor().patchSize(), clip, amg,
                superpixelsCached, embeddingCached);
    }

    /** The work of a run on this image as the caches stand now (what an estimate must price). */
    WorkShape shapeNow(RgbImage image, String imageSha256, int classes, boolean clip, AmgSettings amg) {
        return shape(image, classes, clip, amg, amg != null && superpixelsCached(imageSha256, amg),
                superpixels.embeddings().contains(imageSha256));
    }

    private Progress withMetrics(Progress caller, RunLedger ledger) {
        return Progress.both(Progress.both(caller, metrics), ledger);
    }

    /**
     * Pixel-level labels from the refined CAMs alone (no SAM): each pixel takes the class whose
     * min-max normalised CAM beats the background score {@code (1 - max)^alpha}. Timings: {@code cam}.
     */
    public PipelineResult camLabels(RgbImage image, PromptSelection selection, Progress caller) {
        RunLedger ledger = new RunLedger();
        Progress progress = withMetrics(caller, ledger);
        long start = System.nanoTime();
        CamResult camResult = computeCams(image, selection, progress);
        double alpha = alphaFor(selection);
        int[] labels = DenseSeeds.label(camResult.refined(), image.height(), image.width(), alpha);
        SeedMap map = new SeedMap(image.width(), image.height(), labels, List.of());
        costs.observe(shape(image, selection.present(), true, null, false), ledger.nanos());
        return new PipelineResult(map, camResult, List.of(), alpha, Map.of("cam", millis(System.nanoTime() - start)));
    }

    /**
     * SAMS over uploaded per-class score maps {@code [C, h, w]} (spec §4 "Refinement of any score
     * map"). The result has no CAMs. Timings: {@code superpixels}, {@code sams}.
     */
    public PipelineResult refineScores(RgbImage image, String imageSha256, FloatTensor scores, double alpha, AmgSettings amg,
            Progress caller) {
        RunLedger ledger = new RunLedger();
        Progress progress = withMetrics(caller, ledger);
        boolean embeddingKept = superpixels.embeddings().contains(imageSha256);
        long start = System.nanoTime();
        List<QuasiSuperpixel> masks = superpixels.of(image, imageSha256, amg, progress);
        long afterSam = System.nanoTime();
        SeedMap map = sams(masks, scores, image, alpha, progress);
        Map<String, Long> timings = new LinkedHashMap<>();
        timings.put("superpixels", millis(afterSam - start));
        timings.put("sams", millis(System.nanoTime() - afterSam));
        costs.observe(shape(image, scores.dim(0), false, amg, false, embeddingKept), ledger.nanos());
        return new PipelineResult(map, null, masks, alpha, timings);
    }

    /**
     * SAMS over any per-class score maps: maps are upsampled bilinearly to the image size when
     * needed, then classified per quasi-superpixel.
     *
     * @param scores {@code [C, h, w]} scores
     */
    public static SeedMap refine(List<QuasiSuperpixel> masks, FloatTensor scores, int height, int width, double alpha) {
        FloatTensor full = ScoreMaps.upsampleBilinear(scores, height, width);
        return SamsSeeder.seed(masks, full, alpha);
    }

    /** Whether the quasi-superpixels of this image and settings are cached (SAM would cost nothing). */
    public boolean superpixelsCached(String imageSha256, AmgSettings amg) {
        return superpixels.isCached(imageSha256, amg);
    }

    /**
     * The answer to one click ({@code POST /v1/segments}): with a {@code level}, the image's
     * quasi-superpixel of that level under the prompt's anchor (generated first when not cached)
     * or, when none lies there, SAM's multimask output of that level; otherwise SAM's recommended
     * output for the prompt. With a selection, the class the mask most likely shows, from the
     * image's CAMs for those classes (kept per image, so only the first click pays CLIP). Clicks
     * teach the cost model nothing: they are not the units it prices.
     *
     * @param selection classes to propose from, or {@code null} for no proposal
     * @param level 0 subpart, 1 part, 2 whole, or {@code null}
     * @param amg mask-generation settings of the quasi-superpixels ({@code level} only)
     */
    public SegmentResult segment(RgbImage image, String imageSha256, SamPrompt prompt, PromptSelection selection,
            Integer level, AmgSettings amg, Progress caller) {
        Progress progress = Progress.both(caller, metrics);
        Map<String, Long> timings = new LinkedHashMap<>();
        boolean[] mask = null;
        float predictedIou = Float.NaN;
        float stability = Float.NaN;
        int samOutput = -1;
        PromptMasks candidates = null;
        boolean embeddingCached = superpixels.embeddings().contains(imageSha256);
        if (level != null) {
            long start = System.nanoTime();
            QuasiSuperpixel under = SuperpixelUnderPoint.find(superpixels.of(image, imageSha256, amg, progress), level,
                    prompt.anchor(), image.width(), image.height());
            timings.put("superpixels", millis(System.nanoTime() - start));
            if (under != null) {
                mask = under.mask().decodeRowMajor();
                predictedIou = under.predictedIou();
                stability = under.stability();
            }
        }
        if (mask == null) {
            long start = System.nanoTime();
            candidates = superpixels.prompts().segment(image, imageSha256, prompt, progress);
            timings.put("sam", millis(System.nanoTime() - start));
            samOutput = level != null ? PromptMasks.ofLevel(level) : candidates.recommended();
            mask = candidates.masks().get(samOutput);
            predictedIou = candidates.predictedIou()[samOutput];
            stability = candidates.stability()[samOutput];
            embeddingCached = candidates.embeddingCached();
        }
        SegmentResult.ClassProposal proposal = null;
        if (selection != null) {
            progress.checkCancelled();
            long start = System.nanoTime();
            String key = imageSha256 + "|" + selection.promptSet().id() + "|" + String.join("\u0000", selection.names());
            CamResult camResult = keptCams.getIfPresent(key);
            boolean camsCached = camResult != null;
            if (camResult == null) {
                camResult = computeCams(image, selection, progress);
                keptCams.put(key, camResult);
            }
            long afterCams = System.nanoTime();
            timings.put("cam", millis(afterCams - start));
            MaskProposal.Scored scored = MaskProposal.score(mask, camResult.refined(), image.height(), image.width(),
                    alphaFor(selection));
            timings.put("proposal", millis(System.nanoTime() - afterCams));
            proposal = new SegmentResult.ClassProposal(selection.names(), scored.classScores(), scored.background(),
                    scored.label(), scored.score(), camsCached);
        }
        return new SegmentResult(image.width(), image.height(), mask, predictedIou, stability, samOutput, level, candidates,
                proposal, embeddingCached, timings);
    }

    /**
     * The work of a click as the caches stand now: CLIP unless the CAMs are kept, the
     * quasi-superpixels of a {@code level} unless cached, and one prompt decoded (plus an encoder
     * pass unless the embedding is kept).
     */
    WorkShape segmentShape(RgbImage image, String imageSha256, PromptSelection selection, Integer level, AmgSettings amg) {
        boolean clip = selection != null && !camsKept(imageSha256, selection);
        int classes = selection == null ? 0 : selection.present();
        boolean embeddingKept = superpixels.embeddings().contains(imageSha256);
        WorkShape superpixelWork = level == null ? shape(image, classes, clip, null, false)
                : shapeNow(image, imageSha256, classes, clip, amg);
        return new WorkShape(superpixelWork.clipTokens(), classes,
                superpixelWork.samPasses() + (embeddingKept || superpixelWork.samPasses() > 0 ? 0 : 1),
                superpixelWork.samPoints() + 1, 0);
    }

    /** Whether the image's CAMs for a selection are kept (a click's proposal would skip CLIP). */
    public boolean camsKept(String imageSha256, PromptSelection selection) {
        return keptCams.getIfPresent(imageSha256 + "|" + selection.promptSet().id() + "|"
                + String.join("\u0000", selection.names())) != null;
    }

    /** The CAM engine, for training, which differentiates through it. */
    public CamEngine cams() {
        return cams;
    }

    public QuasiSuperpixelService superpixels() {
        return superpixels;
    }

    private CamResult computeCams(RgbImage image, PromptSelection selection, Progress progress) {
        return cams.compute(cams.preprocessor().apply(image), selection, CamSettings.forPromptSet(selection.promptSet()),
                progress);
    }

    private static SeedMap sams(List<QuasiSuperpixel> masks, FloatTensor scores, RgbImage image, double alpha,
            Progress progress) {
        progress.checkCancelled();
        progress.planned(Stage.SAMS, 1);
        long start = System.nanoTime();
        SeedMap map = refine(masks, scores, image.height(), image.width(), alpha);
        progress.stageDone(Stage.SAMS, System.nanoTime() - start);
        progress.advanced(Stage.SAMS, 1);
        return map;
    }

    private static long millis(long nanos) {
        return nanos / 1_000_000;
    }
}
