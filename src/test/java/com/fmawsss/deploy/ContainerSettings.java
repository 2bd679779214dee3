package com.fmawsss.deploy;

import com.fmawsss.labeling.labelstudio.LabelStudioConfiguration;
import com.fmawsss.labeling.labelstudio.LabelStudioProperties;
import com.fmawsss.security.OutboundPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.ClassPathResource;

/**
 * The service's settings as a deployment's container environment makes them: the variables a
 * chart or compose file sets, over the packaged application.yaml, bound as the service binds them
 * (the test machine's own environment is left out).
 */
final class ContainerSettings {

    private ContainerSettings() {}

    static LabelStudioProperties labelStudio(Map<String, String> containerEnv) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
        environment.getPropertySources().remove(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
        environment.getPropertySources().addFirst(new SystemEnvironmentPropertySource("container", new HashMap<>(containerEnv)));
        try {
            for (PropertySource<?> source : new YamlPropertySourceLoader().load("application.yaml",
                    new ClassPathResource("application.yaml"))) {
                environment.getPropertySources().addLast(source);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Binder.get(environment).bindOrCreate("fma.label-studio", LabelStudioProperties.class);
    }

    /** The integration's outbound policy with names resolved from a fixed table (no DNS, no connection). */
    static OutboundPolicy labelStudioPolicy(Map<String, String> containerEnv, Map<String, String> dns) {
        return LabelStudioConfiguration.outboundPolicy(labelStudio(containerEnv), host -> {
            String address = dns.get(host);
            if (address == null) {
                throw new UnknownHostException(host);
            }
            return new InetAddress[] {InetAddress.getByName(address)};
        });
    }
}
