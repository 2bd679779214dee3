package com.fmawsss.batch;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.LoggerFactory;

/**
 * The batch commands of the jar, run instead of the web service when the first argument names one:
 * {@code seed-batch} (one shard of a dataset-wide seed run) and {@code seed-merge} (check and report
 * a finished run). They wire what they need with plain constructors; no Spring context starts.
 */
public final class BatchMain {

    public static final String SEED_BATCH = "seed-batch";
    public static final String SEED_MERGE = "seed-merge";
    private static final Set<String> COMMANDS = Set.of(SEED_BATCH, SEED_MERGE);

    private BatchMain() {}

    /** Whether the command line asks for a batch command rather than the service. */
    public static boolean handles(String[] args) {
        return args.length > 0 && COMMANDS.contains(args[0]);
    }

    /**
     * The process's batch command: SIGTERM and SIGINT stop a shard between point batches
     * ({@link TerminationRequest}), so that it ends through {@code main} with {@link ExitCodes#TERMINATED}.
     */
    public static int runAsProcess(String[] args) {
        return run(args, System.getenv(), System.err, TerminationRequest.onSignals());
    }

    /**
     * Runs a batch command and returns its exit code ({@link ExitCodes}); messages go to {@code log}.
     *
     * @param args the command name, then its options
     * @param env the environment (shard index variables, FMA_* defaults)
     */
    public static int run(String[] args, Map<String, String> env, PrintStream log) {
        return run(args, env, log, new TerminationRequest());
    }

    static int run(String[] args, Map<String, String> env, PrintStream log, TerminationRequest termination) {
        quietLogging();
        String command = args[0];
        List<String> options = Arrays.asList(args).subList(1, args.length);
        try {
            return switch (command) {
                case SEED_BATCH -> SeedBatchCommand.run(options, env, log, termination);
                case SEED_MERGE -> SeedMergeCommand.run(options, log);
                default -> throw BatchException.usage("unknown command " + command);
            };
        } catch (BatchException e) {
            log.println(command + ": error: " + e.getMessage());
            if (e.exitCode() == ExitCodes.USAGE) {
                log.println(SEED_MERGE.equals(command) ? SeedMergeCommand.USAGE : SeedBatchOptions.USAGE);
            }
            return e.exitCode();
        } catch (IOException | UncheckedIOException e) {
            log.println(command + ": I/O error (retry may help): " + e);
            return ExitCodes.IO_ERROR;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.println(command + ": interrupted");
            return ExitCodes.UNEXPECTED;
        } catch (RuntimeException e) {
            log.println(command + ": unexpected error: " + e);
            e.printStackTrace(log);
            return ExitCodes.UNEXPECTED;
        }
    }

    /** Without Spring Boot's logging setup logback logs everything at DEBUG; keep INFO. */
    private static void quietLogging() {
        if (LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME) instanceof Logger root) {
            root.setLevel(Level.INFO);
        }
    }
}
