package com.fmawsss.labeling.cvat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.cam.SyntheticImages;
import com.fmawsss.image.DecodedImage;
import com.fmawsss.labeling.Segmentation;
import com.fmawsss.labeling.Segmenter;
import com.fmawsss.labeling.StubSegmenter;
import com.fmawsss.problems.ApiProblem;
import com.fmawsss.problems.ProblemTypes;
import com.fmawsss.scheduler.InferenceTimeoutException;
import com.fmawsss.scheduler.Priority;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A CVAT frame is answered, never failed: detections when it is segmented, an empty list with the
 * reason when it cannot be (undecodable, no profile fits the time left, not started in time); the
 * work asks to wait within the time CVAT leaves.
 */
class CvatDetectorTest {

    final List<Segmenter.Urgency> urgencies = new ArrayList<>();
    final List<Duration> timeouts = new ArrayList<>();

    Segmenter segmenter(Supplier<CompletableFuture<Segmentation>> answer) {
        return new StubSegmenter() {
            @Override
            public CompletableFuture<Segmentation> segment(DecodedImage image, List<String> classes, String promptVersion, Urgency urgency,
                    Duration timeout) {
                urgencies.add(urgency);
                timeouts.add(timeout);
                return answer.get();
            }
        };
    }

    static Segmentation leftHalfCat(int w, int h) {
        int[] labels = new int[w * h];
        for (int p = 0; p < labels.length; p++) {
            labels[p] = p % w < w / 2 ? 1 : 0;
        }
        return new Segmentation(w, h, labels, List.of("cat"), Map.of("cat", 0.9), "manual-voc");
    }

    @Test
    void aFrameIsSegmentedWithinTheTimeLeft() {
        CvatDetector detector = new CvatDetector(segmenter(() -> CompletableFuture.completedFuture(leftHalfCat(32, 24))),
                Duration.ofSeconds(100));
        long arrived = System.nanoTime() - Duration.ofSeconds(30).toNanos();
        CvatDetector.Answer answer = detector.detect(SyntheticImages.discsPng(32, 24, 1), List.of("cat"), arrived).join();
        assertThat(answer.skipped()).isNull();
        assertThat(answer.detections()).singleElement().satisfies(d -> assertThat(d.label()).isEqualTo("cat"));
        assertThat(urgencies).containsExactly(Segmenter.Urgency.WITHIN_TIMEOUT);
        // 100 s from arrival, 30 s of which were spent before the frame reached the detector.
        assertThat(timeouts.getFirst()).isLessThanOrEqualTo(Duration.ofSeconds(70)).isGreaterThan(Duration.ofSeconds(60));
    }

    @Test
    void framesThatCannotBeDoneAreEmptyAnswersWithTheReason() {
        CvatDetector tooSlow = new CvatDetector(segmenter(() -> {
            throw ApiProblem.unprocessable(ProblemTypes.TOO_SLOW_FOR_SYNC, "Too slow", "this request would take about 300 s");
        }), Duration.ofSeconds(100));
        CvatDetector.Answer slow = tooSlow.detect(SyntheticImages.discsPng(32, 24, 1), List.of("cat"), System.nanoTime()).join();
        assertThat(slow.detections()).isEmpty();
        assertThat(slow.skipped()).contains("about 300 s");

        CvatDetector notStarted = new CvatDetector(segmenter(() -> CompletableFuture.failedFuture(
                new InferenceTimeoutException(Priority.INTERACTIVE, Duration.ofSeconds(99), false))), Duration.ofSeconds(100));
        CvatDetector.Answer late = notStarted.detect(SyntheticImages.discsPng(32, 24, 1), List.of("cat"), System.nanoTime()).join();
        assertThat(late.detections()).isEmpty();
        assertThat(late.skipped()).startsWith("the frame was not segmented in time: ");

        CvatDetector.Answer corrupt = notStarted.detect("not an image".getBytes(), List.of("cat"), System.nanoTime()).join();
        assertThat(corrupt.detections()).isEmpty();
        assertThat(corrupt.skipped()).startsWith("the frame cannot be used");
        assertThat(urgencies).hasSize(2);
    }
}
