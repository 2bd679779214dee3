# syntax=docker/dockerfile:1
#
# FMA-WSSS service image (multi-stage).
#
#   docker build -t fma-wsss:0.1.0-cpu .
#   docker run --rm -p 8080:8080 -v fma-state:/var/lib/fma fma-wsss:0.1.0-cpu
#
#   docker build --build-arg VARIANT=cuda -t fma-wsss:0.1.0-cuda .
#   docker run --rm --gpus all -p 8080:8080 -v fma-state:/var/lib/fma fma-wsss:0.1.0-cuda
#
# Build argument VARIANT selects the PyTorch natives baked into the image:
#   cpu  (default) - ai.djl.pytorch:pytorch-native-cpu (linux-x86_64), from the pom, inside the
#          Spring Boot jar; runtime base eclipse-temurin:25-jre.
#   cuda - libtorch 2.7.1 for CUDA 12.8 (DJL flavor "cu128"). Maven Central has no CUDA natives
#          for PyTorch 2.7.1 (pytorch-native-cu128/-cu126/-cu124/-cu121:2.7.1 were all checked and
#          are absent), so they are DOWNLOADED BY DJL AT IMAGE BUILD TIME (from publish.djl.ai)
#          into $DJL_CACHE_DIR inside the image; at run time ai.djl.offline=true forbids any
#          download and DJL finds them in its cache. The cpu natives jar is removed from the
#          application's classpath (the jar is extracted with Spring Boot's jarmode tools), because
#          DJL prefers natives found on the classpath over downloaded ones. The JNI library for
#          cu128 ships in the pytorch-jni jar already. Runtime base: nvidia/cuda cudnn runtime
#          (Ubuntu 22.04) with the Temurin 25 JRE copied in from eclipse-temurin:25-jre.
#          Needs the NVIDIA Container Toolkit on the host (docker run --gpus ...).
#
# The image needs BuildKit (default since Docker 23) for the Maven cache mounts and the heredoc
# below.

ARG VARIANT=cpu
# CUDA variant only. The DJL flavor must match a flavor published for PyTorch 2.7.1 with a JNI
# library in ai.djl.pytorch:pytorch-jni:2.7.1-0.36.0 (which has linux-x86_64/cu128), and the
# CUDA runtime base must be that CUDA version (the host driver must support it: >= 570).
ARG PYTORCH_FLAVOR=cu128
ARG CUDA_BASE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu22.04

# ---------------------------------------------------------------------------------------------
# Build stage: JDK 25 + Maven wrapper (the project compiles with --release 21).
# ---------------------------------------------------------------------------------------------
FROM eclipse-temurin:25-jdk AS build
ARG VARIANT
WORKDIR /build

RUN case "${VARIANT}" in \
      cpu|cuda) ;; \
      *) echo "VARIANT=${VARIANT} is not supported: use cpu (default) or cuda." >&2; exit 1 ;; \
    esac

# 1) Wrapper + pom only, so this step is reused until the pom changes; the local repository is a
#    BuildKit cache mount, so even a changed pom only downloads what is new. go-offline cannot
#    see every plugin dependency resolved later; the package step fetches the rest, so a partial
#    failure here must not break the build.
COPY mvnw pom.xml ./
COPY .mvn/ .mvn/
RUN --mount=type=cache,target=/root/.m2 \
    chmod +x mvnw && \
    (./mvnw -B -ntp -q dependency:go-offline || echo "dependency:go-offline incomplete; continuing")

