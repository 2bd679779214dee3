package com.fmawsss.datasets;

/** A dataset file that is needed now (e.g. a ground-truth mask during evaluation) cannot be read. */
public class DatasetException extends RuntimeException {

    /**
     * @param message what failed
     * @param cause the underlying failure, may be null
     */
    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }

    public DatasetException(String message) {
        super(message);
    }
}
