package com.fmawsss.bulkseeding;

import com.fmawsss.clip.PromptSelection;
import com.fmawsss.image.DecodedImage;
import com.fmawsss.image.LabelMap;
import com.fmawsss.pipeline.PipelineExecutor;
import com.fmawsss.pipeline.PipelineResult;
import com.fmawsss.pipeline.PipelineWork;
import com.fmawsss.pipeline.Scheduling;
import com.fmawsss.progress.Progress;
import com.fmawsss.progress.WorkCancelledException;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.prompts.Vocabulary;
import com.fmawsss.sam.AmgSettings;
import com.fmawsss.datasets.TrainingSample;
import java.io.IOException;
import java.util.List;

/**
 * Seeds one sample and writes its outputs atomically ({@link SeedOutputs}); the one place both the
 * admin API's seed job and the batch command ({@code seed-batch}) seed a dataset image. Samples
 * whose outputs are complete are the caller's to skip ({@link SeedOutputs#isComplete}).
 */
public final class SampleSeeder {

    private final Vocabulary vocabulary;
    private final PromptSet prompts;
    private final PipelineExecutor executor;
    private final AmgSettings amg;
    private final SeedOutputs outputs;
    private final Scheduling scheduling;

    /**
     * @param vocabulary the dataset's vocabulary (sample labels index it; files use its labels)
     * @param prompts the prompt version
     * @param amg mask-generation settings
     * @param outputs where the files go
     * @param scheduling how each image waits for the device
     */
    public SampleSeeder(Vocabulary vocabulary, PromptSet prompts, PipelineExecutor executor, AmgSettings amg,
            SeedOutputs outputs, Scheduling scheduling) {
        this.vocabulary = vocabulary;
        this.prompts = prompts;
        this.executor = executor;
        this.amg = amg;
        this.outputs = outputs;
        this.scheduling = scheduling;
    }

    public SeedOutputs outputs() {
        return outputs;
    }

    /**
     * Seeds a decoded sample image and writes its files. A sample without any class gets an
     * all-background map (there is nothing to prompt for).
     *
     * @param observer watches the image's pipeline run and may stop it ({@link WorkCancelledException})
     * @return the vocabulary label map that was written
     */
    public LabelMap seed(TrainingSample sample, DecodedImage image, Progress observer) throws IOException, InterruptedException {
        int width = image.image().width();
        int height = image.image().height();
        List<String> names = sample.labels().stream().map(c -> vocabulary.classes().get(c).name()).toList();
        LabelMap seeds;
        byte[] cams = null;
        if (names.isEmpty()) {
            seeds = new LabelMap(width, height, new int[width * height]);
        } else {
            PromptSelection selection = PromptSelection.of(prompts, names);
            PipelineResult result = executor.submit(new PipelineWork.Seeds(image, selection, amg), scheduling.observedBy(observer))
                    .await();
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
