package com.fmawsss.bundle;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libtorch's thread pools ({@code fma.torch.intra-op-threads}, {@code fma.torch.inter-op-threads};
 * 0 keeps libtorch's default, one intra-op thread per core). Intra-op threads parallelise one
 * operator (a matmul, a convolution); inter-op threads run independent graph branches. With one
 * inference worker per device the default is right; lower intra-op threads when several replicas
 * or workers share a CPU host, so that they do not oversubscribe the cores.
 */
public final class TorchThreads {

    private static final Logger LOG = LoggerFactory.getLogger(TorchThreads.class);

    private TorchThreads() {}

    /**
     * Applies the thread settings: as DJL's system properties before the engine starts, and the
     * intra-op count also directly (it can change at any time; the inter-op pool cannot once used).
     *
     * @param intraOp intra-op threads, 0 for the default
     * @param interOp inter-op threads, 0 for the default
     */
    public static void apply(int intraOp, int interOp) {
        if (intraOp < 0 || interOp < 0) {
            throw new IllegalArgumentException("fma.torch thread counts must be >= 0");
        }
        if (interOp > 0) {
            System.setProperty("ai.djl.pytorch.num_interop_threads", Integer.toString(interOp));
        }
        if (intraOp > 0) {
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(intraOp));
        }
        NativeAllocator.tuneGlibc(); // before libtorch's first allocation
        Engine.getEngine("PyTorch");
        if (intraOp > 0) {
            JniUtils.setNumThreads(intraOp);
        }
        LOG.info("libtorch threads: intra-op {}, inter-op {}", intraOpThreads(), interOpThreads());
        NativeAllocator.report();
    }

    public static int intraOpThreads() {
        return JniUtils.getNumThreads();
    }

    public static int interOpThreads() {
        return JniUtils.getNumInteropThreads();
    }
}
