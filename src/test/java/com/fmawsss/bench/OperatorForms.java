package com.fmawsss.bench;

import ai.djl.Device;
import ai.djl.ModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fmawsss.bundle.GradMode;
import com.fmawsss.bundle.TorchThreads;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Times small TorchScript modules, one operator form each (exported by {@code
 * models/bench/operator_forms.py}), inside DJL's libtorch with the engine set up as {@code
 * BundleLoader} does it (offline, modules loaded with {@code mapLocation}, eval/inference mode, no
 * grad, the configured intra-op threads), and reports wall time, the process's CPU time over wall
 * time (about 2 = both cores busy, 1 = one core), and GFLOP/s or elements/s. The machine is shared:
 * before each form it waits for the rest of the machine to be quiet, and a timed run counts only
 * if the other processes used less than 0.15 of a core during it ({@code foreign_cores}).
 *
 * <pre>
 * java -Dai.djl.offline=true -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
 *   com.fmawsss.bench.OperatorForms --dir /tmp/operator-forms [--filter REGEX] [--warmups 2] [--runs 5]
 *   [--min-run 0.3] [--threads 2] [--max-wait 120] [--retry-wait 10] [--json OUT.json] [--verbose-pass]
 * </pre>
 *
 * <p>{@code --verbose-pass} runs each form once after one warm-up and prints {@code @@FORM name}
 * before the pass, for a run under {@code ONEDNN_VERBOSE=1}: the oneDNN lines that follow a
 * marker are the kernels that form ran ({@code operator_forms.py kernels} summarises them).
 */
public final class OperatorForms {

    private OperatorForms() {}

