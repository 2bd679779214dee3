package com.fmawsss.training;

import com.fmawsss.pipeline.PipelineExecutor;
import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.NumericAssertions;
import com.fmawsss.DemoBundleFixture;
import com.fmawsss.cam.CamEngine;
import com.fmawsss.cam.SyntheticImages;
import com.fmawsss.image.LabelMapPng;
import com.fmawsss.image.RgbImages;
import com.fmawsss.jobs.JobRecord;
import com.fmawsss.jobs.JobRunner;
import com.fmawsss.jobs.JobState;
import com.fmawsss.jobs.JobStore;
import com.fmawsss.scheduler.InferenceScheduler;
import com.fmawsss.scheduler.SchedulerProperties;
import com.fmawsss.pipeline.FmaPipeline;
import com.fmawsss.prompts.PromptKind;
import com.fmawsss.prompts.PromptLayout;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.sam.AmgProfiles;
import com.fmawsss.sam.QuasiSuperpixelService;
import com.fmawsss.datasets.VocDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three-stage prompt training on a tiny VOC-layout dataset, and resume after a crash. */
class TrainingJobTest {

    private static final TrainingSettings SMALL = new TrainingSettings(3, 4, 2, 5, PromptLayout.VOC, 16, 2, 64, false);

    private static VocDataset dataset(Path root) throws Exception {
        Files.createDirectories(root.resolve("JPEGImages"));
        Files.createDirectories(root.resolve("SegmentationClass"));
        Files.createDirectories(root.resolve("ImageSets/Segmentation"));
        StringBuilder ids = new StringBuilder();
        int[][] classes = {{8}, {12}, {8, 15}, {15}};
        for (int i = 0; i < classes.length; i++) {
            String id = "s" + i;
            ImageIO.write(RgbImages.toBufferedImage(SyntheticImages.discs(80, 60, 90 + i)), "png",
                    root.resolve("JPEGImages/" + id + ".jpg").toFile());
            int[] labels = new int[80 * 60];
            for (int p = 0; p < labels.length; p++) {
                labels[p] = (p % 80) < 40 ? classes[i][0] : classes[i][classes[i].length - 1];
            }
            Files.write(root.resolve("SegmentationClass/" + id + ".png"), LabelMapPng.encode(labels, 80, 60));
            ids.append(id).append('\n');
        }
        Files.writeString(root.resolve("ImageSets/Segmentation/train.txt"), ids.toString());
        return VocDataset.open(root, "train");
    }

    private static TrainingJob job(VocDataset data, Path dir, List<PromptSet> published, InferenceScheduler scheduler) {
        return job(data, dir, published, scheduler, SMALL);
    }

    private static TrainingJob job(VocDataset data, Path dir, List<PromptSet> published, InferenceScheduler scheduler,
            TrainingSettings settings) {
        FmaPipeline pipeline = new FmaPipeline(new CamEngine(DemoBundleFixture.bundle()),
                new QuasiSuperpixelService(DemoBundleFixture.bundle(), 16 << 20, dir.resolve("cache")));
        return new TrainingJob(data, settings, DemoBundleFixture.bundle(), pipeline.cams(), new PipelineExecutor(pipeline, scheduler),
                AmgProfiles.named("demo"), set -> {
            published.add(set);
            return set.id();
        });
    }

    private static JobRecord await(JobRunner runner, String id, JobState state) throws InterruptedException {
        for (int i = 0; i < 3000; i++) {
            JobRecord record = runner.get(id).orElseThrow();
            if (record.state() == state) {
                return record;
            }
            assertThat(record.state() == JobState.FAILED).as(String.valueOf(record.error())).isFalse();
            Thread.sleep(100);
        }
        throw new AssertionError("job did not reach " + state);
    }

