package com.fmawsss;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * Entry point of the FMA-WSSS service: semantic masks from images and class names with CLIP
 * (Softmax-GradCAM + CAA) and SAM quasi-superpixels (SAMS), all run in this JVM through DJL.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class FmaWsssApplication {

    /** System property that keeps DJL from downloading anything (models, native libraries). */
    public static final String DJL_OFFLINE_PROPERTY = "ai.djl.offline";

    /**
     * Starts the service.
     *
     * @param args command-line arguments, passed to Spring Boot
     */
    public static void main(String[] args) {
        // Must happen before anything touches DJL: the PyTorch natives come from the
        // pytorch-native-cpu jar and nothing may be fetched at run time. An explicit -D wins.
        if (System.getProperty(DJL_OFFLINE_PROPERTY) == null) {
            System.setProperty(DJL_OFFLINE_PROPERTY, "true");
        }
        SpringApplication.run(FmaWsssApplication.class, args);
    }
}
