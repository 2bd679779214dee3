package com.fmawsss.api.labelstudio;

import com.fmawsss.api.jobs.JobFactory;
import com.fmawsss.api.jobs.JobRequests;
import com.fmawsss.labeling.labelstudio.CorrectionDataset;
import com.fmawsss.labeling.labelstudio.LabelStudioProperties;
import com.fmawsss.labeling.labelstudio.TrainingStarter;
import com.fmawsss.jobs.Job;
import com.fmawsss.jobs.JobRecord;
import com.fmawsss.jobs.JobRunner;
import com.fmawsss.problems.ApiProblem;
import com.fmawsss.problems.ProblemTypes;
import com.fmawsss.prompts.Vocabulary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.springframework.http.HttpStatus;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code START_TRAINING}: a prompt-training job (the admin API's training job) on a project's
 * correction dataset, with the settings of {@code fma.label-studio.training.*}.
 */
public final class LabelStudioTraining implements TrainingStarter {

    /** Problem type when {@code fma.label-studio.training-enabled} is false. */
    public static final String TRAINING_DISABLED = "label-studio-training-disabled";

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration DRAIN = Duration.ofSeconds(30);

    private final LabelStudioProperties properties;
    private final CorrectionDataset dataset;
    private final JobFactory factory;
    private final JobRunner runner;

    /**
     * Creates the starter.
     *
     * @param properties settings
     * @param dataset the correction dataset
     * @param factory validates and builds training jobs
     * @param runner queues them
     */
    public LabelStudioTraining(LabelStudioProperties properties, CorrectionDataset dataset, JobFactory factory, JobRunner runner) {
        this.properties = properties;
        this.dataset = dataset;
        this.factory = factory;
        this.runner = runner;
    }

    @Override
    public Started start(long project) {
        if (!properties.trainingEnabled()) {
            throw new ApiProblem(HttpStatus.FORBIDDEN, TRAINING_DISABLED, "Training disabled",
                    "START_TRAINING is ignored: set fma.label-studio.training-enabled=true to train prompts on corrections", Map.of());
        }
        try {
            // Annotations received just before the event are still being stored.
            dataset.awaitIdle(DRAIN);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Path manifest = dataset.manifest(project);
        if (!Files.isRegularFile(manifest)) {
            throw ApiProblem.unprocessable(ProblemTypes.INVALID_REQUEST, "No corrections",
                    "no corrected annotation of project " + project + " has been stored yet");
        }
        Vocabulary vocabulary = dataset.vocabulary(project);
        LabelStudioProperties.Training t = properties.training();
        JobRequests.TrainingJobRequest request = new JobRequests.TrainingJobRequest(
                new JobRequests.DatasetRequest("manifest", manifest.toString(), null, vocabulary.name()),
                new JobRequests.Iterations(t.classificationIterations(), t.segmentationIterations()), t.batchSize(), null,
                vocabulary.name(), null, "label-studio project " + project);
        Job job = factory.training(request);
        JobRecord record = runner.submit(JobFactory.TRAINING, JSON.writeValueAsString(request), job);
        return new Started(record.id(), "/v1/admin/training-jobs/" + record.id());
    }
}
