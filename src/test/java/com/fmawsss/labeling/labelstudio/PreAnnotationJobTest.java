package com.fmawsss.labeling.labelstudio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fmawsss.image.DecodedImage;
import com.fmawsss.image.ImageDecoder;
import com.fmawsss.image.RgbImages;
import com.fmawsss.cam.SyntheticImages;
import com.fmawsss.labeling.Segmentation;
import com.fmawsss.labeling.Segmenter;
import com.fmawsss.labeling.StubSegmenter;
import com.fmawsss.jobs.JobCancelledException;
import com.fmawsss.jobs.JobContext;
import com.fmawsss.jobs.JobRecord;
import com.fmawsss.security.GuardedHttpClient;
import com.fmawsss.security.OutboundPolicy;
import com.fmawsss.security.OutboundRequestException;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The project pre-annotation job against the fake Label Studio, with a stub segmentation (this
 * test is about paging, skipping, retries and resumption, not the model): a run cut short by a
 * restart resumes from its checkpoint and no task receives two predictions.
 */
class PreAnnotationJobTest {

    static final String KEY = "legacy-token-0123";
    static final String CONFIG = "<View><Image name=\"image\" value=\"$image\"/><BrushLabels name=\"tag\" toName=\"image\">"
            + "<Label value=\"Cat\"/></BrushLabels></View>";

    /** Short waits, so retries take milliseconds; the patience is generous. */
    static final Backoff BACKOFF = new Backoff(Duration.ofMillis(5), Duration.ofMillis(20), Duration.ofMinutes(2));

    FakeLabelStudio ls;
    LabelStudioClient client;
    LabelStudioPredictor predictor;
    final AtomicInteger segmentations = new AtomicInteger();

    /** Labels the left half of every image as the first class. */
    final Segmenter stub = new StubSegmenter() {
        @Override
        public CompletableFuture<Segmentation> segment(DecodedImage image, List<String> classes, String promptVersion,
                Urgency urgency, Duration timeout) {
            segmentations.incrementAndGet();
            int w = image.image().width();
            int h = image.image().height();
            int[] labels = new int[w * h];
            for (int p = 0; p < labels.length; p++) {
                labels[p] = p % w < w / 2 ? 1 : 0;
            }
            return CompletableFuture.completedFuture(new Segmentation(w, h, labels, classes, Map.of(classes.getFirst(), 0.75),
                    promptVersion));
        }
    };

    @BeforeEach
    void start() throws Exception {
        ls = FakeLabelStudio.start(KEY);
        byte[] png = SyntheticImages.discsPng(20, 10, 1);
        ls.project(5, CONFIG);
        for (long id = 1; id <= 7; id++) {
            ls.file("/data/upload/5/t" + id + ".png", png);
            if (id == 3) {
                ls.task(5, id, Map.of("image", "/data/upload/5/t3.png"), "stub-manual-voc");
            } else if (id == 6) {
                ls.task(5, id, Map.of("image", "/data/upload/5/missing.png"));
            } else {
                ls.task(5, id, Map.of("image", "/data/upload/5/t" + id + ".png"), "some-older-model");
            }
        }
        OutboundPolicy policy = new OutboundPolicy(List.of("127.0.0.1", "localhost"), true, false, OutboundPolicy.systemResolver());
        GuardedHttpClient http = new GuardedHttpClient(policy, Duration.ofSeconds(2), Duration.ofSeconds(5), 3);
        URI base = URI.create(ls.url());
        client = new LabelStudioClient(base, http, new LabelStudioAuth(base, KEY, http, Clock.systemUTC()), new RateLimiter(200),
                1_000_000);
        LabelStudioProperties properties = LabelStudioOutboundTest.properties(Map.of("url", base.toString(), "api-key", KEY,
                "page-size", "3"));
        predictor = new LabelStudioPredictor(stub, new ImageDecoder(), properties);
    }

    PreAnnotationJob job(long project) {
        return new PreAnnotationJob(project, "manual-voc", client, predictor, 3, Duration.ofSeconds(30), BACKOFF);
    }

    @AfterEach
    void stop() {
        ls.close();
    }

    /** A job context whose "process" dies (as on a restart) once {@code killAfter} tasks were checked. */
    static final class Context implements JobContext {
        final Path dir;
        final int killAfter;
        final List<JobRecord.ProgressReport> reports = new ArrayList<>();
        int checks;

        Context(Path dir, int killAfter) {
            this.dir = dir;
            this.killAfter = killAfter;
        }

        @Override
        public String id() {
            return "job1";
        }

        @Override
        public Path workDirectory() {
            return dir;
        }

        @Override
        public void progress(JobRecord.ProgressReport progress) {
            reports.add(progress);
        }

        @Override
        public void checkCancelled() {
            if (++checks > killAfter) {
                throw new JobCancelledException();
            }
        }
    }

