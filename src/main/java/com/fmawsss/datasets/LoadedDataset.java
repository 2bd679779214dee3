package com.fmawsss.datasets;

import com.fmawsss.prompts.Vocabulary;
import com.fmawsss.image.LabelMap;
import java.util.List;
import java.util.Optional;

/** The part every reader shares: a name, a vocabulary, the samples and the problems found. */
abstract class LoadedDataset implements Dataset {

    private final String name;
    private final Vocabulary vocabulary;
    private final List<TrainingSample> samples;
    private final List<DatasetProblem> problems;

    LoadedDataset(String name, Vocabulary vocabulary, List<TrainingSample> samples, List<DatasetProblem> problems) {
        this.name = name;
        this.vocabulary = vocabulary;
        this.samples = List.copyOf(samples);
        this.problems = List.copyOf(problems);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Vocabulary vocabulary() {
        return vocabulary;
    }

    @Override
    public List<TrainingSample> samples() {
        return samples;
    }

    @Override
    public List<DatasetProblem> problems() {
        return problems;
    }

    /** Ground truth from the sample's mask file (VOC, manifest); COCO rasterises annotations instead. */
    @Override
    public Optional<LabelMap> groundTruth(TrainingSample sample) {
        return sample.mask().map(MaskFiles::read);
    }
}
