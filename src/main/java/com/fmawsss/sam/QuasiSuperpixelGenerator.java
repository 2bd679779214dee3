package com.fmawsss.sam;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fmawsss.image.RgbImage;
import com.fmawsss.masks.CocoRle;
import com.fmawsss.progress.Progress;
import com.fmawsss.progress.Stage;
import com.fmawsss.sam.QuasiSuperpixel;
import java.util.ArrayList;
import java.util.List;
import java.util.Arrays;

/**
 * SAM automatic mask generation with the three FMA-WSSS modifications (spec §4, §8): a point grid
 * over the image and its crops, multimask outputs kept per level (whole/part/subpart) by a
 * level-dependent IoU threshold and the stability score, level-aware NMS (wholes win), crop NMS,
 * small-region removal, then the whole → part → subpart overlap filter. The result, in generator
 * order, are the image's quasi-superpixels.
 */
public final class QuasiSuperpixelGenerator {

    private final SamPredictor predictor;
    private final SamPreprocessor preprocessor;
    private final ImageEmbeddings embeddings;
    private final long upscaleChunkBytes;

    /** A generator that keeps no embeddings (tools and tests). */
    public QuasiSuperpixelGenerator(SamPredictor predictor, SamPreprocessor preprocessor) {
        this(predictor, preprocessor, new ImageEmbeddings(predictor, preprocessor, "", 0));
    }

    /** @param embeddings the kept whole-image embeddings (the first crop is the whole image) */
    public QuasiSuperpixelGenerator(SamPredictor predictor, SamPreprocessor preprocessor, ImageEmbeddings embeddings) {
        this(predictor, preprocessor, embeddings, UPSCALE_CHUNK_BYTES);
    }

    QuasiSuperpixelGenerator(SamPredictor predictor, SamPreprocessor preprocessor, ImageEmbeddings embeddings,
            long upscaleChunkBytes) {
        this.predictor = predictor;
        this.preprocessor = preprocessor;
        this.embeddings = embeddings;
        this.upscaleChunkBytes = upscaleChunkBytes;
    }

    public List<QuasiSuperpixel> generate(RgbImage image, AmgSettings settings) {
        return generate(image, null, settings, Progress.NONE);
    }

    public List<QuasiSuperpixel> generate(RgbImage image, AmgSettings settings, Progress progress) {
        return generate(image, null, settings, progress);
    }

    /**
     * Generates the quasi-superpixels of an image, in generator order. Reports one sam_encode unit
     * per crop and one sam_decode unit per prompt point (with one duration of each per crop; no
     * encoder duration for a whole-image embedding taken from the kept ones), and stops between
     * point batches when the progress says so.
     *
     * @param imageSha256 SHA-256 of the image's encoded bytes, under which its whole-image
     *     embedding is kept; {@code null} to keep nothing (synthetic images)
     */
    public List<QuasiSuperpixel> generate(RgbImage image, String imageSha256, AmgSettings settings, Progress progress) {
        List<CropBoxes.Crop> crops = CropBoxes.generate(image.width(), image.height(), settings.cropNLayers(),
                settings.cropOverlapRatio());
        progress.planned(Stage.SAM_ENCODE, crops.size());
        progress.planned(Stage.SAM_DECODE, pointCount(crops, settings));
        List<MaskCandidate> all = new ArrayList<>();
        for (CropBoxes.Crop crop : crops) {
            progress.checkCancelled();
            all.addAll(processCrop(image, imageSha256, crop, settings, progress));
        }
        if (crops.size() > 1 && !all.isEmpty()) {
            double[] scores = new double[all.size()];
            for (int i = 0; i < scores.length; i++) {
                // SAM: 1 / box_area(crop_box) in float32, so smaller crops win.
                scores[i] = 1f / (float) all.get(i).crop().area();
            }
            all = select(all, StableNms.keep(boxes(all), scores, settings.cropNmsThresh()));
        }
        if (settings.minMaskRegionArea() > 0) {
            all = removeSmallRegions(all, image.width(), image.height(), settings);
        }
        List<QuasiSuperpixel> out = new ArrayList<>();
        for (MaskCandidate c : LevelOverlapFilter.apply(all, settings.overlapFilterThreshold())) {
            out.add(new QuasiSuperpixel(c.mask(), c.level(), c.predictedIou(), c.stability()));
        }
        return out;
    }

    /** Prompt points of all crops: the grid of each crop layer, downscaled per layer. */
    public static long pointCount(List<CropBoxes.Crop> crops, AmgSettings settings) {
        long points = 0;
        for (CropBoxes.Crop crop : crops) {
            long perSide = pointsPerSide(crop, settings);
            points += perSide * perSide;
        }
        return points;
    }