    /**
     * Runs the forms.
     *
     * @param args see the class comment
     * @throws IOException when the manifest cannot be read or the results written
     */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of("/tmp/operator-forms");
        Pattern filter = Pattern.compile("");
        int warmups = 2;
        int runs = 5;
        double minRun = 0.3;
        int threads = 2;
        Path json = null;
        boolean verbosePass = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--dir" -> dir = Path.of(args[++i]);
                case "--filter" -> filter = Pattern.compile(args[++i]);
                case "--warmups" -> warmups = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--min-run" -> minRun = Double.parseDouble(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--json" -> json = Path.of(args[++i]);
                case "--verbose-pass" -> verbosePass = true;
                case "--max-wait" -> maxWait = Double.parseDouble(args[++i]);
                case "--retry-wait" -> retryWait = Double.parseDouble(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        System.setProperty("ai.djl.offline", "true");
        TorchThreads.apply(threads, 0);
        ObjectMapper mapper = new ObjectMapper();
        JsonNode manifest = mapper.readTree(dir.resolve("forms.json").toFile());
        ObjectNode report = mapper.createObjectNode();
        report.put("engine", "DJL PyTorch " + ai.djl.engine.Engine.getEngine("PyTorch").getVersion());
        report.put("intra_op_threads", TorchThreads.intraOpThreads());
        report.put("inter_op_threads", TorchThreads.interOpThreads());
        report.put("ld_preload", String.valueOf(System.getenv("LD_PRELOAD")));
        report.put("warmups", warmups);
        report.put("runs", runs);
        ArrayNode results = report.putArray("results");
        ZooModel<NDList, NDList> caster;
        try {
            caster = load(dir, "_to_bf16.pt");
        } catch (ModelException e) {
            throw new IOException(e);
        }
        toBf16 = (PtSymbolBlock) caster.getBlock();
        try (GradMode ignored = GradMode.disabled()) {
            for (JsonNode form : manifest.get("forms")) {
                String name = form.get("name").asText();
                if (!filter.matcher(name).find()) {
                    continue;
                }
                try {
                    ObjectNode result = verbosePass
                            ? verbose(dir, form)
                            : time(dir, form, warmups, runs, minRun);
                    results.add(result);
                    if (json != null) {
                        // after every form, so that an interrupted run keeps what it measured
                        Files.createDirectories(json.toAbsolutePath().getParent());
                        mapper.writerWithDefaultPrettyPrinter().writeValue(json.toFile(), report);
                    }
                } catch (RuntimeException | ModelException | IOException e) {
                    System.out.printf(Locale.ROOT, "%-60s FAILED: %s%n", name, e.getMessage());
                    ObjectNode failed = results.addObject();
                    failed.put("name", name);
                    failed.put("error", String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
                }
            }
        }
        if (json != null) {
            Files.createDirectories(json.toAbsolutePath().getParent());
            mapper.writerWithDefaultPrettyPrinter().writeValue(json.toFile(), report);
        }
    }

    private static ZooModel<NDList, NDList> load(Path dir, String file) throws ModelException, IOException {
        Criteria<NDList, NDList> criteria = Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optModelPath(dir)
                .optModelName(file.substring(0, file.length() - ".pt".length()))
                .optEngine("PyTorch")
                .optDevice(Device.cpu())
                .optTranslator(new NoopTranslator())
                .optOption("mapLocation", "true")
                .build();
        ZooModel<NDList, NDList> model = criteria.loadModel();
        JniUtils.enableInferenceMode((PtSymbolBlock) model.getBlock());
        return model;
    }

    /** bf16 inputs are made by a scripted caster ({@code _to_bf16.pt}): DJL 0.36's
     * {@code NDArray.toType(BFLOAT16)} aborts the JVM ("terminate called without an active
     * exception"). */
    private static PtSymbolBlock toBf16;

    private static NDList inputs(NDManager manager, JsonNode form) {
        NDList list = new NDList();
        for (JsonNode input : form.get("inputs")) {
            List<Long> dims = new ArrayList<>();
            input.get("shape").forEach(d -> dims.add(d.asLong()));
            Shape shape = new Shape(dims.stream().mapToLong(Long::longValue).toArray());
            NDArray x = manager.randomNormal(shape);
            String dtype = input.get("dtype").asText();
            if ("bfloat16".equals(dtype)) {
                NDList y = IValueUtils.forward(toBf16, new NDList(x), false);
                y.attach(manager);
                x.close();
                x = y.get(0);
            }
            list.add(x);
        }
        return list;
    }

    private static void pass(PtSymbolBlock block, NDList in) {
        IValueUtils.forward(block, in, false).close();
    }

    /** Seconds to wait at most for a quiet machine before each form. */
    private static double maxWait = 120;

    /** Seconds to wait at most for a quiet machine after a run that was not quiet. */
    private static double retryWait = 10;

    /**
     * Waits until the rest of the machine used less than the quiet threshold over one second, at
     * most {@code seconds}.
     *
     * @return the seconds waited
     */
    private static double waitQuiet(double seconds) {
        long start = System.nanoTime();
        while ((System.nanoTime() - start) / 1e9 < seconds) {
            long[] s0 = systemBusyJiffies();
            long c0 = cpuNanos();
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            double busy = (systemBusyJiffies()[0] - s0[0]) / JIFFIES_PER_SECOND;
            double foreign = busy - (cpuNanos() - c0) / 1e9;
            if (foreign < QUIET_FOREIGN_CORES) {
                break;
            }
        }
        return (System.nanoTime() - start) / 1e9;
    }

    private static ObjectNode time(Path dir, JsonNode form, int warmups, int runs, double minRun)
            throws ModelException, IOException {
        String name = form.get("name").asText();
        ObjectNode result = new ObjectMapper().createObjectNode();
        result.put("name", name);
        try (ZooModel<NDList, NDList> model = load(dir, form.get("file").asText());
                NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            PtSymbolBlock block = (PtSymbolBlock) model.getBlock();
            NDList in = inputs(manager, form);
            double waited = waitQuiet(maxWait);
            result.put("waited_s", waited);
            long t0 = System.nanoTime();
            pass(block, in);
            double first = (System.nanoTime() - t0) / 1e9;
            int inner = (int) Math.max(1, Math.min(50, Math.ceil(minRun / Math.max(first, 1e-4))));
            for (int w = 1; w < warmups; w++) {
                for (int i = 0; i < inner; i++) {
                    pass(block, in);
                }
            }
            // Timed runs until `runs` of them were quiet (the rest of the machine used less than
            // 0.15 of a core on average during the run), at most 3x `runs`; the machine is shared
            // with other builds. Without enough quiet runs, all runs count ("noisy").
            List<Double> walls = new ArrayList<>();
            List<Double> ratios = new ArrayList<>();
            List<Double> allWalls = new ArrayList<>();
            List<Double> allRatios = new ArrayList<>();
            ArrayNode runsMs = result.putArray("runs_ms");
            ArrayNode foreignCores = result.putArray("foreign_cores");
            for (int r = 0; r < 3 * runs && walls.size() < runs; r++) {
                if (r > 0 && walls.size() < r) {
                    waitQuiet(retryWait);
                }
                long[] stat0 = systemBusyJiffies();
                long c0 = cpuNanos();
                long w0 = System.nanoTime();
                for (int i = 0; i < inner; i++) {
                    pass(block, in);
                }
                long wall = System.nanoTime() - w0;
                long cpu = cpuNanos() - c0;
                long[] stat1 = systemBusyJiffies();
                double busyNanos = (stat1[0] - stat0[0]) * 1e9 / JIFFIES_PER_SECOND;
                double foreign = Math.max(0, busyNanos - cpu) / wall;
                allWalls.add(wall / 1e9 / inner);
                allRatios.add((double) cpu / wall);
                runsMs.add(wall / 1e6 / inner);
                foreignCores.add(Math.round(foreign * 100) / 100.0);
                if (foreign < QUIET_FOREIGN_CORES) {
                    walls.add(wall / 1e9 / inner);
                    ratios.add((double) cpu / wall);
                }
            }
            boolean noisy = walls.size() < runs;
            if (noisy) {
                walls = allWalls;
                ratios = allRatios;
            }
            result.put("quiet_runs", noisy ? 0 : walls.size());
            result.put("noisy", noisy);
            double min = Collections.min(walls);
            double median = median(walls);
            double ratio = median(ratios);
            double flops = form.get("flops").asDouble();
            double elements = form.get("elements").asDouble();
            result.put("first_ms", first * 1e3);
            result.put("inner", inner);
            result.put("min_ms", min * 1e3);
            result.put("median_ms", median * 1e3);
            result.put("cpu_wall", ratio);
            String rate = "";
            if (flops > 0) {
                result.put("gflops_median", flops / median / 1e9);
                result.put("gflops_best", flops / min / 1e9);
                rate = String.format(Locale.ROOT, "%8.1f GFLOP/s", flops / median / 1e9);
            } else if (elements > 0) {
                result.put("gelem_median", elements / median / 1e9);
                rate = String.format(Locale.ROOT, "%8.2f Gelem/s", elements / median / 1e9);
            }
            System.out.printf(Locale.ROOT, "%-60s min %9.2f ms  med %9.2f ms  cpu/wall %.2f %s%s%n",
                    name, min * 1e3, median * 1e3, ratio, rate, noisy ? "  NOISY" : "");
            in.close();
        }
        return result;
    }

    private static ObjectNode verbose(Path dir, JsonNode form) throws ModelException, IOException {
        String name = form.get("name").asText();
        ObjectNode result = new ObjectMapper().createObjectNode();
        result.put("name", name);
        try (ZooModel<NDList, NDList> model = load(dir, form.get("file").asText());
                NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            PtSymbolBlock block = (PtSymbolBlock) model.getBlock();
            NDList in = inputs(manager, form);
            System.out.println("@@WARMUP " + name);
            System.out.flush();
            pass(block, in);
            System.out.println("@@FORM " + name);
            System.out.flush();
            long w0 = System.nanoTime();
            pass(block, in);
            result.put("verbose_pass_ms", (System.nanoTime() - w0) / 1e6);
            System.out.println("@@END " + name);
            System.out.flush();
            in.close();
        }
        return result;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** Other processes' average use of the cores (in cores) above which a run is not quiet. */
    private static final double QUIET_FOREIGN_CORES = 0.15;

    private static final double JIFFIES_PER_SECOND = 100.0;

    /** clock_gettime through JNA: the MXBean's process CPU time has a 10 ms resolution here. */
    public interface CLib extends com.sun.jna.Library {
        CLib INSTANCE = com.sun.jna.Native.load("c", CLib.class);

        int clock_gettime(int clock, long[] timespec);
    }

    private static final int CLOCK_PROCESS_CPUTIME_ID = 2;

    private static long cpuNanos() {
        long[] ts = new long[2];
        if (CLib.INSTANCE.clock_gettime(CLOCK_PROCESS_CPUTIME_ID, ts) != 0) {
            return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime();
        }
        return ts[0] * 1_000_000_000L + ts[1];
    }

    /** Busy jiffies of the whole machine (all but idle and iowait) from /proc/stat. */
    private static long[] systemBusyJiffies() {
        try {
            String line = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = line.trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                if (i != 4 && i != 5) {
                    busy += Long.parseLong(f[i]);
                }
            }
            return new long[] {busy};
        } catch (IOException e) {
            return new long[] {0};
        }
    }
}
