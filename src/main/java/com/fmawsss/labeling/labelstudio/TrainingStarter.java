package com.fmawsss.labeling.labelstudio;

/** Starts a prompt-training job on a project's correction dataset (implemented by the job API). */
@FunctionalInterface
public interface TrainingStarter {

    /**
     * A started job.
     *
     * @param job the job id
     * @param location the job resource
     */
    record Started(String job, String location) {}

    /**
     * Starts training.
     *
     * @param project Label Studio project id
     * @return the queued job
     * @throws com.fmawsss.problems.ApiProblem when training is disabled or the dataset is not usable
     */
    Started start(long project);
}
