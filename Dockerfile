# syntax=docker/dockerfile:1
#
# FMA-WSSS service image (multi-stage).
#
#   docker build -t fma-wsss:0.1.0-cpu .
#   docker run --rm -p 8080:8080 -v fma-state:/var/lib/fma fma-wsss:0.1.0-cpu
#
# Build argument VARIANT selects the PyTorch natives baked into the image:
#   cpu  (default) - ai.djl.pytorch:pytorch-native-cpu (linux-x86_64), from the pom.
#   cuda - NOT WIRED YET. The GPU image (CUDA natives + an nvidia/cuda runtime base) is added by a
#          later issue; until then `--build-arg VARIANT=cuda` fails the build on purpose rather than
#          silently producing a CPU-only image tagged as a GPU one.
#
# The image needs BuildKit (default since Docker 23) for the Maven cache mounts below.

ARG VARIANT=cpu

# ---------------------------------------------------------------------------------------------
# Build stage: JDK 25 + Maven wrapper (the project compiles with --release 21).
# ---------------------------------------------------------------------------------------------
FROM eclipse-temurin:25-jdk AS build
ARG VARIANT
WORKDIR /build

RUN if [ "${VARIANT}" != "cpu" ]; then \
      echo "VARIANT=${VARIANT} is not supported yet: only VARIANT=cpu is wired (CUDA natives come in a later issue)." >&2; \
      exit 1; \
    fi

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

# ---------------------------------------------------------------------------------------------
# Runtime stage: JRE 25 on Ubuntu (glibc is required by the PyTorch natives, so no Alpine).
# ---------------------------------------------------------------------------------------------
FROM eclipse-temurin:25-jre AS runtime
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

WORKDIR /app
COPY --from=build --chown=root:root /build/app.jar /app/app.jar

# FMA_STATE_DIR: jobs, prompt store, superpixel cache -> must be a persistent volume.
# FMA_DATA_ROOTS: datasets and job outputs must lie under these (comma-separated) directories.
# FMA_BUNDLE_DIR is left unset: the service then uses the demo bundle shipped in the jar; mount a
#   real bundle (e.g. at /opt/fma/bundle) and set FMA_BUNDLE_DIR to use it.
# FMA_ADMIN_TOKEN is left unset: the admin API stays disabled until a token is provided.
# DJL_CACHE_DIR: where DJL unpacks the PyTorch natives from the jar at start-up (writable, non-persistent).
# JAVA_TOOL_OPTIONS: heap is capped at 50% of the container memory limit (not 75%) because
#   PyTorch tensors and weights live off-heap, in native memory, and need the rest;
#   ai.djl.offline=true forbids DJL from downloading natives (they come from the Maven jars).
# MANAGEMENT_ENDPOINT_HEALTH_PROBES_ENABLED: exposes /actuator/health/{liveness,readiness} outside
#   Kubernetes too (Spring Boot enables them by itself only when it detects Kubernetes).
ENV FMA_STATE_DIR=/var/lib/fma \
    FMA_DATA_ROOTS=/data \
    FMA_DEVICE=auto \
    DJL_CACHE_DIR=/home/fma/.djl.ai \
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
