package com.fmawsss.api.jobs;

import com.fmawsss.problems.ApiProblem;
import com.fmawsss.problems.ProblemTypes;
import com.fmawsss.bundle.ModelBundle;
import com.fmawsss.image.ImageDecoder;
import com.fmawsss.jobs.Job;
import com.fmawsss.jobs.JobRecord;
import com.fmawsss.cam.CamEngine;
import com.fmawsss.pipeline.PipelineExecutor;
import com.fmawsss.prompts.PromptLayout;
import com.fmawsss.prompts.PromptSet;
import com.fmawsss.prompts.PromptStore;
import com.fmawsss.prompts.PromptStoreException;
import com.fmawsss.prompts.Vocabulary;
import com.fmawsss.sam.AmgSettings;
import com.fmawsss.security.DataRoots;
import com.fmawsss.bulkseeding.SeedJob;
import com.fmawsss.training.TrainingJob;
import com.fmawsss.training.TrainingSettings;
import com.fmawsss.datasets.Dataset;
import com.fmawsss.datasets.DatasetFormat;
import com.fmawsss.datasets.DatasetSpec;
import com.fmawsss.datasets.DatasetValidator;
import com.fmawsss.datasets.ValidationReport;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.json.JsonMapper;
import org.springframework.http.HttpStatus;

/**
 * Builds jobs from their requests: validates the request and the dataset before a job is
 * queued, and rebuilds unfinished jobs from their stored request after a restart.
 */
public final class JobFactory {

    /** Job type of prompt training (also started by Label Studio's START_TRAINING). */
    public static final String TRAINING = "training";
    static final String SEED = "seed";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final DataRoots roots;
    private final DataRoots datasetRoots;
    private final PromptStore prompts;
    private final ModelBundle bundle;
    private final CamEngine cams;
    private final PipelineExecutor executor;
    private final AmgSettings amg;

    /**
     * @param roots confinement of dataset and output paths
     * @param prompts the prompt store (seed prompts, publication of trained versions)
     * @param bundle the model bundle
     * @param cams the CAM engine (training differentiates through it)
     * @param executor the door to the device
     * @param amg mask-generation settings
     */
    public JobFactory(DataRoots roots, PromptStore prompts, ModelBundle bundle, CamEngine cams,
            PipelineExecutor executor, AmgSettings amg) {
        this(roots, roots, prompts, bundle, cams, executor, amg);
    }

    /**
     * A factory whose datasets may also lie outside the data roots.
     *
     * @param roots confinement of output paths
     * @param datasetRoots confinement of dataset paths
     */
    public JobFactory(DataRoots roots, DataRoots datasetRoots, PromptStore prompts, ModelBundle bundle, CamEngine cams,
            PipelineExecutor executor, AmgSettings amg) {
        this.roots = roots;
        this.datasetRoots = datasetRoots;
        this.prompts = prompts;
        this.bundle = bundle;
        this.cams = cams;
        this.executor = executor;
        this.amg = amg;
    }

    /** A validated training job. */
    public Job training(JobRequests.TrainingJobRequest request) {
        String lossMode = request.lossMode() == null ? "official" : request.lossMode();
        if (!"official".equals(lossMode) && !"joint".equals(lossMode)) {
            throw ApiProblem.unprocessable(ProblemTypes.INVALID_REQUEST, "Invalid loss mode",
                    "lossMode must be 'official' (MCL, then CAL) or 'joint' (the paper's MCL + CAL), got '" + lossMode + "'");
        }
        TrainingSettings d = TrainingSettings.defaults();
        PromptLayout layout = request.promptLayout() == null ? PromptLayout.VOC
                : parse(PromptLayout.class, request.promptLayout(), "promptLayout");
        JobRequests.Iterations it = request.iterations();
        TrainingSettings settings;
        try {
            settings = new TrainingSettings(
                    it == null || it.classification() == null ? d.classificationIterations() : it.classification(),
                    it == null || it.segmentation() == null ? d.segmentationIterations() : it.segmentation(),
                    request.batchSize() == null ? d.batchSize() : request.batchSize(),
                    request.seed() == null ? d.seed() : request.seed(), layout, d.contextTokens(), d.checkpointEvery(), d.crop(),
                    "joint".equals(lossMode));
        } catch (IllegalArgumentException e) {
            throw ApiProblem.unprocessable(ProblemTypes.INVALID_REQUEST, "Invalid training settings",
                    "iterations and batch size must be positive");
        }
        Dataset dataset = dataset(request.dataset());
        return new TrainingJob(dataset, settings, bundle, cams, executor, amg, this::publish);
    }

