package com.fmawsss.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fmawsss.sam.AmgOverrides;
import com.fmawsss.sam.AmgSettings;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/** Mask-generation overrides as an operator sets them: environment variables, bound by Spring. */
class SamPropertiesTest {

    private static SamProperties bind(Map<String, Object> env) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
        environment.getPropertySources().remove(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
        environment.getPropertySources().addFirst(
                new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, env));
        ConfigurationPropertySources.attach(environment);
        return Binder.get(environment).bindOrCreate("fma.sam", SamProperties.class);
    }

    @Test
    void overridesFromEnvironmentVariablesApply() {
        SamProperties sam = bind(Map.of("FMA_SAM_OVERRIDE_POINTS_PER_BATCH", "16", "FMA_SAM_OVERRIDE_PRED_IOU_THRESH", "0.5"));
        // Spring binds them under keys with dots: points.per.batch, pred.iou.thresh.
        AmgSettings settings = AmgOverrides.apply(AmgSettings.defaults(), sam.override());
        assertThat(settings.pointsPerBatch()).isEqualTo(16);
        assertThat(settings.predIouThresh()).isEqualTo(0.5);
    }
}
