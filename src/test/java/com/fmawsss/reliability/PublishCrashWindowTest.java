package com.fmawsss.reliability;

import com.fmawsss.pipeline.PipelineExecutor;
import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.DemoBundleFixture;
import com.fmawsss.api.jobs.JobFactory;
import com.fmawsss.api.jobs.JobRequests;
import com.fmawsss.bundle.ModelBundle;
import com.fmawsss.cam.CamEngine;
import com.fmawsss.jobs.JobRecord;
import com.fmawsss.jobs.JobRunner;
import com.fmawsss.jobs.JobState;
import com.fmawsss.jobs.JobStore;
import com.fmawsss.scheduler.InferenceScheduler;
import com.fmawsss.scheduler.SchedulerProperties;
import com.fmawsss.pipeline.FmaPipeline;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.prompts.PromptSetFile;
import com.fmawsss.prompts.PromptStore;
import com.fmawsss.sam.AmgProfiles;
import com.fmawsss.sam.QuasiSuperpixelService;
import com.fmawsss.security.DataRoots;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * The narrowest crash window of a training job: the process dies after the job published its
 * prompt version and before the runner recorded the result. The restarted job must accept the
 * version it published itself instead of failing on "version exists".
 */
class PublishCrashWindowTest {

    @Test
    void aTrainingJobResumedAfterPublishingSucceedsWithTheVersionItPublished(@TempDir Path dir) throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Fixtures.writeVoc(data.resolve("voc"), 4, 40);
        ModelBundle bundle = DemoBundleFixture.bundle();
        FmaPipeline pipeline = new FmaPipeline(new CamEngine(bundle), new QuasiSuperpixelService(bundle, 16 << 20, dir.resolve("cache")));
        PromptStore prompts = new PromptStore(dir.resolve("prompts"), bundle.manifest().clip().textWidth());
        JobRequests.TrainingJobRequest request = new JobRequests.TrainingJobRequest(
                new JobRequests.DatasetRequest("voc", "voc", "train"), new JobRequests.Iterations(1, 2), 2, 5L, null, null, null);
        String requestJson = JsonMapper.builder().build().writeValueAsString(request);
        JobStore store = new JobStore(dir.resolve("jobs"));

        try (InferenceScheduler scheduler = new InferenceScheduler("cpu", SchedulerProperties.defaults())) {
            JobFactory factory = new JobFactory(new DataRoots(List.of(data)), prompts, bundle, pipeline.cams(), new PipelineExecutor(pipeline, scheduler),
                    AmgProfiles.named("demo"));
            String id;
            String version;
            try (JobRunner runner = new JobRunner(store, factory::resume, Clock.systemUTC())) {
                id = runner.submit("training", requestJson, factory.training(request)).id();
                JobRecord done = RunnerJobs.awaitFinal(runner, id, Duration.ofSeconds(240));
                assertThat(done.state()).as(done.error()).isEqualTo(JobState.SUCCEEDED);
                version = done.result().get("promptVersion");
            }
            byte[] published = Files.readAllBytes(prompts.directory().resolve(version + PromptStore.VERSION_SUFFIX));

            // What a kill between publishing and recording the result leaves on disk.
            JobRecord done = store.get(id).orElseThrow();
            store.save(new JobRecord(id, done.type(), JobState.RUNNING, done.stage(), done.iteration(), done.iterations(),
                    done.loss(), done.imagesPerSecond(), done.etaSeconds(), done.learningRate(), null, Map.of(), done.request(),
                    done.createdAt(), Instant.now()));

            try (JobRunner restarted = new JobRunner(store, factory::resume, Clock.systemUTC())) {
                assertThat(restarted.recover()).containsExactly(id);
                JobRecord resumed = RunnerJobs.awaitFinal(restarted, id, Duration.ofSeconds(240));
                assertThat(resumed.state()).as(resumed.error()).isEqualTo(JobState.SUCCEEDED);
                assertThat(resumed.result()).containsEntry("promptVersion", version);
            }
            // The published version is untouched and still loads.
            assertThat(Files.readAllBytes(prompts.directory().resolve(version + PromptStore.VERSION_SUFFIX))).isEqualTo(published);
            PromptSet reloaded = new PromptStore(prompts.directory(), bundle.manifest().clip().textWidth()).get(version).orElseThrow();
            assertThat(reloaded.contexts()).isEqualTo(PromptSetFile.read(published).contexts());
        }
    }
}
