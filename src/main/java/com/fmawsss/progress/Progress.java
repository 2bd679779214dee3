package com.fmawsss.progress;

import java.util.function.BooleanSupplier;

/**
 * What a running computation reports while it works, and where it learns that nobody waits for it
 * any more. The engines call it between stages and between SAM point batches, never inside a
 * native call, so a cancelled request stops within one batch. Implementations must be cheap and
 * thread-safe: a request's view is read by other threads while the worker writes.
 */
public interface Progress {

    /** Reports nothing and never cancels. */
    Progress NONE = new Progress() {};

    /**
     * A stage is about to run {@code units} units of work: prompt points for {@link Stage#SAM_DECODE},
     * encoder passes (crops) for {@link Stage#SAM_ENCODE}, classes for the CLIP stages.
     */
    default void planned(Stage stage, long units) {}

    /** {@code units} more units of a planned stage are done. */
    default void advanced(Stage stage, long units) {}

    /** One run of a stage took {@code nanos} of wall-clock time. */
    default void stageDone(Stage stage, long nanos) {}

    /**
     * Throws {@link WorkCancelledException} when the work should stop (deadline passed, request
     * cancelled, client gone); returns otherwise.
     */
    default void checkCancelled() {}

    /** Reports nothing; stops the work with {@code reason} as soon as {@code stopped} is true. */
    static Progress stopWhen(BooleanSupplier stopped, String reason) {
        return new Progress() {
            @Override
            public void checkCancelled() {
                if (stopped.getAsBoolean()) {
                    throw new WorkCancelledException(reason);
                }
            }
        };
    }

    /** Both observers see every report; either may cancel. */
    static Progress both(Progress first, Progress second) {
        if (first == NONE) {
            return second;
        }
        if (second == NONE) {
            return first;
        }
        return new Progress() {
            @Override
            public void planned(Stage stage, long units) {
                first.planned(stage, units);
                second.planned(stage, units);
            }

            @Override
            public void advanced(Stage stage, long units) {
                first.advanced(stage, units);
                second.advanced(stage, units);
            }

            @Override
            public void stageDone(Stage stage, long nanos) {
                first.stageDone(stage, nanos);
                second.stageDone(stage, nanos);
            }

            @Override
            public void checkCancelled() {
                first.checkCancelled();
                second.checkCancelled();
            }
        };
    }
}
