package com.fmawsss.config;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.nio.file.Path;
import java.util.List;

/**
 * Service configuration under the prefix {@code fma} (spec §6). Every property can also be set
 * through the environment variable in brackets (Spring's relaxed binding maps it).
 *
 * <ul>
 *   <li>{@code fma.bundle.dir} ({@code FMA_BUNDLE_DIR}): model bundle directory written by {@code
 *       models/export.py}. Unset = the random-weight demo bundle shipped inside the jar.
 *   <li>{@code fma.state.dir} ({@code FMA_STATE_DIR}): durable state (jobs, prompt store,
 *       superpixel cache, the unpacked demo bundle). Default {@code ./var}, relative to the working
 *       directory: durable across restarts, unlike {@code java.io.tmpdir}; containers set it to a
 *       mounted volume.
 *   <li>{@code fma.data.roots} ({@code FMA_DATA_ROOTS}, comma-separated): directories that datasets
 *       and job outputs must lie under. Default: none (dataset jobs are refused).
 *   <li>{@code fma.admin.token} ({@code FMA_ADMIN_TOKEN}): bearer token of the admin API; the admin
 *       API is disabled when unset.
 *   <li>{@code fma.device} ({@code FMA_DEVICE}): {@code auto} (default: {@code cuda:0} when PyTorch
 *       sees a GPU, else {@code cpu}), {@code cpu} or {@code cuda:N}.
 *   <li>{@code fma.dtype} ({@code FMA_DTYPE}): arithmetic of the CLIP vision trunk and SAM image
 *       encoder: {@code auto} (default: every precision the bundle carries is timed on this machine
 *       at the first start and the fastest within {@code fma.dtype-max-error} of fp32 is kept; the
 *       demo bundle stays fp32), {@code fp32} or {@code bf16}.
 *   <li>{@code fma.dtype-max-error} ({@code FMA_DTYPE_MAX_ERROR}): accuracy budget of {@code auto},
 *       the largest difference from fp32's outputs relative to their largest value (default 0.05).
 * </ul>
 *
 * @param bundle model bundle settings
 * @param state durable state settings
 * @param data dataset settings
 * @param admin admin API settings
 * @param device device spec: {@code auto}, {@code cpu} or {@code cuda:N}
 * @param dtype compute precision: {@code auto}, {@code fp32} or {@code bf16}
 * @param dtypeMaxError accuracy budget of {@code dtype=auto}, a fraction of fp32's largest output
 */
@Validated
@ConfigurationProperties(prefix = "fma")
public record FmaProperties(
        @DefaultValue Bundle bundle,
        @DefaultValue State state,
        @DefaultValue Data data,
        @DefaultValue Admin admin,
        @DefaultValue("auto")
                @NotNull
                @Pattern(
                        regexp = "auto|cpu|cuda:\\d+",
                        message = "must be auto, cpu or cuda:N (e.g. cuda:0)")
                String device,
        @DefaultValue("auto")
                @NotNull
                @Pattern(regexp = "auto|fp32|bf16", message = "must be auto, fp32 or bf16")
                String dtype,
        @DefaultValue("0.05") @DecimalMin("0") @DecimalMax("1") double dtypeMaxError) {

    /** Default state directory, relative to the working directory. */
    public static final Path DEFAULT_STATE_DIR = Path.of("var");

    /**
     * Model bundle settings.
     *
     * @param dir bundle directory; {@code null} selects the demo bundle
     */
    public record Bundle(Path dir) {}

    /**
     * Durable state settings.
     *
     * @param dir state directory; defaults to {@link #DEFAULT_STATE_DIR}
     */
    public record State(Path dir) {
        /** Applies the default directory. */
        public State {
            dir = dir == null ? DEFAULT_STATE_DIR : dir;
        }
    }

    /**
     * Dataset settings.
     *
     * @param roots directories that dataset paths and job outputs must lie under
     */
    public record Data(List<Path> roots) {
        /** Makes the list immutable; unset means empty. */
        public Data {
            roots = roots == null ? List.of() : List.copyOf(roots);
        }
    }

    /**
     * Admin API settings.
     *
     * @param token bearer token; {@code null} or blank disables the admin API
     */
    public record Admin(String token) {

        /**
         * Tells whether the admin API is enabled.
         *
         * @return true when a non-blank token is configured
         */
        public boolean enabled() {
            return token != null && !token.isBlank();
        }

        /** Never prints the secret (records print every component by default). */
        @Override
        public String toString() {
            return "Admin[token=" + (enabled() ? "****" : "<unset>") + "]";
        }
    }
}
