package com.fmawsss;

import com.fmawsss.batch.BatchMain;
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
     * Starts the service, or runs a batch command ({@code seed-batch}, {@code seed-merge}; see
     * docs/bulk-seeding.md) without it when the first argument names one.
     *
     * @param args command-line arguments, passed to Spring Boot or the batch command
     */
    public static void main(String[] args) {
        // Must happen before anything touches DJL: the PyTorch natives come from the
        // pytorch-native-cpu jar and nothing may be fetched at run time. An explicit -D wins.
        if (System.getProperty(DJL_OFFLINE_PROPERTY) == null) {
            System.setProperty(DJL_OFFLINE_PROPERTY, "true");
        }
        if (BatchMain.handles(args)) {
            System.exit(BatchMain.runAsProcess(args));
        }
        SpringApplication.run(FmaWsssApplication.class, args);
    }
}
