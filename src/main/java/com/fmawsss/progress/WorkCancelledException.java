package com.fmawsss.progress;

/**
 * Thrown by {@link Progress#checkCancelled()} to unwind a computation that nobody waits for; the
 * message says why (deadline, cancellation, disconnected client).
 */
public class WorkCancelledException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public WorkCancelledException(String reason) {
        super(reason);
    }
}
