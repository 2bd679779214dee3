package com.fmawsss.bundle;

import ai.djl.Device;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.repository.zoo.ZooModel;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * A verified model bundle loaded onto one device: the seven TorchScript modules, the CLIP tokenizer
 * and the manifest. Shared by the whole service; closing it frees the native memory.
 *
 * <p>Outputs of {@link #forward} and {@link #forwardWithGrad} are attached to the manager of the
 * first input, so the caller's {@code NDManager} scope decides when they are freed.
 */
public final class ModelBundle implements AutoCloseable {

    private final Path directory;
    private final BundleManifest manifest;
    private final Device device;
    private final DataType dataType;
    private final boolean demo;
    private final ComputePrecision precision;
    private final HuggingFaceTokenizer tokenizer;
    private final Map<BundleModule, ZooModel<NDList, NDList>> models;
    private volatile boolean closed;

    ModelBundle(
            Path directory,
            BundleManifest manifest,
            Device device,
            boolean demo,
            ComputePrecision precision,
            HuggingFaceTokenizer tokenizer,
            Map<BundleModule, ZooModel<NDList, NDList>> models) {
        this.directory = Objects.requireNonNull(directory);
        this.manifest = Objects.requireNonNull(manifest);
        this.device = Objects.requireNonNull(device);
        this.dataType = dataTypeOf(manifest.dtype());
        this.demo = demo;
        this.precision = Objects.requireNonNull(precision);
        this.tokenizer = Objects.requireNonNull(tokenizer);
        this.models = new EnumMap<>(models);
        for (BundleModule m : BundleModule.values()) {
            if (m.required() && !this.models.containsKey(m)) {
                throw new IllegalArgumentException("module " + m.path() + " is not loaded");
            }
        }
    }

    /**
     * Maps the manifest's dtype to DJL's.
     *
     * @param dtype {@code float32} or {@code float16}
     * @return the DJL data type
     */
    public static DataType dataTypeOf(String dtype) {
        return switch (dtype) {
            case "float32" -> DataType.FLOAT32;
            case "float16" -> DataType.FLOAT16;
            default -> throw new IllegalArgumentException("unsupported dtype " + dtype);
        };
    }

    /**
     * Runs a module for inference: no autograd, under PyTorch's {@code InferenceMode}.
     *
     * <p>The outputs are inference tensors: autograd refuses to save them for backward, so {@link
     * #forwardWithGrad} copies them before use.
     *
     * @param inputs inputs in the order of docs/bundle-format.md; 0-dim {@code i64} inputs are
     *     {@code manager.create(7L)}
     * @return the outputs, in the documented order
     */
    public NDList forward(BundleModule module, NDList inputs) {
        return IValueUtils.forward(block(module), inputs, false);
    }

    /**
     * Runs a module with autograd on, e.g. {@link BundleModule#GRADCAM} (which differentiates
     * internally) or {@link BundleModule#TEXT_ENCODER} inside a {@code GradientCollector} during
     * prompt training. The module's own weights are frozen; gradients reach only inputs that
     * require them.
     *
     * <p>Inputs other than gradient leaves are copied through a differentiable no-op first: a
     * tensor produced by {@link #forward} is an inference tensor that autograd cannot save for
     * backward, and the copy is an ordinary tensor that keeps any autograd history (so features
     * computed from learned prompts still carry their gradient).
     *
     * @param module the module; must be one loaded for autograd ({@link BundleModule#autograd()})
     * @param inputs inputs in the order of docs/bundle-format.md
     * @return the outputs, differentiable with respect to inputs that require a gradient
     */
    public NDList forwardWithGrad(BundleModule module, NDList inputs) {
        if (!module.autograd()) {
            throw new IllegalArgumentException(
                    module.path() + " is loaded for inference only (trainParam=false)");
        }
        // isTrain=true keeps DJL from wrapping the call in InferenceMode; grad mode must also be
        // on explicitly (see GradMode).
        try (GradMode ignored = GradMode.enabled()) {
            NDList safe = new NDList(inputs.size());
            for (NDArray in : inputs) {
                // Not duplicate(): DJL clones under NoGradGuard, which cuts the autograd graph.
                // hasGradient() is true only for leaves that require grad; those pass as they are.
                safe.add(in.hasGradient() ? in : in.add(0));
            }
            return IValueUtils.forward(block(module), safe, true);
        }
    }

    /**
     * The TorchScript block of a module. Calls go through {@code IValueUtils.forward} rather than
     * {@code Block.forward}: the latter flips the shared module between train() and eval() whenever
     * the training flag changes, which races between threads and would turn dropout on for autograd
     * calls. This way every module stays in the eval() state it was loaded in.
     */
    private PtSymbolBlock block(BundleModule module) {
        return (PtSymbolBlock) model(module).getBlock();
    }

    /**
     * Returns the loaded DJL model of a module.
     *
     * @return the model; its block is a TorchScript {@code PtSymbolBlock}
     */
    public ZooModel<NDList, NDList> model(BundleModule module) {
        if (closed) {
            throw new IllegalStateException("the model bundle is closed");
        }
        ZooModel<NDList, NDList> model = models.get(module);
        if (model == null) {
            throw new IllegalStateException("the bundle has no " + module.path() + "; export it again with models/export.py");
        }
        return model;
    }

    /** Whether an optional module was loaded (the bundle's exporter knew it). */
    public boolean has(BundleModule module) {
        return models.containsKey(module);
    }

    /**
     * @return the directory the modules were loaded from
     */
    public Path directory() {
        return directory;
    }

    public BundleManifest manifest() {
        return manifest;
    }

    /** Returns the device the modules live on. */
    public Device device() {
        return device;
    }

    /**
     * Returns the floating-point type of the modules' inputs and outputs.
     *
     * @return {@code FLOAT32} or {@code FLOAT16}
     */
    public DataType dataType() {
        return dataType;
    }

    /**
     * Tells which module files were loaded: the bundle's own, or its bf16 variants. Inputs and
     * outputs are in {@link #dataType()} either way.
     *
     * @return the compute precision of the modules that have variants
     */
    public ComputePrecision precision() {
        return precision;
    }

    /** Tells whether this is the random-weight demo bundle shipped in the jar. */
    public boolean demo() {
        return demo;
    }

    /** Returns the CLIP tokenizer read from {@code tokenizer.json}. */
    public HuggingFaceTokenizer tokenizer() {
        return tokenizer;
    }

    /** Frees the modules and the tokenizer; further calls fail. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        models.values().forEach(ZooModel::close);
        tokenizer.close();
    }
}
