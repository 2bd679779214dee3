package com.fmawsss.bundle;

import ai.djl.pytorch.jni.JniUtils;

/**
 * Scoped switch of PyTorch's thread-local autograd mode, restored on close.
 *
 * <p>Why it exists: DJL switches grad mode off only on the thread that first initialises the
 * PyTorch engine, while every other thread starts with it on, so the mode a module sees depends on
 * which thread calls it. Modules that call {@code torch.autograd.grad} need it on; DJL exposes no
 * guard for it outside a {@code GradientCollector}, of which only one may exist per JVM.
 */
public final class GradMode implements AutoCloseable {

    private final boolean previous;

    private GradMode(boolean enabled) {
        previous = JniUtils.isGradMode();
        JniUtils.setGradMode(enabled);
    }

    /**
     * Turns autograd on for the current thread until {@link #close()}.
     *
     * @return the scope to close
     */
    public static GradMode enabled() {
        return new GradMode(true);
    }

    /**
     * Turns autograd off for the current thread until {@link #close()} (a {@code NoGradGuard}).
     *
     * @return the scope to close
     */
    public static GradMode disabled() {
        return new GradMode(false);
    }

    /** Restores the mode that was in force before. */
    @Override
    public void close() {
        JniUtils.setGradMode(previous);
    }
}
