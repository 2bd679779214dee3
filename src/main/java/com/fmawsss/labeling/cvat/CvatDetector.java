package com.fmawsss.labeling.cvat;

import com.fmawsss.image.DecodedImage;
import com.fmawsss.image.ImageDecodeException;
import com.fmawsss.image.ImageDecoder;
import com.fmawsss.labeling.Segmenter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Detections of one CVAT frame, answered within the time CVAT waits. CVAT stops a whole-task
 * auto-annotation at the first function call that fails (cvat/apps/lambda_manager/views.py: no
 * retry around the call), so a frame is never answered with an error: every format CVAT serves is
 * decoded ({@link ImageDecoder#forFrames()}), the work waits for capacity and may use a cheaper
 * mask-generation profile ({@link Segmenter.Urgency#WITHIN_TIMEOUT}), and a frame that still cannot
 * be done (undecodable, too large, no profile fits, not started in time) is answered with no
 * detections and the reason, which is logged.
 */
public final class CvatDetector {

    private static final Logger LOG = LoggerFactory.getLogger(CvatDetector.class);

    private final Segmenter segmenter;
    private final ImageDecoder decoder = ImageDecoder.forFrames();
    private final Duration answerWithin;

    /**
     * @param segmenter the inference
     * @param answerWithin the time from a frame's arrival to its answer, inside CVAT's timeout
     */
    public CvatDetector(Segmenter segmenter, Duration answerWithin) {
        this.segmenter = segmenter;
        this.answerWithin = answerWithin;
    }

    /**
     * The answer for a frame.
     *
     * @param detections the shapes
     * @param skipped why the frame has none because it could not be done, or null
     */
    public record Answer(List<CvatDetections.Detection> detections, String skipped) {

        static Answer skipped(String reason) {
            return new Answer(List.of(), reason);
        }
    }

    /**
     * Detects class regions in a frame.
     *
     * @param image the frame's file, as CVAT sent it
     * @param classes validated class names
     * @param arrived {@link System#nanoTime()} when the request arrived
     * @return the answer; never a failed future for a frame that cannot be done
     */
    public CompletableFuture<Answer> detect(byte[] image, List<String> classes, long arrived) {
        DecodedImage decoded;
        try {
            decoded = decoder.decode(image, segmenter.imageLimits());
        } catch (ImageDecodeException e) {
            return CompletableFuture.completedFuture(skip("the frame cannot be used: " + e.getMessage(), e));
        }
        Duration left = answerWithin.minusNanos(System.nanoTime() - arrived);
        CompletableFuture<Answer> answer;
        try {
            answer = segmenter.segment(decoded, classes, null, Segmenter.Urgency.WITHIN_TIMEOUT, left)
                    .thenApply(segmentation -> new Answer(CvatDetections.of(segmentation), null));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(skip(reason(e), e));
        }
        return answer.exceptionally(e -> skip(reason(e), e));
    }

    private static Answer skip(String reason, Throwable cause) {
        LOG.warn("CVAT frame answered without detections: {}", reason);
        LOG.debug("cause", cause);
        return Answer.skipped(reason);
    }

    private static String reason(Throwable e) {
        Throwable cause = e;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return "the frame was not segmented in time: " + message;
    }
}