    private static int pointsPerSide(CropBoxes.Crop crop, AmgSettings settings) {
        return settings.pointsPerSide() / (int) Math.pow(settings.cropPointDownscale(), crop.layer());
    }

    private List<MaskCandidate> processCrop(RgbImage image, String imageSha256, CropBoxes.Crop crop, AmgSettings settings,
            Progress progress) {
        // sam_encode covers SAM's preprocessing too (as SamPredictor.set_image does), so sam_decode
        // is the point decoding and mask post-processing alone.
        long encodeStart = System.nanoTime();
        List<MaskCandidate> candidates = new ArrayList<>();
        try (NDManager manager = predictor.newManager()) {
            NDArray embedding;
            SamFrame input;
            boolean encoded = true;
            if (isWhole(crop, image)) {
                ImageEmbeddings.Embedding whole = embeddings.of(manager, image, imageSha256);
                embedding = whole.values();
                input = whole.frame();
                encoded = !whole.cached();
            } else {
                SamInput prepared = preprocessor.prepare(crop(image, crop));
                embedding = predictor.encode(manager, prepared);
                input = prepared.frame();
            }
            long decodeStart = System.nanoTime();
            if (encoded) {
                progress.stageDone(Stage.SAM_ENCODE, decodeStart - encodeStart);
            }
            progress.advanced(Stage.SAM_ENCODE, 1);
            int perSide = pointsPerSide(crop, settings);
            double[] grid = CropBoxes.pointGrid(perSide);
            int points = grid.length / 2;
            double scaleX = (double) input.resizedWidth() / crop.width();
            double scaleY = (double) input.resizedHeight() / crop.height();
            for (int start = 0; start < points; start += settings.pointsPerBatch()) {
                progress.checkCancelled();
                int count = Math.min(settings.pointsPerBatch(), points - start);
                float[] coords = new float[2 * count];
                for (int p = 0; p < count; p++) {
                    // Grid point in crop pixels (SAM: grid * crop size), then apply_coords.
                    double x = grid[2 * (start + p)] * crop.width();
                    double y = grid[2 * (start + p) + 1] * crop.height();
                    coords[2 * p] = (float) (x * scaleX);
                    coords[2 * p + 1] = (float) (y * scaleY);
                }
                try (NDManager batch = manager.newSubManager()) {
                    embedding.tempAttach(batch);
                    candidates.addAll(processBatch(embedding, coords, input, crop, image, settings));
                }
                progress.advanced(Stage.SAM_DECODE, count);
            }
            progress.stageDone(Stage.SAM_DECODE, System.nanoTime() - decodeStart);
        }
        if (candidates.isEmpty()) {
            return candidates;
        }
        double[] scores = new double[candidates.size()];
        for (int i = 0; i < scores.length; i++) {
            MaskCandidate c = candidates.get(i);
            scores[i] = c.predictedIou() + (float) settings.levelNmsBonus()[c.level()];
        }
        return select(candidates, StableNms.keep(boxes(candidates), scores, settings.boxNmsThresh()));
    }

    /**
     * Most bytes of upscaled logits formed at once. SAM's post-processing upscales every kept mask
     * to the image ({@code [K, 1, H, W]} float32, plus two thresholded copies for the stability
     * score): hundreds of MB for a whole point batch, which glibc malloc serves with fresh
     * mappings that page-fault in every time. Chunks this size stay in memory the allocator keeps;
     * the result is the same mask for mask.
     */
    static final long UPSCALE_CHUNK_BYTES = 32L << 20;

