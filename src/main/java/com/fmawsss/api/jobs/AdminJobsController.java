package com.fmawsss.api.jobs;

import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.media.Content;
import com.fmawsss.problems.ApiProblem;
import com.fmawsss.problems.ProblemTypes;
import com.fmawsss.jobs.Job;
import com.fmawsss.jobs.JobRecord;
import com.fmawsss.jobs.JobRunner;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/**
 * Admin endpoints of training and seed jobs (spec §5): {@code 202} + {@code Location} on
 * creation, status with progress, cancellation. Behind the admin token like every {@code
 * /v1/admin} endpoint.
 */
@RestController
@RequestMapping("/v1/admin")
@Tag(name = "admin", description = "Prompt training, seed jobs and prompt versions")
public class AdminJobsController {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final JobRunner runner;
    private final JobFactory factory;

    public AdminJobsController(JobRunner runner, JobFactory factory) {
        this.runner = runner;
        this.factory = factory;
    }

    /**
     * Starts a prompt-training job (three stages).
     *
     * @param request dataset and hyper-parameters
     * @return 202 with the queued job
     */
    @Operation(summary = "Start a prompt-training job")
    @ApiResponse(responseCode = "202", description = "Queued; Location is the job",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = JobView.class)))
    @PostMapping("/training-jobs")
    public ResponseEntity<JobView> startTraining(@RequestBody JobRequests.TrainingJobRequest request) {
        return start(JobFactory.TRAINING, JSON.writeValueAsString(request), factory.training(request), "training-jobs");
    }

    /**
     * Lists training jobs.
     *
     * @return the jobs, oldest first
     */
    @Operation(summary = "List training jobs")
    @GetMapping("/training-jobs")
    public List<JobView> trainingJobs() {
        return list(JobFactory.TRAINING);
    }

    @Operation(summary = "Get a training job")
    @GetMapping("/training-jobs/{id}")
    public JobView trainingJob(@PathVariable("id") String id) {
        return JobView.of(find(id, JobFactory.TRAINING));
    }

    /**
     * Cancels a training job.
     *
     * @param id job id
     * @return the job after the request
     */
    @Operation(summary = "Cancel a training job")
    @DeleteMapping("/training-jobs/{id}")
    public JobView cancelTraining(@PathVariable("id") String id) {
        find(id, JobFactory.TRAINING);
        return JobView.of(runner.cancel(id).orElseThrow());
    }

    /**
     * Starts a seed job.
     *
     * @param request dataset, prompt version and output directory
     * @return 202 with the queued job
     */
    @Operation(summary = "Start a seed job")
    @ApiResponse(responseCode = "202", description = "Queued; Location is the job",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = JobView.class)))
    @PostMapping("/seed-jobs")
    public ResponseEntity<JobView> startSeeds(@RequestBody JobRequests.SeedJobRequest request) {
        return start(JobFactory.SEED, JSON.writeValueAsString(request), factory.seed(request), "seed-jobs");
    }

    /**
     * Lists seed jobs.
     *
     * @return the jobs, oldest first
     */
    @Operation(summary = "List seed jobs")
    @GetMapping("/seed-jobs")
    public List<JobView> seedJobs() {
        return list(JobFactory.SEED);
    }

    @Operation(summary = "Get a seed job")
    @GetMapping("/seed-jobs/{id}")
    public JobView seedJob(@PathVariable("id") String id) {
        return JobView.of(find(id, JobFactory.SEED));
    }

    /**
     * Cancels a seed job.
     *
     * @param id job id
     * @return the job after the request
     */
    @Operation(summary = "Cancel a seed job")
    @DeleteMapping("/seed-jobs/{id}")
    public JobView cancelSeeds(@PathVariable("id") String id) {
        find(id, JobFactory.SEED);
        return JobView.of(runner.cancel(id).orElseThrow());
    }

    private ResponseEntity<JobView> start(String type, String request, Job job, String collection) {
        JobRecord record = runner.submit(type, request, job);
        return ResponseEntity.status(HttpStatus.ACCEPTED)
                .location(URI.create("/v1/admin/" + collection + "/" + record.id()))
                .body(JobView.of(record));
    }

    private List<JobView> list(String type) {
        return runner.list().stream().filter(r -> r.type().equals(type)).map(JobView::of).toList();
    }

    private JobRecord find(String id, String type) {
        return runner.get(id).filter(r -> r.type().equals(type)).orElseThrow(() -> new ApiProblem(HttpStatus.NOT_FOUND,
                ProblemTypes.NOT_FOUND, "Not found", "no " + type + " job '" + id + "'", Map.of()));
    }
}
