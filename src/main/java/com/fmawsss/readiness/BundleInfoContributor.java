package com.fmawsss.readiness;

import com.fmawsss.bundle.BundleManifest;
import com.fmawsss.bundle.Devices;
import com.fmawsss.bundle.ModelBundle;

import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.stereotype.Component;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adds {@code bundle} to {@code /actuator/info}: model sources and revisions, format version,
 * dtype, device and whether the demo (random-weight) bundle runs.
 */
@Component
public class BundleInfoContributor implements InfoContributor {

    private final ModelBundle bundle;

    public BundleInfoContributor(ModelBundle bundle) {
        this.bundle = bundle;
    }

    /** {@inheritDoc} */
    @Override
    public void contribute(Info.Builder builder) {
        BundleManifest m = bundle.manifest();
        // LinkedHashMap, not Map.of: revisions may be null and the order reads better.
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("clip", source(m.clip().source(), m.clip().revision()));
        info.put("sam", source(m.sam().source(), m.sam().revision()));
        info.put("formatVersion", m.formatVersion());
        info.put("dtype", m.dtype());
        info.put("compute", bundle.precision().setting());
        info.put("device", Devices.name(bundle.device()));
        info.put("demo", bundle.demo());
        info.put("tiny", m.tiny());
        builder.withDetail("bundle", info);
    }

    private static Map<String, Object> source(String source, String revision) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("source", source);
        map.put("revision", revision);
        return map;
    }
}