    private List<MaskCandidate> processBatch(
            NDArray embedding, float[] coords, SamFrame input, CropBoxes.Crop crop, RgbImage image, AmgSettings settings) {
        NDList decoded = predictor.decode(embedding, coords);
        NDArray lowRes = decoded.get(0);
        float[] iou = decoded.get(1).toType(DataType.FLOAT32, false).toFloatArray();
        int perPoint = 3;
        List<Integer> kept = new ArrayList<>();
        for (int i = 0; i < iou.length; i++) {
            if (iou[i] > (float) settings.iouThreshold(i % perPoint)) {
                kept.add(i);
            }
        }
        if (kept.isEmpty()) {
            return List.of();
        }
        int[] keptRows = kept.stream().mapToInt(Integer::intValue).toArray();
        long lowResSize = lowRes.getShape().get(2);
        NDArray flat = lowRes.reshape(iou.length, 1, lowResSize, lowResSize);
        int w = crop.width();
        int h = crop.height();
        int perChunk = (int) Math.max(1, Math.min(keptRows.length, upscaleChunkBytes / (4L * w * h)));
        List<MaskCandidate> out = new ArrayList<>();
        for (int from = 0; from < keptRows.length; from += perChunk) {
            int[] rows = Arrays.copyOfRange(keptRows, from, Math.min(keptRows.length, from + perChunk));
            try (NDManager chunk = flat.getManager().newSubManager()) {
                NDArray selected = SamPredictor.rows(flat, rows);
                selected.attach(chunk);
                NDArray logits = predictor.upscale(selected, input);
                float[] stability = SamPredictor.stability(logits, settings.maskThreshold(), settings.stabilityOffset());
                List<Integer> stable = new ArrayList<>();
                for (int k = 0; k < rows.length; k++) {
                    if (stability[k] >= (float) settings.stabilityThresh()) {
                        stable.add(k);
                    }
                }
                if (stable.isEmpty()) {
                    continue;
                }
                int[] stableRows = stable.stream().mapToInt(Integer::intValue).toArray();
                boolean[] masks = SamPredictor.rows(logits, stableRows).gt(settings.maskThreshold()).toBooleanArray();
                for (int s = 0; s < stableRows.length; s++) {
                    boolean[] mask = Arrays.copyOfRange(masks, s * w * h, (s + 1) * w * h);
                    int[] box = Boxes.ofMask(mask, w, h);
                    int[] uncropped = {box[0] + crop.x0(), box[1] + crop.y0(), box[2] + crop.x0(), box[3] + crop.y0()};
                    if (Boxes.nearCropEdge(uncropped, crop, image.width(), image.height())) {
                        continue;
                    }
                    int row = rows[stableRows[s]];
                    out.add(new MaskCandidate(uncrop(mask, crop, image), uncropped, row % perPoint, iou[row],
                            stability[stableRows[s]], crop));
                }
            }
        }
        return out;
    }

    private List<MaskCandidate> removeSmallRegions(List<MaskCandidate> candidates, int width, int height, AmgSettings settings) {
        List<MaskCandidate> cleaned = new ArrayList<>();
        double[] scores = new double[candidates.size()];
        for (int i = 0; i < candidates.size(); i++) {
            MaskCandidate c = candidates.get(i);
            boolean[] mask = c.mask().decodeRowMajor();
            SmallRegions.Result holes = SmallRegions.fillHoles(mask, width, height, settings.minMaskRegionArea());
            SmallRegions.Result islands = SmallRegions.removeIslands(holes.mask(), width, height, settings.minMaskRegionArea());
            boolean changed = holes.changed() || islands.changed();
            scores[i] = changed ? 0.0 : 1.0;
            cleaned.add(changed
                    ? c.withMask(CocoRle.encode(islands.mask(), height, width), Boxes.ofMask(islands.mask(), width, height))
                    : c);
        }
        double threshold = Math.max(settings.boxNmsThresh(), settings.cropNmsThresh());
        return select(cleaned, StableNms.keep(boxes(cleaned), scores, threshold));
    }

    private static boolean isWhole(CropBoxes.Crop crop, RgbImage image) {
        return crop.x0() == 0 && crop.y0() == 0 && crop.width() == image.width() && crop.height() == image.height();
    }

    private static CocoRle uncrop(boolean[] mask, CropBoxes.Crop crop, RgbImage image) {
        if (isWhole(crop, image)) {
            return CocoRle.encode(mask, image.height(), image.width());
        }
        boolean[] full = new boolean[image.width() * image.height()];
        for (int y = 0; y < crop.height(); y++) {
            System.arraycopy(mask, y * crop.width(), full, (y + crop.y0()) * image.width() + crop.x0(), crop.width());
        }
        return CocoRle.encode(full, image.height(), image.width());
    }

    private static RgbImage crop(RgbImage image, CropBoxes.Crop crop) {
        if (isWhole(crop, image)) {
            return image;
        }
        byte[] rgb = new byte[crop.width() * crop.height() * 3];
        byte[] src = image.rgb();
        for (int y = 0; y < crop.height(); y++) {
            System.arraycopy(src, ((y + crop.y0()) * image.width() + crop.x0()) * 3, rgb, y * crop.width() * 3, crop.width() * 3);
        }
        return new RgbImage(crop.width(), crop.height(), rgb);
    }

    private static List<int[]> boxes(List<MaskCandidate> candidates) {
        return candidates.stream().map(MaskCandidate::box).toList();
    }

    private static List<MaskCandidate> select(List<MaskCandidate> candidates, int[] indices) {
        List<MaskCandidate> out = new ArrayList<>(indices.length);
        for (int i : indices) {
            out.add(candidates.get(i));
        }
        return out;
    }
}
