package com.fmawsss.batch;

import com.fmawsss.progress.Progress;
import com.fmawsss.progress.WorkCancelledException;
import java.util.concurrent.atomic.AtomicReference;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT as a request to stop a shard at the next SAM point batch or stage, so that the
 * process ends through {@code main}. Without it the JVM's own handler calls {@code exit()} while the
 * shard's thread is inside libtorch, whose static destructors then run under it: the process dies
 * with SIGSEGV and an {@code hs_err} file instead of a clean exit. Kubernetes sends SIGTERM when it
 * preempts, evicts or deletes a pod, and waits {@code terminationGracePeriodSeconds} (30 s by
 * default) before SIGKILL; one point batch takes well under that.
 */
final class TerminationRequest implements Progress {

    private final AtomicReference<String> signal = new AtomicReference<>();

    /** A request that the process's SIGTERM and SIGINT will set. */
    static TerminationRequest onSignals() {
        TerminationRequest request = new TerminationRequest();
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), s -> request.request("SIG" + s.getName()));
            } catch (IllegalArgumentException unavailable) {
                // The JVM reserves the signal (-Xrs) or the platform lacks it: keep its default.
            }
        }
        return request;
    }

    void request(String reason) {
        signal.compareAndSet(null, reason);
    }

    boolean requested() {
        return signal.get() != null;
    }

    String reason() {
        return signal.get();
    }

    @Override
    public void checkCancelled() {
        String reason = signal.get();
        if (reason != null) {
            throw new WorkCancelledException("stopped by " + reason);
        }
    }
}
