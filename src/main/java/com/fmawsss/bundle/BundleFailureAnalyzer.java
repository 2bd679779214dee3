package com.fmawsss.bundle;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a {@link BundleException} at startup into Spring Boot's short "APPLICATION FAILED TO START"
 * report instead of a long stack trace of bean-creation wrappers.
 */
public class BundleFailureAnalyzer extends AbstractFailureAnalyzer<BundleException> {

    /** {@inheritDoc} */
    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, BundleException cause) {
        return new FailureAnalysis(
                "The model bundle was refused: " + cause.getMessage(),
                "Point fma.bundle.dir (FMA_BUNDLE_DIR) at an intact bundle written by"
                        + " models/export.py (re-export or re-copy it), or unset it to run the"
                        + " random-weight demo bundle.",
                cause);
    }
}
