package com.fmawsss.api.jobs;

import com.fmawsss.config.FmaProperties;
import com.fmawsss.bundle.ModelBundle;
import com.fmawsss.jobs.Job;
import com.fmawsss.jobs.JobRecord;
import com.fmawsss.jobs.JobResumer;
import com.fmawsss.jobs.JobRunner;
import com.fmawsss.jobs.JobStore;
import com.fmawsss.labeling.labelstudio.LabelStudioProperties;
import com.fmawsss.metrics.JobMetrics;
import com.fmawsss.metrics.JobGaugeValues;
import com.fmawsss.cam.CamEngine;
import com.fmawsss.pipeline.PipelineExecutor;
import com.fmawsss.prompts.PromptStore;
import com.fmawsss.sam.AmgSettings;
import com.fmawsss.security.DataRoots;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import java.util.Locale;

/** Wires the durable job runner; unfinished jobs of a previous process are resumed at startup. */
@Configuration(proxyBeanMethods = false)
public class JobsConfiguration {

    /**
     * Validated job construction.
     *
     * @param properties service properties (the state directory)
     * @param roots data roots
     * @param prompts the prompt store
     * @param cams the CAM engine (training differentiates through it)
     * @param executor the door to the device
     * @param amg mask-generation settings
     */
    @Bean
    public JobFactory jobFactory(FmaProperties properties, DataRoots roots, PromptStore prompts, ModelBundle bundle, CamEngine cams,
            PipelineExecutor executor, AmgSettings amg) {
        // Without data roots the only datasets are Label Studio's corrections under the state directory.
        DataRoots datasets = roots.roots().isEmpty()
                ? new DataRoots(List.of(LabelStudioProperties.defaultCorrectionsRoot(properties.state().dir())))
                : roots;
        return new JobFactory(roots, datasets, prompts, bundle, cams, executor, amg);
    }

    /**
     * The job runner over {@code <state>/jobs}.
     *
     * @param properties service properties
     * @param factory rebuilds unfinished jobs
     * @param metrics job gauges (state, stage, iteration, loss, images/s)
     * @param resumers rebuild job types the factory does not know (e.g. Label Studio pre-annotation)
     * @return the runner (unfinished jobs already re-queued)
     */
    @Bean(destroyMethod = "close")
    public JobRunner jobRunner(FmaProperties properties, JobFactory factory, JobMetrics metrics,
            ObjectProvider<JobResumer> resumers) {
        Function<JobRecord, Optional<Job>> resume = record -> factory.resume(record).or(() -> resumers.orderedStream()
                .filter(r -> r.type().equals(record.type())).findFirst().flatMap(r -> r.resume(record)));
        JobRunner runner = new JobRunner(new JobStore(properties.state().dir().resolve("jobs")), resume, Clock.systemUTC());
        runner.onChange(r -> {
            metrics.register(r.id(), r.type());
            metrics.update(r.id(), new JobGaugeValues(r.state().name().toLowerCase(Locale.ROOT),
                    r.stage() == null ? "" : r.stage(), r.iteration(), r.loss() == null ? Double.NaN : r.loss(),
                    r.imagesPerSecond() == null ? 0 : r.imagesPerSecond()));
        });
        runner.recover();
        return runner;
    }
}
