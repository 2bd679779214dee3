package com.fmawsss.api.inference;

import com.fmawsss.image.DecodedImage;
import com.fmawsss.image.ImageLimits;
import com.fmawsss.image.LabelMap;
import com.fmawsss.image.LabelMapPng;
import com.fmawsss.problems.ApiProblem;
import com.fmawsss.problems.ProblemTypes;
import com.fmawsss.tensors.FloatTensor;
import com.fmawsss.tensors.Npy;
import com.fmawsss.tensors.NpyArray;
import com.fmawsss.tensors.Npz;
import com.fmawsss.tensors.TensorFormatException;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.web.multipart.MultipartFile;

/**
 * The score maps of {@code /v1/refine}, from either upload form: a float32 {@code [C, H, W]}
 * {@code .npy}/{@code .npz}, or an 8-bit label PNG of the image's size turned into one-hot maps.
 */
final class UploadedScoreMaps {

    private final long maxElements;

    /** @param maxElements most values an uploaded array may declare ({@code fma.api.max-score-elements}) */
    UploadedScoreMaps(long maxElements) {
        this.maxElements = maxElements;
    }

    /** An {@code .npy}, or an {@code .npz} with one array or one named {@code scores}; validated against the class count. */
    FloatTensor fromArray(MultipartFile file, int classes) {
        byte[] bytes = bytes(file, "scores");
        NpyArray array;
        if (bytes.length >= 2 && bytes[0] == 'P' && bytes[1] == 'K') {
            Map<String, NpyArray> arrays = Npz.read(bytes, maxElements);
            array = arrays.containsKey("scores") ? arrays.get("scores")
                    : arrays.size() == 1 ? arrays.values().iterator().next() : null;
            if (array == null) {
                throw new TensorFormatException(".npz with several arrays must name the score map 'scores'");
            }
        } else {
            array = Npy.read(bytes, maxElements);
        }
        return validate(array.toFloatTensor(), classes);
    }

    /** One-hot maps of a label PNG: 0 background, i the i-th class, 255 ignored. */
    FloatTensor fromLabels(MultipartFile file, DecodedImage image, int classes) {
        LabelMap map = LabelMapPng.decode(bytes(file, "labels"), ImageLimits.defaults());
        if (map.width() != image.image().width() || map.height() != image.image().height()) {
            throw new TensorFormatException("the label PNG is " + map.width() + "x" + map.height()
                    + ", the image is " + image.image().width() + "x" + image.image().height());
        }
        int pixels = map.width() * map.height();
        float[] data = new float[classes * pixels];
        int[] labels = map.labels();
        for (int p = 0; p < pixels; p++) {
            int label = labels[p];
            if (label > classes && label != 255) {
                throw new TensorFormatException("label " + label + " has no class: " + classes + " classes were given");
            }
            if (label >= 1 && label <= classes) {
                data[(label - 1) * pixels + p] = 1f;
            }
        }
        return new FloatTensor(new int[] {classes, map.height(), map.width()}, data);
    }

    private static FloatTensor validate(FloatTensor scores, int classes) {
        int[] shape = scores.shape();
        if (shape.length != 3 || shape[0] != classes || shape[1] < 1 || shape[2] < 1) {
            throw new ApiProblem(HttpStatus.UNPROCESSABLE_CONTENT, ProblemTypes.MALFORMED_SCORE_MAP, "Malformed score map",
                    "expected a float32 array of shape [" + classes + ", H, W] (one channel per class), got "
                            + Arrays.toString(shape), Map.of("expectedShape", List.of(classes, "H", "W")));
        }
        for (float v : scores.data()) {
            if (!Float.isFinite(v)) {
                throw ApiProblem.unprocessable(ProblemTypes.MALFORMED_SCORE_MAP, "Malformed score map",
                        "the score map contains NaN or infinite values");
            }
        }
        return scores;
    }

    private static byte[] bytes(MultipartFile file, String part) {
        try {
            return file.getBytes();
        } catch (IOException e) {
            throw ApiProblem.badRequest("the '" + part + "' part could not be read");
        }
    }
}
