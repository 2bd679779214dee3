package com.fmawsss.training;

import com.fmawsss.clip.PromptSelection;
import com.fmawsss.image.DecodedImage;
import com.fmawsss.image.ImageDecoder;
import com.fmawsss.image.ImageLimits;
import com.fmawsss.image.LabelMap;
import com.fmawsss.jobs.Job;
import com.fmawsss.jobs.JobCancelledException;
import com.fmawsss.jobs.JobContext;
import com.fmawsss.jobs.JobRecord;
import com.fmawsss.ops.scheduler.InferenceScheduler;
import com.fmawsss.ops.scheduler.Priority;
import com.fmawsss.ops.scheduler.TaskSpec;
import com.fmawsss.pipeline.SeedPipeline;
import com.fmawsss.pipeline.SeedResult;
import com.fmawsss.progress.Progress;
import com.fmawsss.progress.WorkCancelledException;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.sam.AmgSettings;
import com.fmawsss.training.data.Dataset;
import com.fmawsss.training.data.TrainingSample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;

/**
 * Bulk seed generation of the admin API (spec §5 seed jobs): writes a VOC-style palette PNG
 * {@code <id>.png} of vocabulary labels (0 background, c + 1 for class c) for every sample through
 * {@link SampleSeeder}, skipping samples whose PNG already exists so an interrupted job resumes
 * where it stopped. When ground truth exists the job reports the confusion-matrix mIoU of all seeds
 * (written or found). The batch command ({@code seed-batch}) shares the per-sample part.
 */
public final class SeedJob implements Job {

    /** A bulk image waits behind requests, never cut off while it runs. */
    private static final Duration QUEUE_TIMEOUT = Duration.ofDays(1);

    private final Dataset dataset;
    private final PromptSet prompts;
    private final Path output;
    private final SeedPipeline pipeline;
    private final InferenceScheduler scheduler;
    private final AmgSettings amg;
    private final ImageDecoder decoder;

    /**
     * Creates the job.
     *
     * @param dataset the samples with image-level labels
     * @param prompts the prompt version
     * @param output directory of the pseudo labels
     * @param pipeline the seed pipeline
     * @param scheduler the device's scheduler (the job runs at background priority)
     * @param amg mask-generation settings
     * @param decoder image decoding
     */
    public SeedJob(Dataset dataset, PromptSet prompts, Path output, SeedPipeline pipeline, InferenceScheduler scheduler,
            AmgSettings amg, ImageDecoder decoder) {
        this.dataset = dataset;
        this.prompts = prompts;
        this.output = output;
        this.pipeline = pipeline;
        this.scheduler = scheduler;
        this.amg = amg;
        this.decoder = decoder;
    }

    @Override
    public Map<String, String> run(JobContext context) throws Exception {
        Files.createDirectories(output);
        SampleSeeder seeder = new SampleSeeder(dataset.vocabulary(), prompts, pipeline, amg,
                new SeedOutputs(output, EnumSet.noneOf(SeedOutputs.Extra.class)), this::onScheduler);
        Progress cancellable = cancellable(context);
        SeedOutputs outputs = seeder.outputs();
        List<TrainingSample> samples = dataset.samples();
        SeedScores scores = new SeedScores(dataset);
        int written = 0;
        int skipped = 0;
        long start = System.nanoTime();
        for (int i = 0; i < samples.size(); i++) {
            context.checkCancelled();
            TrainingSample sample = samples.get(i);
            Optional<LabelMap> existing = outputs.read(sample.id());
            LabelMap seeds;
            if (existing.isPresent()) {
                seeds = existing.get();
                skipped++;
            } else {
                DecodedImage image = decoder.decode(Files.readAllBytes(sample.image()), ImageLimits.defaults());
                seeds = seeder.seed(sample, image, cancellable);
                written++;
            }
            scores.add(sample, seeds);
            double seconds = (System.nanoTime() - start) / 1e9;
            double rate = (written + 1e-9) / Math.max(seconds, 1e-9);
            long eta = written == 0 ? 0 : (long) ((samples.size() - i - 1) / rate);
            context.progress(new JobRecord.Progress("seeds", i + 1, samples.size(), null, written == 0 ? null : rate, eta, null));
        }
        Map<String, String> result = new LinkedHashMap<>();
        result.put("written", Integer.toString(written));
        result.put("skipped", Integer.toString(skipped));
        result.put("output", output.toString());
        result.put("promptVersion", prompts.id());
        scores.metrics().ifPresent(metrics -> {
            result.put("mIoU", String.format(Locale.ROOT, "%.6f", metrics.meanIou()));
            result.put("pixelAccuracy", String.format(Locale.ROOT, "%.6f", metrics.pixelAccuracy()));
            result.put("perClassIoU", metrics.table());
        });
        return result;
    }

    /** The pipeline call at background priority: it waits behind requests, with the device's cost estimate. */
    private SeedResult onScheduler(DecodedImage image, PromptSelection selection, Callable<SeedResult> work) throws Exception {
        Duration estimate = pipeline.costs().estimate(
                pipeline.shape(image.image(), selection.present(), true, amg, pipeline.superpixelsCached(image.sha256(), amg)));
        try {
            return scheduler.submit(TaskSpec.startWithin(Priority.BACKGROUND, QUEUE_TIMEOUT, estimate), work).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof WorkCancelledException) {
                throw new JobCancelledException();
            }
            throw e;
        }
    }

    /** Cancelling the job stops the image at its next stage or point batch, not after it. */
    private static Progress cancellable(JobContext context) {
        return new Progress() {
            @Override
            public void checkCancelled() {
                try {
                    context.checkCancelled();
                } catch (JobCancelledException e) {
                    throw new WorkCancelledException("the seed job was cancelled");
                }
            }
        };
    }
}