    @Test
    void threeStagesProduceASegmentationPromptVersionAndAResumedRunEndsTheSame(@TempDir Path dir) throws Exception {
        VocDataset data = dataset(dir.resolve("voc"));
        List<PromptSet> uninterrupted = new CopyOnWriteArrayList<>();
        try (InferenceScheduler scheduler = new InferenceScheduler("cpu", SchedulerProperties.defaults());
                JobRunner runner = new JobRunner(new JobStore(dir.resolve("jobs-a")), r -> Optional.empty(), Clock.systemUTC())) {
            JobRecord done = await(runner, runner.submit("training", "{}", job(data, dir.resolve("a"), uninterrupted, scheduler)).id(),
                    JobState.SUCCEEDED);
            assertThat(done.result()).containsKey("promptVersion");
            assertThat(done.stage()).isEqualTo("segmentation");
            assertThat(done.iteration()).isEqualTo(4);
        }
        assertThat(uninterrupted).hasSize(1);
        PromptSet trained = uninterrupted.get(0);
        assertThat(trained.kind()).isEqualTo(PromptKind.SEGMENTATION);
        assertThat(trained.labelFirst()).isTrue();
        assertThat(trained.info()).containsKey("parent").containsKey("metrics.coarseSeedMIoU");

        // Crash in the middle of the segmentation stage, then restart on the same directories.
        List<PromptSet> resumed = new CopyOnWriteArrayList<>();
        Path jobs = dir.resolve("jobs-b");
        try (InferenceScheduler scheduler = new InferenceScheduler("cpu", SchedulerProperties.defaults())) {
            JobRunner crashing = new JobRunner(new JobStore(jobs), r -> Optional.empty(), Clock.systemUTC());
            String id = crashing.submit("training", "{}", job(data, dir.resolve("b"), resumed, scheduler)).id();
            for (int i = 0; i < 3000; i++) {
                JobRecord r = crashing.get(id).orElseThrow();
                if ("segmentation".equals(r.stage()) && r.iteration() >= 2) {
                    break;
                }
                Thread.sleep(20);
            }
            crashing.close();
            assertThat(resumed).isEmpty();
            try (JobRunner restarted = new JobRunner(new JobStore(jobs),
                    r -> Optional.of(job(data, dir.resolve("b"), resumed, scheduler)), Clock.systemUTC())) {
                assertThat(restarted.recover()).containsExactly(id);
                await(restarted, id, JobState.SUCCEEDED);
            }
        }
        assertThat(resumed).hasSize(1);
        for (String name : trained.contexts().keySet()) {
            NumericAssertions.assertRelativeClose("resumed " + name, trained.contexts().get(name).data(),
                    resumed.get(0).contexts().get(name).data(), 1e-5);
        }
    }

    @Test
    void theJointLossOptionAddsMclToTheSegmentationStage(@TempDir Path dir) throws Exception {
        VocDataset data = dataset(dir.resolve("voc"));
        TrainingSettings short1 = new TrainingSettings(1, 2, 2, 5, PromptLayout.VOC, 16, 2, 64, false);
        TrainingSettings joint = new TrainingSettings(1, 2, 2, 5, PromptLayout.VOC, 16, 2, 64, true);
        List<PromptSet> official = new CopyOnWriteArrayList<>();
        List<PromptSet> withMcl = new CopyOnWriteArrayList<>();
        try (InferenceScheduler scheduler = new InferenceScheduler("cpu", SchedulerProperties.defaults());
                JobRunner runner = new JobRunner(new JobStore(dir.resolve("jobs")), r -> Optional.empty(), Clock.systemUTC())) {
            await(runner, runner.submit("training", "{}", job(data, dir.resolve("o"), official, scheduler, short1)).id(), JobState.SUCCEEDED);
            await(runner, runner.submit("training", "{}", job(data, dir.resolve("j"), withMcl, scheduler, joint)).id(), JobState.SUCCEEDED);
        }
        float[] a = official.get(0).contexts().get(PromptSet.FOREGROUND).data();
        float[] b = withMcl.get(0).contexts().get(PromptSet.FOREGROUND).data();
        assertThat(b).isNotEqualTo(a);
    }
}
