package com.fmawsss.bulkseeding;

import com.fmawsss.pipeline.PipelineExecutor;
import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.DemoBundleFixture;
import com.fmawsss.cam.CamEngine;
import com.fmawsss.cam.SyntheticImages;
import com.fmawsss.image.ImageDecoder;
import com.fmawsss.image.ImageLimits;
import com.fmawsss.image.LabelMap;
import com.fmawsss.image.LabelMapPng;
import com.fmawsss.image.RgbImages;
import com.fmawsss.jobs.JobRecord;
import com.fmawsss.jobs.JobRunner;
import com.fmawsss.jobs.JobState;
import com.fmawsss.jobs.JobStore;
import com.fmawsss.scheduler.InferenceScheduler;
import com.fmawsss.scheduler.SchedulerProperties;
import com.fmawsss.pipeline.FmaPipeline;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.prompts.Vocabulary;
import com.fmawsss.sam.AmgProfiles;
import com.fmawsss.sam.QuasiSuperpixelService;
import com.fmawsss.datasets.VocDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A seed job over a small dataset in the real VOC layout, through the job runner. */
class SeedJobTest {

    @Test
    void writesPseudoLabelsReportsMiouAndResumesWithoutRedoingWork(@TempDir Path dir) throws Exception {
        Path voc = dir.resolve("VOC2012");
        Files.createDirectories(voc.resolve("JPEGImages"));
        Files.createDirectories(voc.resolve("SegmentationClass"));
        Files.createDirectories(voc.resolve("ImageSets/Segmentation"));
        StringBuilder ids = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            String id = "img" + i;
            ImageIO.write(RgbImages.toBufferedImage(SyntheticImages.discs(64, 48, 70 + i)), "jpeg",
                    voc.resolve("JPEGImages/" + id + ".jpg").toFile());
            int[] labels = new int[64 * 48];
            for (int p = 0; p < labels.length; p++) {
                labels[p] = (p % 64) < 32 ? 8 : (i == 0 ? 12 : 0); // cat (8) left half; dog (12) right in img0
            }
            Files.write(voc.resolve("SegmentationClass/" + id + ".png"), LabelMapPng.encode(labels, 64, 48));
            ids.append(id).append('\n');
        }
        Files.writeString(voc.resolve("ImageSets/Segmentation/train.txt"), ids.toString());
        VocDataset dataset = VocDataset.open(voc, "train");
        assertThat(dataset.samples()).hasSize(3);

        FmaPipeline pipeline = new FmaPipeline(new CamEngine(DemoBundleFixture.bundle()),
                new QuasiSuperpixelService(DemoBundleFixture.bundle(), 16 << 20, dir.resolve("cache")));
        Path out = dir.resolve("seeds");
        try (InferenceScheduler scheduler = new InferenceScheduler("cpu", SchedulerProperties.defaults());
                JobRunner runner = new JobRunner(new JobStore(dir.resolve("jobs")), r -> Optional.empty(), Clock.systemUTC())) {
            SeedJob job = new SeedJob(dataset, PromptSet.manual(Vocabulary.voc()), out, new PipelineExecutor(pipeline, scheduler),
                    AmgProfiles.named("demo"), new ImageDecoder());
            JobRecord first = await(runner, runner.submit("seed", "{}", job).id());
            assertThat(first.result()).containsEntry("written", "3").containsEntry("skipped", "0").containsKey("mIoU");
            double miou = Double.parseDouble(first.result().get("mIoU"));
            assertThat(first.result().get("perClassIoU")).contains("cat").contains("background");
            assertThat(miou).isBetween(0.0, 1.0);
            for (int i = 0; i < 3; i++) {
                LabelMap seeds = LabelMapPng.decode(Files.readAllBytes(out.resolve("img" + i + ".png")), ImageLimits.defaults());
                assertThat(seeds.width()).isEqualTo(64);
                // Only the image's own labels (and background) can appear.
                assertThat(java.util.Arrays.stream(seeds.labels()).allMatch(l -> l == 0 || l == 8 || l == 12)).isTrue();
            }
            long before = pipeline.superpixels().predictor().encoderRuns();
            JobRecord again = await(runner, runner.submit("seed", "{}", job).id());
            assertThat(again.result()).containsEntry("written", "0").containsEntry("skipped", "3");
            assertThat(again.result().get("mIoU")).isEqualTo(first.result().get("mIoU"));
            assertThat(pipeline.superpixels().predictor().encoderRuns()).isEqualTo(before);
        }
        try (var files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("img0.png", "img1.png", "img2.png");
        }
    }

    private static JobRecord await(JobRunner runner, String id) throws InterruptedException {
        for (int i = 0; i < 1200; i++) {
            JobRecord record = runner.get(id).orElseThrow();
            if (record.state().isFinal()) {
                assertThat(record.state()).as(String.valueOf(record.error())).isEqualTo(JobState.SUCCEEDED);
                return record;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("seed job did not finish");
    }
}
