package com.fmawsss.api.jobs;

import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.media.Content;
import com.fmawsss.labeling.labelstudio.LabelStudioJobs;
import com.fmawsss.jobs.JobRecord;
import com.fmawsss.jobs.JobRunner;
import com.fmawsss.problems.ApiProblem;
import com.fmawsss.problems.ProblemTypes;
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
 * Project-wide Label Studio pre-annotation jobs (docs/integrations.md): the job reads the
 * project's tasks through the Label Studio API, predicts them at background priority and posts the
 * predictions; progress (tasks done of the project's total, tasks/s, ETA) is in the job resource and
 * the job gauges. Behind the admin token like every {@code /v1/admin} endpoint.
 */
@RestController
@RequestMapping("/v1/admin/label-studio")
@Tag(name = "admin", description = "Prompt training, seed jobs and prompt versions")
public class LabelStudioJobsController {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String COLLECTION = "/v1/admin/label-studio/preannotation-jobs/";

    private final JobRunner runner;
    private final LabelStudioJobs jobs;

    public LabelStudioJobsController(JobRunner runner, LabelStudioJobs jobs) {
        this.runner = runner;
        this.jobs = jobs;
    }

    /**
     * Starts a pre-annotation job.
     *
     * @param request the project (and optionally the prompt version)
     * @return 202 with the queued job
     */
    @Operation(summary = "Pre-annotate a Label Studio project")
    @ApiResponse(responseCode = "202", description = "Queued; Location is the job",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = JobView.class)))
    @PostMapping("/preannotation-jobs")
    public ResponseEntity<JobView> start(@RequestBody LabelStudioJobs.PreAnnotationRequest request) {
        LabelStudioJobs.PreAnnotationRequest normalized = jobs.normalize(request);
        JobRecord record = runner.submit(LabelStudioJobs.TYPE, JSON.writeValueAsString(normalized), jobs.create(normalized));
        return ResponseEntity.status(HttpStatus.ACCEPTED).location(URI.create(COLLECTION + record.id())).body(JobView.of(record));
    }

    /**
     * Lists pre-annotation jobs.
     *
     * @return the jobs, oldest first
     */
    @Operation(summary = "List Label Studio pre-annotation jobs")
    @GetMapping("/preannotation-jobs")
    public List<JobView> list() {
        return runner.list().stream().filter(r -> r.type().equals(LabelStudioJobs.TYPE)).map(JobView::of).toList();
    }

    @Operation(summary = "Get a Label Studio pre-annotation job")
    @GetMapping("/preannotation-jobs/{id}")
    public JobView get(@PathVariable("id") String id) {
        return JobView.of(find(id));
    }

    /**
     * Cancels a pre-annotation job.
     *
     * @param id job id
     * @return the job after the request
     */
    @Operation(summary = "Cancel a Label Studio pre-annotation job")
    @DeleteMapping("/preannotation-jobs/{id}")
    public JobView cancel(@PathVariable("id") String id) {
        find(id);
        return JobView.of(runner.cancel(id).orElseThrow());
    }

    private JobRecord find(String id) {
        return runner.get(id).filter(r -> r.type().equals(LabelStudioJobs.TYPE)).orElseThrow(() -> new ApiProblem(
                HttpStatus.NOT_FOUND, ProblemTypes.NOT_FOUND, "Not found", "no pre-annotation job '" + id + "'", Map.of()));
    }
}
