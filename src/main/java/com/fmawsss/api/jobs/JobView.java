package com.fmawsss.api.jobs;

import com.fmawsss.jobs.JobRecord;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The job resource of spec §5 as JSON. */
final class JobView {

    private JobView() {}

    static Map<String, Object> of(JobRecord r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id());
        m.put("type", r.type());
        m.put("state", r.state().name().toLowerCase(Locale.ROOT));
        m.put("stage", r.stage());
        m.put("iteration", r.iteration());
        m.put("iterations", r.iterations());
        m.put("loss", r.loss());
        m.put("imagesPerSecond", r.imagesPerSecond());
        m.put("eta", r.etaSeconds());
        m.put("learningRate", r.learningRate());
        m.put("error", r.error());
        m.put("promptVersion", r.result().get("promptVersion"));
        m.put("result", r.result());
        m.put("createdAt", r.createdAt().toString());
        m.put("updatedAt", r.updatedAt().toString());
        return m;
    }
}
