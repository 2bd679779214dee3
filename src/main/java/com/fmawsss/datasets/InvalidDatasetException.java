package com.fmawsss.datasets;

/** A dataset with errors was given to a job; the report lists all of them. */
public class InvalidDatasetException extends RuntimeException {

    private final transient ValidationReport report;

    public InvalidDatasetException(ValidationReport report) {
        super(report.summary());
        this.report = report;
    }

    public ValidationReport report() {
        return report;
    }
}
