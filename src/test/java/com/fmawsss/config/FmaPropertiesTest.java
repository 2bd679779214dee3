package com.fmawsss.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import com.fmawsss.pipeline.ModelSetup;
import java.nio.file.Path;
import java.util.Map;

/** {@link FmaProperties} binding from the documented environment variables. */
class FmaPropertiesTest {

    private static FmaProperties bind(Map<String, Object> env) {
        StandardEnvironment environment = new StandardEnvironment();
        environment
                .getPropertySources()
                .remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
        environment
                .getPropertySources()
                .remove(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
        environment
                .getPropertySources()
                .addFirst(
                        new SystemEnvironmentPropertySource(
                                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, env));
        ConfigurationPropertySources.attach(environment);
        return Binder.get(environment).bindOrCreate("fma", FmaProperties.class);
    }

    @Test
    void environmentVariablesBind() {
        FmaProperties p =
                bind(
                        Map.of(
                                "FMA_BUNDLE_DIR", "/bundles/vit-b16",
                                "FMA_STATE_DIR", "/state",
                                "FMA_DATA_ROOTS", "/data/voc,/data/coco",
                                "FMA_ADMIN_TOKEN", "s3cret",
                                "FMA_DEVICE", "cuda:1",
                                "FMA_DTYPE", "bf16",
                                "FMA_DTYPE_MAX_ERROR", "0.02"));

        assertThat(p.bundle().dir()).isEqualTo(Path.of("/bundles/vit-b16"));
        assertThat(p.state().dir()).isEqualTo(Path.of("/state"));
        assertThat(p.data().roots()).containsExactly(Path.of("/data/voc"), Path.of("/data/coco"));
        assertThat(p.admin().enabled()).isTrue();
        assertThat(p.admin().token()).isEqualTo("s3cret");
        assertThat(p.admin().toString()).doesNotContain("s3cret");
        assertThat(p.device()).isEqualTo("cuda:1");
        assertThat(p.dtype()).isEqualTo("bf16");
        assertThat(p.dtypeMaxError()).isEqualTo(0.02);
    }

    @Test
    void defaultsApplyWhenNothingIsSet() {
        FmaProperties p = bind(Map.of());

        assertThat(p.bundle().dir()).isNull();
        assertThat(p.state().dir()).isEqualTo(FmaProperties.DEFAULT_STATE_DIR);
        assertThat(p.data().roots()).isEmpty();
        assertThat(p.admin().enabled()).isFalse();
        assertThat(p.device()).isEqualTo("auto");
        assertThat(p.dtype()).isEqualTo("auto");
        assertThat(p.dtypeMaxError()).isEqualTo(ModelSetup.DEFAULT_DTYPE_MAX_ERROR);
    }
}