# 2) Sources and the demo bundle (packaged into the jar as the default bundle; see pom.xml).
COPY src/ src/
COPY models/demo-bundle/ models/demo-bundle/
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -ntp -DskipTests package && \
    set -- $(ls target/*.jar | grep -v -E -- '-(sources|javadoc|tests|plain)\.jar$') && \
    if [ "$#" -ne 1 ]; then echo "expected exactly one application jar in target/, found: $*" >&2; exit 1; fi && \
    cp "$1" /build/app.jar

# 3) What goes to /app in the runtime image.
#    cpu:  the Spring Boot jar as it is (/app/app.jar, natives inside; unchanged behaviour).
#    cuda: the jar extracted by Spring Boot's jarmode tools into /app/app.jar (thin, its manifest
#          Class-Path names lib/*.jar) + /app/lib/, minus pytorch-native-cpu, so DJL does not pick
#          the bundled CPU natives and uses the CUDA natives cached at build time instead (a
#          Class-Path entry whose file is missing is ignored by the JVM).
RUN mkdir -p /build/dist && \
    if [ "${VARIANT}" = "cuda" ]; then \
      java -Djarmode=tools -jar /build/app.jar extract --destination /build/dist && \
      ls /build/dist/app.jar && \
      set -- /build/dist/lib/pytorch-native-cpu-*.jar && \
      if [ ! -f "$1" ]; then echo "pytorch-native-cpu jar not found in the extracted lib/" >&2; exit 1; fi && \
      rm -f /build/dist/lib/pytorch-native-cpu-*.jar; \
    else \
      cp /build/app.jar /build/dist/app.jar; \
    fi

# ---------------------------------------------------------------------------------------------
# Runtime bases, one per VARIANT (BuildKit builds only the one selected below).
# ---------------------------------------------------------------------------------------------
# cpu: JRE 25 on Ubuntu (glibc is required by the PyTorch natives, so no Alpine).
FROM eclipse-temurin:25-jre AS runtime-cpu

# cuda: CUDA + cuDNN runtime on Ubuntu 22.04, with the Temurin 25 JRE copied from its image.
FROM ${CUDA_BASE} AS runtime-cuda
ARG PYTORCH_FLAVOR
ENV JAVA_HOME=/opt/java/openjdk \
    PATH=/opt/java/openjdk/bin:$PATH \
    LANG=C.UTF-8 \
    PYTORCH_FLAVOR=${PYTORCH_FLAVOR} \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
COPY --from=eclipse-temurin:25-jre /opt/java/openjdk /opt/java/openjdk
RUN java -version

# ---------------------------------------------------------------------------------------------
# Runtime stage.
# ---------------------------------------------------------------------------------------------
# hadolint ignore=DL3006
FROM runtime-${VARIANT} AS runtime
ARG VARIANT

LABEL org.opencontainers.image.title="fma-wsss" \
      org.opencontainers.image.description="FMA-WSSS weakly supervised semantic segmentation service (DJL + PyTorch)" \
      org.opencontainers.image.version="0.1.0" \
      io.fmawsss.variant="${VARIANT}"

# Non-root user (uid/gid 10001) owning the state and data directories.
RUN groupadd --system --gid 10001 fma && \
    useradd --system --uid 10001 --gid 10001 --home-dir /home/fma --create-home \
            --shell /usr/sbin/nologin fma && \
    mkdir -p /app /data /var/lib/fma /opt/fma/bundle && \
    chown -R 10001:10001 /data /var/lib/fma /home/fma

# tcmalloc for the native (libtorch) heap: under sustained load glibc malloc keeps freed tensor
# memory and RSS climbs (+49 MiB/min in ops/load); with tcmalloc RSS stays flat and throughput is
# 8 % higher (docs/reliability.md, "Findings"). The link gives LD_PRELOAD one path on every arch.
# Ubuntu 24.04 (cpu base) names the package libtcmalloc-minimal4t64, Ubuntu 22.04 (cuda base)
# libtcmalloc-minimal4.
# hadolint ignore=DL3008
RUN apt-get update && \
    { apt-get install -y --no-install-recommends libtcmalloc-minimal4t64 || \
      apt-get install -y --no-install-recommends libtcmalloc-minimal4; } && \
    rm -rf /var/lib/apt/lists/* && \
    ln -s "$(find /usr/lib -name 'libtcmalloc_minimal.so.4' | head -n1)" /opt/fma/libtcmalloc_minimal.so.4 && \
    test -e /opt/fma/libtcmalloc_minimal.so.4

WORKDIR /app
COPY --from=build --chown=root:root /build/dist/ /app/

# cuda only: let DJL download the CUDA natives NOW, into the cache directory the service uses at
# run time (DJL_CACHE_DIR below), so that nothing is downloaded at run time (ai.djl.offline=true).
# The build host has no GPU driver, so loading libtorch fails after the download; the step only
# checks that libtorch.so of the requested flavor is in the cache. The cache belongs to uid 10001:
# DJL still writes the JNI library (from the pytorch-jni jar) there on first start.
COPY <<'EOF' /opt/fma/DjlPrefetch.java
import java.nio.file.Files;
import java.nio.file.Path;

/** Build-time only: downloads the PyTorch natives of $PYTORCH_FLAVOR into $DJL_CACHE_DIR. */
public class DjlPrefetch {
    public static void main(String[] args) {
        try {
            ai.djl.pytorch.jni.LibUtils.loadLibrary();
        } catch (Throwable t) {
            System.out.println("Loading libtorch failed (expected without a GPU driver): " + t);
        }
        Path dir = Path.of(System.getenv("DJL_CACHE_DIR"), "pytorch",
                "2.7.1-" + System.getenv("PYTORCH_FLAVOR") + "-linux-x86_64");
        if (!Files.isRegularFile(dir.resolve("libtorch.so"))) {
            System.err.println("PyTorch natives were not downloaded to " + dir);
            System.exit(1);
        }
        System.out.println("PyTorch natives cached in " + dir);
    }
}
EOF
RUN if [ "${VARIANT}" = "cuda" ]; then \
      DJL_CACHE_DIR=/home/fma/.djl.ai JAVA_TOOL_OPTIONS= \
        java -Dai.djl.offline=false -cp '/app/app.jar:/app/lib/*' /opt/fma/DjlPrefetch.java && \
      chown -R 10001:10001 /home/fma/.djl.ai; \
    fi && \
    rm -f /opt/fma/DjlPrefetch.java

# FMA_STATE_DIR: jobs, prompt store, superpixel cache -> must be a persistent volume.
# FMA_DATA_ROOTS: datasets and job outputs must lie under these (comma-separated) directories.
# FMA_BUNDLE_DIR is left unset: the service then uses the demo bundle shipped in the jar; mount a
#   real bundle (e.g. at /opt/fma/bundle) and set FMA_BUNDLE_DIR to use it.
# FMA_ADMIN_TOKEN is left unset: the admin API stays disabled until a token is provided.
# DJL_CACHE_DIR: where DJL unpacks the PyTorch natives from the jar at start-up (writable, non-persistent);
#   in the cuda image it already holds the CUDA natives downloaded at build time (keep it: do not
#   mount a volume over it, or DJL finds an empty cache and, being offline, fails to start).
# JAVA_TOOL_OPTIONS: heap is capped at 50% of the container memory limit (not 75%) because
#   PyTorch tensors and weights live off-heap, in native memory, and need the rest;
#   ai.djl.offline=true forbids DJL from downloading natives (cpu: they come from the Maven jars;
#   cuda: they were downloaded at build time). The cuda image also sets PYTORCH_FLAVOR (above) so
#   DJL looks for the cached flavor instead of guessing one from the host's CUDA driver.
# LD_PRELOAD: tcmalloc (see above); unset it to fall back to glibc malloc.
# MANAGEMENT_ENDPOINT_HEALTH_PROBES_ENABLED: exposes /actuator/health/{liveness,readiness} outside
#   Kubernetes too (Spring Boot enables them by itself only when it detects Kubernetes).
ENV FMA_STATE_DIR=/var/lib/fma \
    FMA_DATA_ROOTS=/data \
    FMA_DEVICE=auto \
    DJL_CACHE_DIR=/home/fma/.djl.ai \
    LD_PRELOAD=/opt/fma/libtcmalloc_minimal.so.4 \
    MANAGEMENT_ENDPOINT_HEALTH_PROBES_ENABLED=true \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=50 -XX:+ExitOnOutOfMemoryError -Dai.djl.offline=true"

VOLUME ["/data", "/var/lib/fma"]

USER 10001:10001
EXPOSE 8080

# Health check without curl/wget (the temurin JRE image ships neither, and we do not add packages
# just for this): bash's /dev/tcp sends a plain HTTP/1.0 request to the liveness group and
# accepts only a 200 status line. Generous start period: natives are unpacked and the bundle is
# loaded before the endpoint answers.
HEALTHCHECK --interval=30s --timeout=5s --start-period=180s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /actuator/health/liveness HTTP/1.0\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && read -r -t 4 proto status _ <&3 && [[ $status == 200* ]]"]

# Replaces the base image's CA-certificate entrypoint (it needs root, and we run as 10001).
ENTRYPOINT ["java", "-jar", "/app/app.jar"]
