package com.fmawsss.bulkseeding;

import com.fmawsss.image.DecodedImage;
import com.fmawsss.image.ImageDecoder;
import com.fmawsss.image.ImageLimits;
import com.fmawsss.image.LabelMap;
import com.fmawsss.jobs.Job;
import com.fmawsss.jobs.JobCancelledException;
import com.fmawsss.jobs.JobContext;
import com.fmawsss.jobs.JobRecord;
import com.fmawsss.pipeline.PipelineExecutor;
import com.fmawsss.pipeline.Scheduling;
import com.fmawsss.progress.Progress;
import com.fmawsss.progress.WorkCancelledException;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.sam.AmgSettings;
import com.fmawsss.scheduler.Priority;
import com.fmawsss.datasets.Dataset;
import com.fmawsss.datasets.TrainingSample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

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
    private final PipelineExecutor executor;
    private final AmgSettings amg;
    private final ImageDecoder decoder;

    /**
     * @param dataset the samples with image-level labels
     * @param prompts the prompt version
     * @param output directory of the pseudo labels
     * @param executor the door to the device (the job's images wait at background priority)
     * @param amg mask-generation settings
     * @param decoder image decoding
     */
    public SeedJob(Dataset dataset, PromptSet prompts, Path output, PipelineExecutor executor, AmgSettings amg,
            ImageDecoder decoder) {
        this.dataset = dataset;
        this.prompts = prompts;
        this.output = output;
        this.executor = executor;
        this.amg = amg;
        this.decoder = decoder;
    }

    @Override
    public Map<String, String> run(JobContext context) throws Exception {
        Files.createDirectories(output);
        SampleSeeder seeder = new SampleSeeder(dataset.vocabulary(), prompts, executor, amg,
                new SeedOutputs(output, EnumSet.noneOf(SeedOutputs.Extra.class)), Scheduling.of(Priority.BACKGROUND, QUEUE_TIMEOUT));
        // Cancelling the job stops the image at its next stage or point batch, not after it.
        Progress cancellable = Progress.stopWhen(context::cancelled, "the seed job was cancelled");
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
                try {
                    seeds = seeder.seed(sample, image, cancellable);
                } catch (WorkCancelledException e) {
                    throw new JobCancelledException();
                }
                written++;
            }
            scores.add(sample, seeds);
            double seconds = (System.nanoTime() - start) / 1e9;
            double rate = (written + 1e-9) / Math.max(seconds, 1e-9);
            long eta = written == 0 ? 0 : (long) ((samples.size() - i - 1) / rate);
            context.progress(new JobRecord.ProgressReport("seeds", i + 1, samples.size(), null, written == 0 ? null : rate, eta, null));
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
}
