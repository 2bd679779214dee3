package com.fmawsss.batch;

import com.fmawsss.bulkseeding.SeedOutputs;
import com.fmawsss.pipeline.ModelSetup;
import com.fmawsss.datasets.DatasetFormat;
import com.fmawsss.datasets.DatasetSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The settings of one {@code seed-batch} shard process, from its command line and environment.
 *
 * <p>The shard index comes from {@code --index}, else {@code JOB_COMPLETION_INDEX} (Kubernetes
 * Indexed Job), else {@code SLURM_ARRAY_TASK_ID} minus {@code SLURM_ARRAY_TASK_MIN} (Slurm array);
 * the shard count from {@code --shards}, else {@code SLURM_ARRAY_TASK_COUNT}. Without either the
 * process is the only shard. Bundle, state directory and device default to the service's
 * variables {@code FMA_BUNDLE_DIR}, {@code FMA_STATE_DIR}, {@code FMA_DEVICE} and {@code FMA_DTYPE}.
 *
 * @param dataset what to seed
 * @param out the output folder
 * @param shards how many shards the dataset is split into
 * @param index this process's shard, {@code 0 <= index < shards}
 * @param indexSource where the index came from, for the log
 * @param bundle the bundle directory, or {@code demo} for the random-weight demo bundle in the jar
 * @param promptVersion a version of the prompt store under the state directory (empty: its active one)
 * @param promptFile a prompt-set file to use instead of the store
 * @param stateDir the service's state directory (prompt store, unpacked demo bundle)
 * @param amgProfile mask-generation profile name ({@code auto}: the service's choice, {@code pipeline.AmgProfileResolver})
 * @param device {@code auto}, {@code cpu} or {@code cuda:N}
 * @param dtype arithmetic of the heavy modules, as the service's {@code fma.dtype}: {@code auto},
 *     {@code fp32} or {@code bf16}
 * @param dtypeMaxError accuracy budget of {@code dtype auto}, as the service's {@code fma.dtype-max-error}
 * @param extras output files besides the PNG
 * @param prefetch images decoded ahead on a background thread (0: decode in line)
 * @param threads libtorch intra-op threads (0: libtorch's default)
 * @param progressInterval how often the progress line is printed and the shard record rewritten
 */
public record SeedBatchOptions(
        DatasetSpec dataset,
        Path out,
        int shards,
        int index,
        String indexSource,
        String bundle,
        Optional<String> promptVersion,
        Optional<Path> promptFile,
        Path stateDir,
        String amgProfile,
        String device,
        String dtype,
        double dtypeMaxError,
        Set<SeedOutputs.Extra> extras,
        int prefetch,
        int threads,
        Duration progressInterval) {

    /** The bundle value that selects the demo bundle packaged in the jar. */
    static final String DEMO_BUNDLE = "demo";

    static final Set<String> VALUED = Set.of("dataset", "format", "split", "out", "shards", "index", "bundle", "prompts",
            "prompt-file", "state", "amg", "device", "dtype", "prefetch", "threads", "progress-seconds");
    static final Set<String> FLAGS = Set.of("rle", "cams");

    /** The service's {@code fma.dtype} values. */
    static final List<String> DTYPES = List.of("auto", "fp32", "bf16");

    static final String USAGE = """
            usage: seed-batch --dataset DIR --format voc|coco|jsonl --out DIR [--split NAME]
                              [--shards N] [--index I] [--bundle DIR|demo] [--prompts VERSION | --prompt-file FILE]
                              [--state DIR] [--amg PROFILE] [--device auto|cpu|cuda:N] [--dtype auto|fp32|bf16] [--rle] [--cams]
                              [--prefetch N] [--threads N] [--progress-seconds S]
              shard index: --index, else $JOB_COMPLETION_INDEX, else $SLURM_ARRAY_TASK_ID - $SLURM_ARRAY_TASK_MIN
              shard count: --shards, else $SLURM_ARRAY_TASK_COUNT, else 1
              bundle: --bundle, else $FMA_BUNDLE_DIR (required); state: --state, else $FMA_STATE_DIR, else ./var
              device, dtype: --device/--dtype, else $FMA_DEVICE/$FMA_DTYPE, else auto (as the service;
              auto measures the bundle's precisions once per machine, budget $FMA_DTYPE_MAX_ERROR, default 0.05)
            exit codes: 0 done, 64 usage, 78 configuration (both: retrying cannot help), 75 I/O, 1 unexpected""";

    public static SeedBatchOptions parse(List<String> args, Map<String, String> env) {
        CommandLine line = CommandLine.parse(args, VALUED, FLAGS);
        DatasetSpec dataset = datasetSpec(line);
        Path out = Path.of(line.required("out"));
        int shards = line.value("shards").map(v -> CommandLine.nonNegative("--shards", v))
                .or(() -> Optional.ofNullable(env.get("SLURM_ARRAY_TASK_COUNT"))
                        .map(v -> CommandLine.nonNegative("SLURM_ARRAY_TASK_COUNT", v)))
                .orElse(-1);
        int index;
        String indexSource;
        if (line.value("index").isPresent()) {
            index = CommandLine.nonNegative("--index", line.value("index").get());
            indexSource = "--index";
        } else if (env.containsKey("JOB_COMPLETION_INDEX")) {
            index = CommandLine.nonNegative("JOB_COMPLETION_INDEX", env.get("JOB_COMPLETION_INDEX"));
            indexSource = "JOB_COMPLETION_INDEX";
        } else if (env.containsKey("SLURM_ARRAY_TASK_ID")) {
            int min = env.containsKey("SLURM_ARRAY_TASK_MIN")
                    ? CommandLine.nonNegative("SLURM_ARRAY_TASK_MIN", env.get("SLURM_ARRAY_TASK_MIN")) : 0;
            index = CommandLine.nonNegative("SLURM_ARRAY_TASK_ID", env.get("SLURM_ARRAY_TASK_ID")) - min;
            indexSource = "SLURM_ARRAY_TASK_ID";
        } else {
            index = 0;
            indexSource = "default";
        }
        if (shards < 0) {
            if (!indexSource.equals("default")) {
                throw BatchException.usage("the shard index comes from " + indexSource + " but the shard count is unknown:"
                        + " pass --shards N (the Job's completions)");
            }
            shards = 1;
        }
        if (shards < 1) {
            throw BatchException.usage("--shards must be at least 1");
        }
        if (index < 0 || index >= shards) {
            throw BatchException.usage("shard index " + index + " (from " + indexSource + ") is outside 0.." + (shards - 1));
        }
        if (line.value("prompts").isPresent() && line.value("prompt-file").isPresent()) {
            throw BatchException.usage("give --prompts or --prompt-file, not both");
        }
        String bundle = line.value("bundle").or(() -> Optional.ofNullable(blankToNull(env.get("FMA_BUNDLE_DIR"))))
                .orElseThrow(() -> BatchException.configuration(
                        "no model bundle: pass --bundle DIR or set FMA_BUNDLE_DIR (--bundle demo runs the random-weight demo bundle)"));
        Path state = Path.of(line.value("state").or(() -> Optional.ofNullable(blankToNull(env.get("FMA_STATE_DIR"))))
                .orElse("var"));
        Set<SeedOutputs.Extra> extras = EnumSet.noneOf(SeedOutputs.Extra.class);
        if (line.flag("rle")) {
            extras.add(SeedOutputs.Extra.RLE);
        }
        if (line.flag("cams")) {
            extras.add(SeedOutputs.Extra.CAMS);
        }
        return new SeedBatchOptions(dataset, out, shards, index, indexSource, bundle, line.value("prompts"),
                line.value("prompt-file").map(Path::of), state, line.value("amg").orElse("auto"),
                line.value("device").or(() -> Optional.ofNullable(blankToNull(env.get("FMA_DEVICE")))).orElse("auto"),
                dtype(line.value("dtype").or(() -> Optional.ofNullable(blankToNull(env.get("FMA_DTYPE")))).orElse("auto")),
                Optional.ofNullable(blankToNull(env.get("FMA_DTYPE_MAX_ERROR"))).map(SeedBatchOptions::maxError)
                        .orElse(ModelSetup.DEFAULT_DTYPE_MAX_ERROR),
                extras,
                line.value("prefetch").map(v -> CommandLine.nonNegative("--prefetch", v)).orElse(2),
                line.value("threads").map(v -> CommandLine.nonNegative("--threads", v)).orElse(0),
                Duration.ofSeconds(line.value("progress-seconds").map(v -> CommandLine.nonNegative("--progress-seconds", v))
                        .orElse(10)));
    }

    /** {@code --dataset}, {@code --format} ({@code jsonl} is the manifest format) and {@code --split}. */
    static DatasetSpec datasetSpec(CommandLine line) {
        Path root = Path.of(line.required("dataset"));
        String formatText = line.required("format");
        DatasetFormat format;
        try {
            format = "jsonl".equalsIgnoreCase(formatText.strip()) ? DatasetFormat.MANIFEST : DatasetFormat.parse(formatText);
        } catch (IllegalArgumentException e) {
            throw BatchException.usage("--format must be voc, coco or jsonl, got '" + formatText + "'");
        }
        return new DatasetSpec(format, root.toAbsolutePath().normalize(), line.value("split").orElse("train"));
    }

    private static double maxError(String value) {
        try {
            double error = Double.parseDouble(value.strip());
            if (error >= 0) {
                return error;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw BatchException.usage("FMA_DTYPE_MAX_ERROR must be a number >= 0, got '" + value + "'");
    }

    private static String dtype(String value) {
        String dtype = value.strip();
        if (!DTYPES.contains(dtype)) {
            throw BatchException.usage("--dtype (or FMA_DTYPE) must be one of " + String.join(", ", DTYPES) + ", got '" + value + "'");
        }
        return dtype;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
