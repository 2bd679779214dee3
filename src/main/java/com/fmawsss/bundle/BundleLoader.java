package com.fmawsss.bundle;

import ai.djl.Device;
import ai.djl.ModelException;
import ai.djl.engine.Engine;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDList;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

/**
 * Loads the modules of a verified bundle onto a device with DJL's PyTorch engine. Modules that take
 * part in autograd are loaded with {@code trainParam=true} and then frozen, so their weights are
 * ordinary tensors that never collect gradients.
 */
public final class BundleLoader {

    private static final Logger log = LoggerFactory.getLogger(BundleLoader.class);

    private static final String TOKENIZER_FILE = "tokenizer.json";

    /**
     * Loads every module and the tokenizer. The caller must have verified the bundle.
     *
     * @param dir the bundle directory
     * @param manifest its verified manifest
     * @param device where to put the modules
     * @param demo whether this is the demo bundle
     * @return the loaded bundle; close it to free native memory
     * @throws BundleException naming the module PyTorch could not load
     */
    public ModelBundle load(Path dir, BundleManifest manifest, Device device, boolean demo) {
        return load(dir, manifest, device, demo, ComputePrecision.FP32);
    }

    /**
     * Loads every module at the given precision (the bf16 variants in place of their fp32 modules
     * for {@link ComputePrecision#BF16}) and the tokenizer. The caller must have verified the
     * bundle.
     *
     * @param dir the bundle directory
     * @param manifest its verified manifest
     * @param device where to put the modules
     * @param demo whether this is the demo bundle
     * @param precision which module files to load; must be {@linkplain
     *     ComputePrecision#availableIn available} in the bundle
     * @return the loaded bundle; close it to free native memory
     * @throws BundleException naming the module PyTorch could not load
     */
    public ModelBundle load(
            Path dir, BundleManifest manifest, Device device, boolean demo, ComputePrecision precision) {
        if (!precision.availableIn(manifest)) {
            throw new IllegalArgumentException("the bundle has no " + precision.setting() + " variants");
        }
        long start = System.nanoTime();
        Map<BundleModule, ZooModel<NDList, NDList>> models = new EnumMap<>(BundleModule.class);
        HuggingFaceTokenizer tokenizer = null;
        try {
            for (BundleModule module : BundleModule.values()) {
                if (module.required() || manifest.files().containsKey(module.path())) {
                    models.put(module, loadModule(dir, manifest, module, precision.file(manifest, module), device));
                }
            }
            tokenizer = loadTokenizer(dir, manifest.clip().contextLength());
            ModelBundle bundle = new ModelBundle(dir, manifest, device, demo, precision, tokenizer, models);
            log.info(
                    "Loaded model bundle {} (CLIP {}, SAM {}, {}, compute {}) on {} in {} ms",
                    dir.toAbsolutePath(),
                    manifest.clip().source(),
                    manifest.sam().source(),
                    manifest.dtype(),
                    precision.setting(),
                    Devices.name(device),
                    (System.nanoTime() - start) / 1_000_000);
            return bundle;
        } catch (RuntimeException e) {
            models.values().forEach(ZooModel::close);
            if (tokenizer != null) {
                tokenizer.close();
            }
            throw e;
        }
    }

    static ZooModel<NDList, NDList> loadModule(
            Path dir, BundleManifest manifest, BundleModule module, String path, Device device) {
        Path file = BundleVerifier.resolveInside(dir, path);
        String fileName = file.getFileName().toString();
        Criteria.Builder<NDList, NDList> criteria =
                Criteria.builder()
                        .setTypes(NDList.class, NDList.class)
                        // Directory + model name (not the file itself): DJL then finds
                        // <name>.pt without treating the file as an archive.
                        .optModelPath(file.getParent())
                        .optModelName(fileName.substring(0, fileName.length() - ".pt".length()))
                        .optEngine(Devices.ENGINE)
                        .optDevice(device)
                        .optTranslator(new NoopTranslator())
                        // Load straight onto the device, without a CPU copy of the weights first.
                        .optOption("mapLocation", "true");
        if (module.autograd()) {
            // Without it DJL loads under InferenceMode and autograd.grad inside the module fails.
            criteria.optOption("trainParam", "true");
        }
        ZooModel<NDList, NDList> model;
        try {
            model = criteria.build().loadModel();
        } catch (ModelException | IOException | RuntimeException e) {
            String reason = firstLine(e.getMessage());
            String exporterTorch =
                    manifest.exporter() == null ? "unknown" : manifest.exporter().torch();
            String hint =
                    reason.contains("Unknown builtin op")
                            ? " — the exporter (torch "
                                    + exporterTorch
                                    + ") emitted an op this runtime lacks; export with ops that"
                                    + " exist in the runtime's PyTorch version"
                            : "";
            throw BundleException.forFile(
                    path,
                    "cannot be loaded by PyTorch "
                            + Engine.getEngine(Devices.ENGINE).getVersion()
                            + " on "
                            + Devices.name(device)
                            + ": "
                            + reason
                            + hint,
                    e);
        }
        // eval() (DJL calls it "inference mode"): dropout and the like off for good, since
        // ModelBundle never lets DJL toggle train()/eval() per call.
        JniUtils.enableInferenceMode((PtSymbolBlock) model.getBlock());
        if (module.autograd()) {
            // trainParam also marks the weights as requiring grad; CLIP is frozen (spec §4), and
            // frozen weights keep backward() from accumulating gradients into them.
            model.getBlock().freezeParameters(true);
        }
        return model;
    }

    private static HuggingFaceTokenizer loadTokenizer(Path dir, int contextLength) {
        Path file = BundleVerifier.resolveInside(dir, TOKENIZER_FILE);
        try {
            // CLIP's context length; truncation keeps SOT/EOT. No padding: callers pad ids with
            // zeros to the context length themselves (the text encoder takes EOT positions).
            return HuggingFaceTokenizer.newInstance(
                    file,
                    Map.of(
                            "maxLength", String.valueOf(contextLength),
                            "truncation", "true",
                            "padding", "false"));
        } catch (IOException | RuntimeException e) {
            throw BundleException.forFile(
                    TOKENIZER_FILE, "cannot be loaded: " + firstLine(e.getMessage()), e);
        }
    }

    /** TorchScript errors span dozens of lines and start with a blank one; keep the gist. */
    private static String firstLine(String message) {
        if (message == null) {
            return "(no message)";
        }
        return message.lines()
                .map(String::strip)
                .filter(l -> !l.isEmpty())
                .findFirst()
                .orElse("(no message)");
    }
}
