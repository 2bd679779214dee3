package com.fmawsss.labeling.labelstudio;

import com.fmawsss.security.DataRoots;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The Label Studio integration ({@code fma.label-studio.*}; docs/integrations.md). {@code url} and
 * {@code api-key} default to the variables Label Studio's own ML backends read, {@code
 * LABEL_STUDIO_URL} and {@code LABEL_STUDIO_API_KEY} (application.yaml); basic auth defaults to
 * {@code BASIC_AUTH_USER} / {@code BASIC_AUTH_PASS} likewise.
 *
 * @param enabled whether the ML backend endpoints are served
 * @param basePath where they are served, e.g. {@code /label-studio}
 * @param url Label Studio's base URL (relative task paths, the REST API); null when unset
 * @param apiKey API key (legacy token or personal access token); null when unset
 * @param basicAuthUser user of the optional HTTP basic auth on the ML backend endpoints
 * @param allowedHosts further hosts images may be fetched from (absolute task URLs, cloud-storage
 *     redirect targets): names, addresses or {@code *.domain}
 * @param allowLoopback whether loopback addresses may be fetched from hosts other than the Label
 *     Studio origin (which is reached at whatever address it has)
 * @param allowPrivateAddresses whether private addresses may be fetched from hosts other than the
 *     Label Studio origin (e.g. a storage on the same private network)
 * @param maxImageBytes largest image fetched
 * @param fetchTimeout deadline of one fetch, redirects included
 * @param maxRedirects most redirects followed per fetch
 * @param predictBudget time {@code /predict} spends before answering the remaining tasks with an
 *     error (Label Studio gives it 100 s)
 * @param freeTextLabels whether labels naming no vocabulary class are predicted as free-text classes
 * @param polygonMinArea smallest region, in pixels, answered as a polygon
 * @param datasetDir where corrected annotations are stored, under a data root (without data roots:
 *     {@code <state>/label-studio-corrections})
 * @param trainingEnabled whether {@code START_TRAINING} starts a prompt-training job
 * @param training settings of those jobs
 * @param rateLimit most requests per second the pre-annotation job sends to Label Studio
 * @param pageSize tasks per page the pre-annotation job reads; small, because Label Studio predicts a
 *     page's unpredicted tasks before answering it when "retrieve predictions automatically" is on
 * @param apiTimeout deadline of one API request of the pre-annotation job; a task page may wait for
 *     Label Studio's automatic predictions (Label Studio gives this service's {@code /predict} 100 s)
 * @param jobPatience how long one Label Studio request of the job may keep failing transiently
 *     (timeouts, 429, 5xx) before the job fails
 */
@ConfigurationProperties("fma.label-studio")
public record LabelStudioProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("/label-studio") String basePath,
        URI url,
        String apiKey,
        String basicAuthUser,
        String basicAuthPassword,
        @DefaultValue List<String> allowedHosts,
        @DefaultValue("false") boolean allowLoopback,
        @DefaultValue("false") boolean allowPrivateAddresses,
        @DefaultValue("33554432") long maxImageBytes,
        @DefaultValue("30s") Duration fetchTimeout,
        @DefaultValue("3") int maxRedirects,
        @DefaultValue("90s") Duration predictBudget,
        @DefaultValue("true") boolean freeTextLabels,
        @DefaultValue("16") int polygonMinArea,
        @DefaultValue("label-studio") String datasetDir,
        @DefaultValue("false") boolean trainingEnabled,
        @DefaultValue Training training,
        @DefaultValue("5") double rateLimit,
        @DefaultValue("10") int pageSize,
        @DefaultValue("180s") Duration apiTimeout,
        @DefaultValue("30m") Duration jobPatience) {

    /** Treats blank strings as unset. */
    public LabelStudioProperties {
        url = url == null || url.toString().isBlank() ? null : url;
        apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey.strip();
        basicAuthUser = basicAuthUser == null || basicAuthUser.isBlank() ? null : basicAuthUser;
        basicAuthPassword = basicAuthPassword == null || basicAuthPassword.isEmpty() ? null : basicAuthPassword;
        allowedHosts = allowedHosts == null ? List.of() : allowedHosts.stream().filter(h -> !h.isBlank()).toList();
        if (!(rateLimit > 0)) {
            throw new IllegalArgumentException("fma.label-studio.rate-limit must be positive");
        }
        if (pageSize < 1 || pageSize > 1000) {
            throw new IllegalArgumentException("fma.label-studio.page-size must be in [1, 1000]");
        }
        if (apiTimeout.isNegative() || apiTimeout.isZero() || jobPatience.isNegative()) {
            throw new IllegalArgumentException("fma.label-studio.api-timeout must be positive and job-patience not negative");
        }
    }

    /** Where corrections go when no data root is configured, under the state directory. */
    public static final String DEFAULT_CORRECTIONS_DIR = "label-studio-corrections";

    /**
     * The directory of the correction datasets: {@code dataset-dir} under the data roots, or {@link
     * #DEFAULT_CORRECTIONS_DIR} under the state directory when no data root is configured.
     *
     * @param roots the data roots
     * @param stateDir the state directory
     * @throws com.fmawsss.security.PathConfinementException when {@code dataset-dir} leaves the data roots
     */
    public Path correctionsRoot(DataRoots roots, Path stateDir) {
        return roots.roots().isEmpty() ? defaultCorrectionsRoot(stateDir) : roots.resolve(datasetDir);
    }

    /**
     * {@code <state>/label-studio-corrections}, absolute.
     *
     * @param stateDir the state directory
     */
    public static Path defaultCorrectionsRoot(Path stateDir) {
        return stateDir.resolve(DEFAULT_CORRECTIONS_DIR).toAbsolutePath().normalize();
    }

    /**
     * Whether basic auth guards the endpoints.
     *
     * @return true when user and password are set
     */
    public boolean basicAuth() {
        return basicAuthUser != null && basicAuthPassword != null;
    }

    /**
     * Settings of training jobs started by {@code START_TRAINING}; null values take the training
     * defaults.
     *
     * @param classificationIterations stage 1 iterations
     * @param segmentationIterations stage 3 iterations
     * @param batchSize batch size (the dataset needs at least this many annotated images)
     */
    public record Training(Integer classificationIterations, Integer segmentationIterations, Integer batchSize) {}

    /** Never prints the secrets. */
    @Override
    public String toString() {
        return "LabelStudioProperties[enabled=" + enabled + ", basePath=" + basePath + ", url=" + url + ", apiKey="
                + (apiKey == null ? "<unset>" : "****") + ", basicAuth=" + basicAuth() + ", allowedHosts=" + allowedHosts + "]";
    }
}
