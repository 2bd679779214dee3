#!/usr/bin/env bash
# Bounded load test (issue 10): starts the packaged service on a free loopback port with a fresh
# state directory and the demo bundle, waits for readiness, runs ops/load/loadtest.py at 1x, 2x
# and 4x the scheduler concurrency, stops the service and exits non-zero when a check failed.
#
#   ops/load/run.sh [--duration SECONDS] [--warmup SECONDS] [--levels 1,2,4] [--out FILE] [--build]
#                   [-- LOADTEST-ARGS...]
#
# --duration  seconds per level (default 300: 15 minutes in all)
# --warmup    seconds at the highest level first, not measured (default 60)
# --out       JSON result (default target/load/load-<date>.json)
# --build     always re-package the jar (otherwise only when it is missing or older than the sources)
# Environment: JAVA_HOME (a JDK >= 21; else `java` on PATH), PYTHON (default python3, >= 3.11),
# FMA_SCHEDULER_CONCURRENCY (default 1, the service default), FMA_SCHEDULER_QUEUE_CAPACITY
# (default 2 here: with the service default of 32, 4 closed-loop clients could never fill the
# queue and the 429 path would go untested), FMA_SAM_CACHE_BYTES (default 16 MiB here, so the
# bounded superpixel cache is full within the first level and its legitimate growth is not taken
# for a leak), LOAD_JAVA_OPTS (default: a fixed, pre-touched 1 GiB heap, so RSS does not grow as G1
# expands the heap and an RSS trend means native memory), LOAD_MALLOC (tcmalloc, the default and
# what the Docker image preloads; jemalloc; or glibc: no preload. A named allocator that is not
# installed is an error, not a silent fallback; CI installs libtcmalloc-minimal4 first). The live heap
# is probed with the JDK's jcmd (a full GC every 30 s) when it is next to java.
set -euo pipefail
self="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
cd "$(dirname "$self")/../.."

duration=300
warmup=60
levels=1,2,4
out="target/load/load-$(date +%F).json"
build=false
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --levels) levels="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --build) build=true; shift ;;
    --) shift; extra=("$@"); break ;;
    *) sed -n '2,/^set -euo/p' "$self" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
done

java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
major="$("$java_bin" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)"
if [[ -z "$major" || "$major" -lt 21 ]]; then
  echo "load: needs a JDK >= 21 (JAVA_HOME or java on PATH); found '${major:-none}'" >&2
  exit 2
fi
python=""
for candidate in ${PYTHON:-python3 python3.11 python3.12 python3.13}; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    python="$candidate"
    break
  fi
done
if [[ -z "$python" ]]; then
  echo "load: needs Python >= 3.11 (standard library only; set PYTHON)" >&2
  exit 2
fi

jar="$(ls target/fma-wsss-*.jar 2>/dev/null | grep -v -- '-plain\.jar$' | head -n1 || true)"
if $build || [[ -z "$jar" ]] || [[ -n "$(find src pom.xml -newer "$jar" -print -quit)" ]]; then
  echo "== packaging the service (mvnw package, tests skipped)"
  ./mvnw -B -q -DskipTests package
  jar="$(ls target/fma-wsss-*.jar | grep -v -- '-plain\.jar$' | head -n1)"
fi

malloc="${LOAD_MALLOC:-tcmalloc}"
preload=""
# Path of a shared library, or nothing. `|| true`: find fails for a missing directory (no /usr/lib64
# on some systems), which must not end the script under `set -e -o pipefail`.
find_library() {
  find /usr/lib /usr/lib64 /usr/local/lib -name "$1" 2>/dev/null | head -n1 || true
}
case "$malloc" in
  tcmalloc) preload="$(find_library libtcmalloc_minimal.so.4)" ;;
  jemalloc) preload="$(find_library libjemalloc.so.2)" ;;
  glibc) ;;
  *) echo "load: LOAD_MALLOC must be tcmalloc, jemalloc or glibc, not '$malloc'" >&2; exit 2 ;;
esac
if [[ "$malloc" != glibc && -z "$preload" ]]; then
  echo "load: $malloc is not installed (Debian/Ubuntu: apt-get install libtcmalloc-minimal4 or libjemalloc2;" \
       "LOAD_MALLOC=glibc runs without a preload)" >&2
  exit 2
fi

concurrency="${FMA_SCHEDULER_CONCURRENCY:-1}"
capacity="${FMA_SCHEDULER_QUEUE_CAPACITY:-2}"
port="$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
state="$(mktemp -d "${TMPDIR:-/tmp}/fma-load-state.XXXXXX")"
log="$state/service.log"
pid=""

cleanup() {
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -rf "$state"
}
trap cleanup EXIT

echo "== starting $jar on 127.0.0.1:$port (concurrency $concurrency, queue capacity $capacity, malloc $malloc${preload:+ $preload}, state $state)"
# The admin API stays disabled (no token); only the inference endpoints are driven.
env -u FMA_ADMIN_TOKEN \
  FMA_STATE_DIR="$state" \
  FMA_SCHEDULER_CONCURRENCY="$concurrency" \
  FMA_SCHEDULER_QUEUE_CAPACITY="$capacity" \
  FMA_SAM_CACHE_BYTES="${FMA_SAM_CACHE_BYTES:-16777216}" \
  ${preload:+LD_PRELOAD="$preload"} \
  "$java_bin" ${LOAD_JAVA_OPTS:--Xms1g -Xmx1g -XX:+AlwaysPreTouch} \
  -XX:+ExitOnOutOfMemoryError -Dai.djl.offline=true \
  -jar "$jar" --server.address=127.0.0.1 --server.port="$port" >"$log" 2>&1 &
pid=$!

ready=false
for _ in $(seq 360); do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "load: the service exited during startup; log:" >&2
    tail -n 60 "$log" >&2
    exit 1
  fi
  if "$python" -c 'import sys, urllib.request
try:
    sys.exit(0 if b"\"UP\"" in urllib.request.urlopen(sys.argv[1], timeout=2).read() else 1)
except Exception:
    sys.exit(1)' "http://127.0.0.1:$port/actuator/health/readiness"; then
    ready=true
    break
  fi
  sleep 0.5
done
if ! $ready; then
  echo "load: the service was not ready within 180 s; log:" >&2
  tail -n 60 "$log" >&2
  exit 1
fi

probe=()
jcmd="$(dirname "$(readlink -f "$(command -v "$java_bin")")")/jcmd"
if [[ -x "$jcmd" ]]; then
  probe=(--jcmd "$jcmd")
fi

status=0
"$python" ops/load/loadtest.py --base-url "http://127.0.0.1:$port" --pid "$pid" \
  --concurrency "$concurrency" --queue-capacity "$capacity" --levels "$levels" --duration "$duration" --warmup "$warmup" --malloc "$malloc" \
  --photos src/test/resources/photos/*.jpg --out "$out" ${probe[@]+"${probe[@]}"} ${extra[@]+"${extra[@]}"} || status=$?

if grep -qE 'ERROR|Exception' "$log"; then
  echo "== errors in the service log:"
  grep -E 'ERROR|Exception' "$log" | head -n 20
fi
if [[ "$status" -ne 0 ]]; then
  cp "$log" "${out%.json}-service.log"
  echo "service log kept at ${out%.json}-service.log"
fi
exit "$status"
