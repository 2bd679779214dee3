#!/usr/bin/env bash
# Throughput benchmark of seed-batch (docs/bulk-seeding.md, "Throughput"): seeds a synthetic
# VOC-sized dataset with one shard process (no prefetch, then prefetch 2) and with two shard
# processes side by side on this machine, and prints images per hour from the shard records.
#
#   ops/bulk-seeding/run.sh BUNDLE_DIR|demo PROFILE COUNT [NAME]
#   e.g. ops/bulk-seeding/run.sh demo demo 12 tiny
#        ops/bulk-seeding/run.sh bench/.bundles/clip-b16-sam-b fast 4 clip-b16-sam-b-fast
#
# Results: bench/results/<date>-bulk-seeding-<NAME>.json. Needs JDK >= 21 (JAVA_HOME) and the
# models/.venv (numpy, opencv) for the dataset. Not a test: numbers depend on the machine and on
# whatever else runs on it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
bundle="$1"; profile="$2"; count="$3"; name="${4:-run}"
java="${JAVA_HOME:?set JAVA_HOME to a JDK >= 21}/bin/java"
work="$(mktemp -d "${TMPDIR:-/tmp}/bulk-seeding.XXXXXX")"
trap 'rm -rf "$work"' EXIT

./mvnw -B -q compile
./mvnw -B -q dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" >/dev/null
cp="target/classes:$(cat "$work/cp.txt")"
models/.venv/bin/python ops/bulk-seeding/make_voc.py "$work/voc" "$count" --balance 2 --seed 1

seed() { # out index shards threads prefetch
  "$java" -Xmx2g -XX:+ExitOnOutOfMemoryError -cp "$cp" com.fmawsss.FmaWsssApplication seed-batch \
    --dataset "$work/voc" --format voc --split train --out "$1" --index "$2" --shards "$3" \
    --threads "$4" --prefetch "$5" --bundle "$bundle" --amg "$profile" --state "$work/state" \
    --progress-seconds 60 >>"$work/log.txt" 2>&1
}

seed "$work/one-noprefetch" 0 1 0 0
seed "$work/one-prefetch" 0 1 0 2
seed "$work/two" 0 2 1 2 & first=$!
seed "$work/two" 1 2 1 2 & second=$!
wait "$first" "$second"

mkdir -p bench/results
result="bench/results/$(date -u +%Y-%m-%d)-bulk-seeding-$name.json"
models/.venv/bin/python - "$work" "$bundle" "$profile" "$count" "$result" <<'PY'
import datetime, glob, json, os, platform, sys
work, bundle, profile, count, result = sys.argv[1:6]

def summary(out):
    records = [json.load(open(f)) for f in sorted(glob.glob(os.path.join(out, "shards", "*.json")))]
    shards = []
    starts, ends, written = [], [], 0
    for r in records:
        a = r["attempts"][-1]
        start = datetime.datetime.fromisoformat(a["startedAt"]).timestamp() + a["setupSeconds"]
        starts.append(start)
        ends.append(start + a["seconds"])
        written += a["written"]
        shards.append({"index": r["index"], "images": a["written"], "seconds": round(a["seconds"], 1),
                       "setupSeconds": round(a["setupSeconds"], 1),
                       "imagesPerHour": round(a["written"] * 3600 / a["seconds"], 1)})
    wall = max(ends) - min(starts)
    return {"shards": shards, "images": written, "seedingWallSeconds": round(wall, 1),
            "imagesPerHour": round(written * 3600 / wall, 1)}

report = {
    "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "bundle": bundle, "profile": profile, "images": int(count),
    "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                "loadAverageAtEnd": [round(x, 2) for x in os.getloadavg()]},
    "configurations": {
        "1 process, no prefetch": summary(os.path.join(work, "one-noprefetch")),
        "1 process, prefetch 2": summary(os.path.join(work, "one-prefetch")),
        "2 processes, 1 intra-op thread each, prefetch 2": summary(os.path.join(work, "two")),
    },
}
json.dump(report, open(result, "w"), indent=2)
print(json.dumps(report, indent=2))
PY
echo "wrote $result"