    /**
     * Stores a trained version. Its id names the job ({@code job-<id>}), so an existing one was
     * published by this very job before a crash cut it short between publishing and recording its
     * result: the resumed job accepts it instead of failing on "version exists".
     */
    private String publish(PromptSet set) {
        try {
            return prompts.add(set).id();
        } catch (PromptStoreException e) {
            if (e.reason() == PromptStoreException.Reason.VERSION_EXISTS && prompts.get(set.id()).isPresent()) {
                return set.id();
            }
            throw e;
        }
    }

    /** A validated seed job. */
    public Job seed(JobRequests.SeedJobRequest request) {
        if (request.output() == null || request.output().isBlank()) {
            throw ApiProblem.unprocessable(ProblemTypes.INVALID_REQUEST, "Missing output", "'output' is required");
        }
        Path output = roots.resolve(request.output());
        PromptSet set = request.promptVersion() == null ? prompts.active()
                : prompts.get(request.promptVersion()).orElseThrow(() -> ApiProblem.unprocessable(
                        ProblemTypes.UNKNOWN_PROMPT_VERSION, "Unknown prompt version", "no prompt version '" + request.promptVersion() + "'"));
        return new SeedJob(dataset(request.dataset()), set, output, executor, amg, new ImageDecoder());
    }

    /**
     * Rebuilds an unfinished job after a restart.
     *
     * @param record the stored record
     * @return the job, or empty when it cannot be rebuilt
     */
    public Optional<Job> resume(JobRecord record) {
        try {
            return switch (record.type()) {
                case TRAINING -> Optional.of(training(JSON.readValue(record.request(), JobRequests.TrainingJobRequest.class)));
                case SEED -> Optional.of(seed(JSON.readValue(record.request(), JobRequests.SeedJobRequest.class)));
                default -> Optional.empty();
            };
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private Dataset dataset(JobRequests.DatasetRequest request) {
        if (request == null || request.format() == null || request.root() == null) {
            throw ApiProblem.unprocessable(ProblemTypes.INVALID_REQUEST, "Missing dataset",
                    "'dataset' needs 'format' (voc|coco|manifest) and 'root'");
        }
        DatasetFormat format = parse(DatasetFormat.class, request.format(), "dataset.format");
        Path root = datasetRoots.resolve(request.root());
        String split = request.split() == null ? "train" : request.split();
        Vocabulary vocabulary = request.vocabulary() == null ? null : Vocabulary.builtIn(request.vocabulary()).orElseThrow(
                () -> ApiProblem.unprocessable(ProblemTypes.INVALID_REQUEST, "Invalid dataset.vocabulary",
                        "dataset.vocabulary must be voc or coco, got '" + request.vocabulary() + "'"));
        Dataset dataset = new DatasetSpec(format, root, split, vocabulary).open();
        ValidationReport report = DatasetValidator.validate(dataset);
        if (!report.isValid()) {
            throw new ApiProblem(HttpStatus.UNPROCESSABLE_CONTENT, "invalid-dataset", "Invalid dataset",
                    "the dataset has problems; the job was not started", Map.of("problems", report.summary()));
        }
        return dataset;
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String value, String field) {
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiProblem.unprocessable(ProblemTypes.INVALID_REQUEST, "Invalid " + field, "unknown " + field + " '" + value + "'");
        }
    }
}