    @Test
    void runsAllPagesSkipsCurrentPredictionsAndResumesAfterARestart(@TempDir Path dir) throws Exception {
        PreAnnotationJob job = job(5);
        ls.failNextPredictionPosts(1);
        assertThatThrownBy(() -> job.run(new Context(dir, 5))).isInstanceOf(JobCancelledException.class);
        int postedBeforeRestart = ls.predictions().size();
        assertThat(postedBeforeRestart).isBetween(1, 4);

        Context second = new Context(dir, Integer.MAX_VALUE);
        Map<String, String> result = job(5).run(second);

        assertThat(result).containsEntry("predicted", "5").containsEntry("skipped", "1").containsEntry("failed", "1")
                .containsEntry("modelVersion", "stub-manual-voc");
        assertThat(result.get("errors")).contains("task 6", "HTTP 404");
        List<Long> tasks = ls.predictions().stream().map(p -> p.path("task").asLong()).toList();
        assertThat(tasks).containsExactlyInAnyOrder(1L, 2L, 4L, 5L, 7L);
        assertThat(tasks).doesNotHaveDuplicates();
        assertThat(ls.predictions()).allSatisfy(p -> {
            assertThat(p.path("model_version").asString()).isEqualTo("stub-manual-voc");
            assertThat(p.path("result").get(0).path("type").asString()).isEqualTo("brushlabels");
            assertThat(p.path("result").get(0).path("value").path("brushlabels").get(0).asString()).isEqualTo("Cat");
            boolean[] mask = BrushRle.decodeMask(toInts(p.path("result").get(0).path("value").path("rle")), 20, 10);
            for (int i = 0; i < mask.length; i++) {
                assertThat(mask[i]).isEqualTo(i % 20 < 10);
            }
        });
        JobRecord.ProgressReport last = second.reports.getLast();
        assertThat(last.iteration()).isEqualTo(7);
        assertThat(last.iterations()).isEqualTo(7);
        // Pages of 3 and a total of 7: three pages, the API is never asked past the end.
        assertThat(ls.seen().stream().filter(s -> s.path().startsWith("/api/tasks/")).map(FakeLabelStudio.Seen::path).distinct())
                .allSatisfy(path -> assertThat(path).doesNotContain("page=4"));

        // Re-running posts nothing: every task now has a prediction of this model version.
        Map<String, String> again = job(5)
                .run(new Context(dir.resolve("again"), Integer.MAX_VALUE));
        assertThat(again).containsEntry("predicted", "0").containsEntry("skipped", "6").containsEntry("failed", "1");
        assertThat(ls.predictions()).hasSize(5);
        // The API key only ever went to Label Studio.
        assertThat(ls.seen()).allSatisfy(s -> assertThat(s.authorization()).isEqualTo("Token " + KEY));
    }

    @Test
    void cloudStorageAndCloudBackedUploadsArePredictedFromTheirStoredUris(@TempDir Path dir) throws Exception {
        byte[] png = SyntheticImages.discsPng(20, 10, 2);
        ls.uploads(FakeLabelStudio.Uploads.CLOUD_WITHOUT_NGINX);
        ls.project(8, CONFIG);
        ls.storage(8, "s3://photos", true);
        ls.storage(8, "gs://scans", false);
        ls.cloud("s3://photos/cats/a 1.png", png);
        ls.cloud("gs://scans/b.png", png);
        ls.file("/data/upload/8/c.png", png);
        ls.task(8, 81, Map.of("image", "s3://photos/cats/a 1.png"));
        ls.task(8, 82, Map.of("image", "gs://scans/b.png"));
        ls.task(8, 83, Map.of("image", "upload/8/c.png"));
        Map<String, String> result = job(8).run(new Context(dir, Integer.MAX_VALUE));
        assertThat(result).as(result.toString()).containsEntry("predicted", "3").containsEntry("failed", "0");
        assertThat(ls.seen()).filteredOn(s -> s.path().startsWith("/api/tasks/"))
                .allSatisfy(s -> assertThat(s.path()).contains("resolve_uri=false", "fields=task_only", "page_size=3"));
        // Tasks Label Studio counts no prediction for are never asked about.
        assertThat(ls.seen()).noneMatch(s -> s.path().startsWith("/api/predictions/?task="));
    }

    @Test
    void aBusyLabelStudioSlowsTheJobDownWithoutFailingIt(@TempDir Path dir) throws Exception {
        ls.busyTaskPages(6);
        ls.failNextPredictionPosts(5);
        Map<String, String> result = job(5).run(new Context(dir, Integer.MAX_VALUE));
        assertThat(result).containsEntry("predicted", "5").containsEntry("skipped", "1").containsEntry("failed", "1");
        assertThat(ls.seen().stream().filter(s -> s.path().startsWith("/api/tasks/") && s.path().contains("page=1&"))).hasSize(7);
        // Only tasks holding predictions (of other versions) were asked about.
        assertThat(ls.seen().stream().filter(s -> s.path().startsWith("/api/predictions/?task=")).map(FakeLabelStudio.Seen::path))
                .containsExactlyInAnyOrder("/api/predictions/?task=1", "/api/predictions/?task=2", "/api/predictions/?task=3",
                        "/api/predictions/?task=4", "/api/predictions/?task=5", "/api/predictions/?task=7");
    }

    @Test
    void aLabelStudioThatStaysDownFailsTheJobOncePatienceIsSpent(@TempDir Path dir) {
        ls.busyTaskPages(Integer.MAX_VALUE);
        PreAnnotationJob impatient = new PreAnnotationJob(5, "manual-voc", client, predictor, 3, Duration.ofSeconds(30),
                new Backoff(Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(200)));
        assertThatThrownBy(() -> impatient.run(new Context(dir, Integer.MAX_VALUE))).isInstanceOf(OutboundRequestException.class)
                .hasMessageContaining("HTTP 503");
    }

    @Test
    void aProjectWithoutUsableControlFailsTheJob(@TempDir Path dir) {
        ls.project(9, "<View><Image name=\"image\" value=\"$image\"/></View>");
        PreAnnotationJob job = job(9);
        assertThatThrownBy(() -> job.run(new Context(dir, Integer.MAX_VALUE))).isInstanceOf(LabelConfigException.class)
                .hasMessageContaining("no BrushLabels or PolygonLabels");
    }

    static int[] toInts(tools.jackson.databind.JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
