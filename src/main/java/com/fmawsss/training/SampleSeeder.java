package com.fmawsss.training;

import com.fmawsss.clip.PromptSelection;
import com.fmawsss.image.DecodedImage;
import com.fmawsss.image.LabelMap;
import com.fmawsss.pipeline.SeedPipeline;
import com.fmawsss.pipeline.SeedResult;
import com.fmawsss.progress.Progress;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.prompts.Vocabulary;
import com.fmawsss.sam.AmgSettings;
import com.fmawsss.training.data.TrainingSample;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Seeds one sample and writes its outputs atomically ({@link SeedOutputs}); the one place both the
 * admin API's seed job and the batch command ({@code seed-batch}) seed a dataset image. Samples
 * whose outputs are complete are the caller's to skip ({@link SeedOutputs#isComplete}).
 */
public final class SampleSeeder {

    /** Where the pipeline call runs: directly, or through the device's scheduler. */
    @FunctionalInterface
    public interface Runner {

        /** Runs the work on the calling thread. */
        Runner DIRECT = (image, selection, work) -> work.call();

        /**
         * @param image the image the work seeds (for a scheduler's cost estimate)
         * @param selection its classes
         * @param work the pipeline call
         */
        SeedResult run(DecodedImage image, PromptSelection selection, Callable<SeedResult> work) throws Exception;
    }

    private final Vocabulary vocabulary;
    private final PromptSet prompts;
    private final SeedPipeline pipeline;
    private final AmgSettings amg;
    private final SeedOutputs outputs;
    private final Runner runner;

    /**
     * @param vocabulary the dataset's vocabulary (sample labels index it; files use its labels)
     * @param prompts the prompt version
     * @param pipeline the seed pipeline
     * @param amg mask-generation settings
     * @param outputs where the files go
     * @param runner how the pipeline call is run
     */
    public SampleSeeder(Vocabulary vocabulary, PromptSet prompts, SeedPipeline pipeline, AmgSettings amg,
            SeedOutputs outputs, Runner runner) {
        this.vocabulary = vocabulary;
        this.prompts = prompts;
        this.pipeline = pipeline;
        this.amg = amg;
        this.outputs = outputs;
        this.runner = runner;
    }

    public SeedOutputs outputs() {
        return outputs;
    }

    /**
     * Seeds a decoded sample image and writes its files. A sample without any class gets an
     * all-background map (there is nothing to prompt for).
     *
     * @return the vocabulary label map that was written
     */
    public LabelMap seed(TrainingSample sample, DecodedImage image, Progress progress) throws Exception {
        int width = image.image().width();
        int height = image.image().height();
        List<String> names = sample.labels().stream().map(c -> vocabulary.classes().get(c).name()).toList();
        LabelMap seeds;
        byte[] cams = null;
        if (names.isEmpty()) {
            seeds = new LabelMap(width, height, new int[width * height]);
        } else {
            PromptSelection selection = PromptSelection.of(prompts, names);
            SeedResult result = runner.run(image, selection,
                    () -> pipeline.seed(image.image(), image.sha256(), selection, amg, progress));
            seeds = new LabelMap(width, height, vocabularyLabels(result.seedMap().labels(), selection));
            if (outputs.extras().contains(SeedOutputs.Extra.CAMS)) {
                cams = result.cams().toNpz();
            }
        }
        outputs.write(sample.id(), seeds, vocabulary, cams);
        return seeds;
    }

    /** Seed labels index the selection's classes (0 background); files use vocabulary labels (VOC style). */
    private int[] vocabularyLabels(int[] local, PromptSelection selection) {
        int[] byLocal = new int[selection.present() + 1];
        for (int c = 0; c < selection.present(); c++) {
            byLocal[c + 1] = vocabulary.indexOf(selection.classes().get(c).name()) + 1;
        }
        int[] labels = new int[local.length];
        for (int p = 0; p < local.length; p++) {
            labels[p] = byLocal[local[p]];
        }
        return labels;
    }
}
