#!/usr/bin/env python3
"""Bounded load test of a running FMA-WSSS service (issue 10).

Drives ``POST /v1/masks`` and ``POST /v1/seeds`` from closed-loop clients on the loopback
interface: an unmeasured warm-up at the highest level, then each level (a multiple of the
scheduler concurrency) for a fixed duration. Checks:

* every response is 200 or 429 (zero 5xx, no other status, no transport error, every 200 body is
  the JSON document the endpoint promises, every 429 has ``Retry-After``);
* the inference queue drains after each level (``fma_inference_queue_depth`` and
  ``fma_inference_in_flight`` back to 0);
* memory is flat over the second half of the measured run (linear-regression slopes of
  per-minute minima, MiB per minute; transient allocations only add, a leak raises the floor): the
  process RSS (``VmRSS`` of /proc/<pid>/status, every ``--sample-interval`` s) below
  ``--rss-bound``, and the heap below ``--heap-bound``. The heap judged is the per-minute minimum
  of the live heap: the old generation right after a full collection that ``jcmd <pid> GC.run``
  triggers every ``--gc-interval`` s. Without ``--jcmd`` it is the per-minute minimum of the sampled used heap
  (``jvm_memory_used_bytes{area="heap"}``), which is also reported; under G1 that minimum rises
  with promoted garbage until an old-generation cycle, so it overstates growth. Trends are only
  judged when the half is at least ``--min-trend-seconds`` long (short CI runs report them).

Standard library only (Python >= 3.11). Writes a JSON result and prints a table; exits 1 when a
check fails, 2 on bad usage. ``ops/load/run.sh`` starts the service and calls this script.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import math
import os
import random
import re
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
import zlib
from dataclasses import dataclass, field

ENDPOINTS = ("/v1/masks", "/v1/seeds")
# VOC class names: valid for /v1/masks (any names) and /v1/seeds (the active manual-voc vocabulary).
CLASS_SETS = ("cat,dog", "person,bicycle", "bird,boat,train", "car,bus", "cow,horse,sheep")
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
MIB = 1024.0 * 1024.0


# ---------------------------------------------------------------------------------------------
# Images: PNGs written with zlib (no imaging library needed); every seed gives different bytes,
# so a fresh seed is a superpixel-cache miss and a pooled image is a hit after its first use.


def png_rgb(width: int, height: int, rows: list[bytes]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + row for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def synthetic_png(seed: int, width: int = 160, height: int = 120) -> bytes:
    """A gradient background with a few coloured discs, different for every seed."""
    rnd = random.Random(seed)
    discs = [(rnd.randrange(width), rnd.randrange(height), rnd.randrange(12, 40),
              (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))) for _ in range(rnd.randrange(2, 6))]
    base = (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))
    rows = []
    for y in range(height):
        row = bytearray()
        for x in range(width):
            colour = ((base[0] + x) % 256, (base[1] + y) % 256, (base[2] + x + y) % 256)
            for cx, cy, r, c in discs:
                if (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r:
                    colour = c
            row += bytes(colour)
        rows.append(bytes(row))
    return png_rgb(width, height, rows)


def multipart(fields: list[tuple[str, str]], image: bytes, filename: str) -> tuple[bytes, str]:
    boundary = "----fma-load-%016x" % random.getrandbits(64)
    parts = []
    for name, value in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="{filename}"\r\n'
                 f"Content-Type: application/octet-stream\r\n\r\n".encode() + image + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# ---------------------------------------------------------------------------------------------
# Service observation: Prometheus scrape and /proc.


METRIC_LINE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)")


def scrape(host: str, port: int) -> dict[str, float]:
    """Sums of the few series the checks need (a key is absent when its series is)."""
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        conn.request("GET", "/actuator/prometheus")
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        if response.status != 200:
            raise OSError(f"/actuator/prometheus answered {response.status}")
    finally:
        conn.close()
    sums: dict[str, float] = {}

    def add(key: str, value: float) -> None:
        sums[key] = sums.get(key, 0.0) + value

    for line in text.splitlines():
        m = METRIC_LINE.match(line)
        if not m:
            continue
        name, labels, value = m.group(1), m.group(2) or "", float(m.group(3))
        if name == "jvm_memory_used_bytes" and 'area="heap"' in labels:
            add("heap", value)
            if "Old Gen" in labels or "Tenured Gen" in labels:
                add("old_gen", value)
        elif name == "jvm_memory_committed_bytes":
            add("heap_committed" if 'area="heap"' in labels else "nonheap_committed", value)
        elif name == "jvm_gc_live_data_size_bytes":
            add("gc_live", value)
        elif name == "fma_inference_queue_depth":
            add("queue_depth", value)
        elif name == "fma_inference_in_flight":
            add("in_flight", value)
        elif name == "fma_superpixel_cache_hits_total":
            add("cache_hits", value)
        elif name == "fma_superpixel_cache_misses_total":
            add("cache_misses", value)
        elif name == "fma_superpixel_cache_bytes":
            add("cache_bytes", value)
    return sums


def read_loadavg() -> list[float] | None:
    """1, 5 and 15-minute load averages of the host (the service shares its CPUs with the clients)."""
    try:
        with open("/proc/loadavg", encoding="ascii") as f:
            return [float(x) for x in f.read().split()[:3]]
    except OSError:
        return None


def rss_bytes(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return float(line.split()[1]) * 1024.0
    raise OSError(f"no VmRSS for pid {pid}")


# ---------------------------------------------------------------------------------------------
# Statistics.


def percentile(sorted_values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (no interpolation), None for an empty list."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


def slope(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of (x, y) points, None with fewer than 3 points."""
    if len(points) < 3:
        return None
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in points) / sxx


def window_minima(samples: list[tuple[float, float]], start: float, end: float, width: float) -> list[tuple[float, float]]:
    """Minimum of the samples in each complete window of `width` seconds from `start`, at the window centre."""
    minima = []
    count = int((end - start) // width)
    for k in range(count):
        lo, hi = start + k * width, start + (k + 1) * width
        values = [v for t, v in samples if lo <= t < hi]
        if values:
            minima.append((lo + width / 2, min(values)))
    return minima


# ---------------------------------------------------------------------------------------------
# Load generation.


@dataclass
class Outcome:
    endpoint: str
    status: int  # 0 = transport error
    seconds: float
    detail: str = ""


@dataclass
class Level:
    multiple: int
    clients: int
    warmup: bool = False
    started: float = 0.0
    ended: float = 0.0
    drained_after: float | None = None
    drain_state: dict = field(default_factory=dict)
    cache_before: dict = field(default_factory=dict)
    cache_after: dict = field(default_factory=dict)
    outcomes: list[Outcome] = field(default_factory=list)


class Workload:
    """The requests: endpoint, image (pooled or fresh) and class set, from a per-client RNG."""

    def __init__(self, photos: list[bytes], pool_size: int, fresh_fraction: float, seed: int) -> None:
        self.pool = list(photos) + [synthetic_png(seed * 7919 + i) for i in range(pool_size)]
        self.fresh_fraction = fresh_fraction
        self.fresh_seeds = itertools.count(seed * 1_000_003 + 10_000)
        self.lock = threading.Lock()

    def next_request(self, rnd: random.Random) -> tuple[str, bytes, str]:
        endpoint = rnd.choice(ENDPOINTS)
        if rnd.random() < self.fresh_fraction:
            with self.lock:
                fresh = next(self.fresh_seeds)
            image = synthetic_png(fresh)
        else:
            image = rnd.choice(self.pool)
        fields = []
        classes = rnd.choice(CLASS_SETS)
        if endpoint == "/v1/masks":
            fields.append(("classes", classes))
            if rnd.random() < 0.2:
                fields.append(("refine", "none"))
        else:
            fields.append(("labels", classes))
            if rnd.random() < 0.25:
                fields.append(("include", "cams,superpixels"))
        body, content_type = multipart(fields, image, "image.png")
        return endpoint, body, content_type


def valid_body(endpoint: str, payload: bytes) -> str:
    """Empty when a 200 body is the promised JSON document, else what is wrong with it."""
    try:
        doc = json.loads(payload)
    except ValueError as e:
        return f"200 body is not JSON: {e}"
    if not isinstance(doc, dict):
        return "200 body is not a JSON object"
    # Both endpoints answer a label map: per-class RLE masks over an image of the given size.
    missing = [key for key in ("width", "height", "classes", "masks") if key not in doc]
    return f"200 body of {endpoint} lacks {missing}" if missing else ""


def client_loop(host: str, port: int, workload: Workload, rnd: random.Random, deadline: float,
                max_backoff: float, request_timeout: float, sink: list[Outcome]) -> None:
    conn = None
    while time.monotonic() < deadline:
        endpoint, body, content_type = workload.next_request(rnd)
        began = time.monotonic()
        retry_after = None
        try:
            if conn is None:
                conn = http.client.HTTPConnection(host, port, timeout=request_timeout)
            conn.request("POST", endpoint, body=body, headers={"Content-Type": content_type, "Accept": "application/json"})
            response = conn.getresponse()
            payload = response.read()
            seconds = time.monotonic() - began
            detail = ""
            if response.status == 200:
                detail = valid_body(endpoint, payload)
            elif response.status == 429:
                retry_after = response.getheader("Retry-After")
                if retry_after is None:
                    detail = "429 without Retry-After"
            else:
                detail = payload[:300].decode("utf-8", "replace")
            sink.append(Outcome(endpoint, response.status, seconds, detail))
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as e:
            sink.append(Outcome(endpoint, 0, time.monotonic() - began, f"{type(e).__name__}: {e}"))
            if conn is not None:
                conn.close()
            conn = None
        if retry_after is not None:
            # A well-behaved client waits as told; capped so the level keeps probing the queue.
            try:
                wait = min(float(retry_after), max_backoff)
            except ValueError:
                wait = max_backoff
            time.sleep(max(0.0, min(wait, deadline - time.monotonic())))
    if conn is not None:
        conn.close()


class Sampler(threading.Thread):
    """Samples RSS, heap and queue gauges every `interval` seconds until stopped."""

    def __init__(self, host: str, port: int, pid: int, interval: float, t0: float) -> None:
        super().__init__(name="sampler", daemon=True)
        self.host, self.port, self.pid, self.interval, self.t0 = host, port, pid, interval, t0
        self.samples: list[dict] = []
        self.errors: list[str] = []
        self.stop = threading.Event()

    def sample(self) -> None:
        t = time.monotonic() - self.t0
        try:
            rss = rss_bytes(self.pid)
            metrics = scrape(self.host, self.port)
            self.samples.append({"t": round(t, 2), "rss": rss, "heap": metrics.get("heap"),
                                 "heapCommitted": metrics.get("heap_committed"),
                                 "nonHeapCommitted": metrics.get("nonheap_committed"), "gcLiveData": metrics.get("gc_live"),
                                 "queueDepth": metrics.get("queue_depth"), "inFlight": metrics.get("in_flight")})
        except (OSError, ValueError, http.client.HTTPException) as e:
            self.errors.append(f"t={t:.1f}s: {type(e).__name__}: {e}")

    def run(self) -> None:
        while not self.stop.is_set():
            self.sample()
            self.stop.wait(self.interval)


class GcProbe(threading.Thread):
    """Every `interval` seconds: a full collection through `jcmd <pid> GC.run`, then the old
    generation's size, which after a full (compacting) collection is the live heap."""

    def __init__(self, jcmd: str, host: str, port: int, pid: int, interval: float, t0: float) -> None:
        super().__init__(name="gc-probe", daemon=True)
        self.jcmd, self.host, self.port, self.pid, self.interval, self.t0 = jcmd, host, port, pid, interval, t0
        self.points: list[dict] = []
        self.errors: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(self.interval):
            began = time.monotonic()
            try:
                subprocess.run([self.jcmd, str(self.pid), "GC.run"], check=True, timeout=60, capture_output=True)
                metrics = scrape(self.host, self.port)
                self.points.append({"t": round(began - self.t0, 2), "liveHeap": metrics.get("old_gen", metrics.get("heap")),
                                    "seconds": round(time.monotonic() - began, 3)})
            except (OSError, subprocess.SubprocessError, http.client.HTTPException) as e:
                self.errors.append(f"{type(e).__name__}: {e}")


def wait_for_drain(host: str, port: int, timeout: float) -> tuple[float | None, dict]:
    """Seconds until queue depth and in-flight are both 0 (None when they never are)."""
    began = time.monotonic()
    last: dict = {}
    while True:
        try:
            last = scrape(host, port)
            if last.get("queue_depth") == 0 and last.get("in_flight") == 0:
                return time.monotonic() - began, last
        except (OSError, http.client.HTTPException) as e:
            last = {"error": str(e)}
        if time.monotonic() - began > timeout:
            return None, last
        time.sleep(0.5)


def run_level(host: str, port: int, level: Level, workload: Workload, duration: float, args, t0: float) -> None:
    level.cache_before = scrape(host, port)
    level.started = time.monotonic() - t0
    deadline = time.monotonic() + duration
    sinks: list[list[Outcome]] = [[] for _ in range(level.clients)]
    threads = []
    for c in range(level.clients):
        rnd = random.Random(args.seed * 1_000 + level.multiple * 100 + c)
        t = threading.Thread(target=client_loop, name=f"client-{level.multiple}x-{c}",
                             args=(host, port, workload, rnd, deadline, args.max_backoff, args.request_timeout, sinks[c]))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    level.ended = time.monotonic() - t0
    level.outcomes = [o for sink in sinks for o in sink]
    level.drained_after, level.drain_state = wait_for_drain(host, port, args.drain_timeout)
    level.cache_after = scrape(host, port)


# ---------------------------------------------------------------------------------------------
# Report.


def level_report(level: Level) -> dict:
    statuses: dict[str, int] = {}
    for o in level.outcomes:
        statuses[str(o.status)] = statuses.get(str(o.status), 0) + 1
    per_endpoint = {}
    for endpoint in ENDPOINTS:
        ok = sorted(o.seconds for o in level.outcomes if o.endpoint == endpoint and o.status == 200)
        rejected = sorted(o.seconds for o in level.outcomes if o.endpoint == endpoint and o.status == 429)
        per_endpoint[endpoint] = {
            "requests": sum(1 for o in level.outcomes if o.endpoint == endpoint),
            "ok": len(ok),
            "rejected": len(rejected),
            "p50Seconds": percentile(ok, 50),
            "p95Seconds": percentile(ok, 95),
            "p99Seconds": percentile(ok, 99),
            "maxSeconds": ok[-1] if ok else None,
            "p99RejectedSeconds": percentile(rejected, 99),
        }
    # A failure: any status but 200/429, a transport error, a bad 200 body, a 429 without Retry-After.
    failures = [o for o in level.outcomes if o.status not in (200, 429) or o.detail]
    seconds = max(level.ended - level.started, 1e-9)
    hits = level.cache_after.get("cache_hits", 0) - level.cache_before.get("cache_hits", 0)
    misses = level.cache_after.get("cache_misses", 0) - level.cache_before.get("cache_misses", 0)
    return {
        "multiple": level.multiple,
        "clients": level.clients,
        "warmup": level.warmup,
        "startSeconds": round(level.started, 2),
        "durationSeconds": round(seconds, 2),
        "requests": len(level.outcomes),
        "throughputPerSecond": round(sum(1 for o in level.outcomes if o.status == 200) / seconds, 3),
        "statuses": dict(sorted(statuses.items())),
        "endpoints": per_endpoint,
        "superpixelCache": {"hits": hits, "misses": misses, "bytesAfter": level.cache_after.get("cache_bytes")},
        "queueDrainedAfterSeconds": None if level.drained_after is None else round(level.drained_after, 2),
        "queueAfterLoad": {k: level.drain_state.get(k) for k in ("queue_depth", "in_flight", "error") if k in level.drain_state},
        "failures": [{"endpoint": o.endpoint, "status": o.status, "detail": o.detail} for o in failures[:20]],
        "failureCount": len(failures),
    }


def trends(samples: list[dict], probes: list[dict], load_start: float, load_end: float, args) -> dict:
    half = load_start + (load_end - load_start) / 2
    window = [s for s in samples if half <= s["t"] <= load_end]
    rss_points = [(s["t"] / 60.0, s["rss"] / MIB) for s in window]
    # Transient allocations (a large response, a collection) only add to RSS: a leak raises the
    # floor, so the per-minute minimum is what is judged, as for the heap.
    rss_floor = window_minima([(s["t"], s["rss"] / MIB) for s in window], half, load_end, 60.0)
    heap_samples = [(s["t"], s["heap"] / MIB) for s in window if s["heap"] is not None]
    heap_minima = window_minima(heap_samples, half, load_end, 60.0)
    rss_slope = slope([(t / 60.0, v) for t, v in rss_floor])
    rss_sample_slope = slope(rss_points)
    minima_slope = slope([(t / 60.0, v) for t, v in heap_minima])
    # Requests in flight at a probe only add to it: the per-minute minimum of the probes is the floor.
    live = window_minima([(p["t"], p["liveHeap"] / MIB) for p in probes if p["liveHeap"] is not None], half, load_end, 60.0)
    live_heap_slope = slope([(t / 60.0, v) for t, v in live])
    # The live heap after a full collection is judged when the probe ran; otherwise the per-minute minimum.
    heap_slope, heap_basis = (live_heap_slope, "live heap after jcmd GC.run") if live_heap_slope is not None \
        else (minima_slope, "per-minute minimum of the used heap")
    # Informational: old generation after the last collection, and RSS outside the committed heap.
    live_slope = slope([(s["t"] / 60.0, s["gcLiveData"] / MIB) for s in window if s.get("gcLiveData") is not None])
    native_slope = slope([(s["t"] / 60.0, (s["rss"] - s["heapCommitted"]) / MIB) for s in window
                          if s.get("heapCommitted") is not None])
    judged = (load_end - half) >= args.min_trend_seconds
    return {
        "windowSeconds": [round(half, 1), round(load_end, 1)],
        "judged": judged,
        "rssSlopeMiBPerMinute": rss_slope,
        "rssBoundMiBPerMinute": args.rss_bound,
        "rssMinimaMiB": [round(v, 1) for _, v in rss_floor],
        "rssAllSamplesSlopeMiBPerMinute": rss_sample_slope,
        "rssSamples": len(rss_points),
        "rssMiB": {"first": rss_points[0][1] if rss_points else None, "last": rss_points[-1][1] if rss_points else None,
                   "min": min((v for _, v in rss_points), default=None), "max": max((v for _, v in rss_points), default=None)},
        "heapSlopeMiBPerMinute": heap_slope,
        "heapBasis": heap_basis,
        "heapBoundMiBPerMinute": args.heap_bound,
        "liveHeapAfterGcSlopeMiBPerMinute": live_heap_slope,
        "liveHeapAfterGcMiB": [round(v, 1) for _, v in live],
        "heapMinimumSlopeMiBPerMinute": minima_slope,
        "heapMinimaMiB": [round(v, 1) for _, v in heap_minima],
        "gcLiveDataSlopeMiBPerMinute": live_slope,
        "rssOutsideHeapSlopeMiBPerMinute": native_slope,
    }


def checks(levels: list[dict], trend: dict, sampler: Sampler, probe: GcProbe | None, alive: bool) -> list[dict]:
    out = []

    def check(name: str, passed: bool, detail: str) -> None:
        out.append({"check": name, "passed": bool(passed), "detail": detail})

    for lv in levels:
        tag = f"{lv['multiple']}x" + (" warm-up" if lv["warmup"] else "")
        five = sum(n for s, n in lv["statuses"].items() if s.startswith("5"))
        other = {s: n for s, n in lv["statuses"].items() if s not in ("200", "429")}
        check(f"{tag}: zero 5xx", five == 0, f"{five} responses with 5xx")
        check(f"{tag}: only 200/429", not other and lv["failureCount"] == 0,
              f"other statuses {other}, {lv['failureCount']} failures (transport errors, bad bodies, 429 without Retry-After)")
        check(f"{tag}: requests served", lv["statuses"].get("200", 0) > 0, f"{lv['statuses'].get('200', 0)} x 200")
        check(f"{tag}: queue drained", lv["queueDrainedAfterSeconds"] is not None,
              f"depth/in-flight 0 after {lv['queueDrainedAfterSeconds']} s" if lv["queueDrainedAfterSeconds"] is not None
              else f"not drained: {lv['queueAfterLoad']}")
    check("service alive after the run", alive, "process still running" if alive else "the service process died")
    check("memory sampled", len(sampler.samples) >= 3 and not sampler.errors,
          f"{len(sampler.samples)} samples, {len(sampler.errors)} sampling errors {sampler.errors[:3]}")
    if probe is not None:
        check("live heap probed", not probe.errors, f"{len(probe.points)} probes, errors {probe.errors[:3]}")
    if trend["judged"]:
        rss = trend["rssSlopeMiBPerMinute"]
        heap = trend["heapSlopeMiBPerMinute"]
        check("RSS flat", rss is not None and rss < trend["rssBoundMiBPerMinute"],
              f"slope of the per-minute minimum {fmt(rss)} MiB/min (bound {trend['rssBoundMiBPerMinute']})")
        check("heap flat", heap is not None and heap < trend["heapBoundMiBPerMinute"],
              f"slope of the {trend['heapBasis']} {fmt(heap)} MiB/min (bound {trend['heapBoundMiBPerMinute']})")
    return out


def fmt(value, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_table(result: dict) -> None:
    cfg = result["config"]
    print(f"\nLoad test: concurrency {cfg['concurrency']}, queue capacity {cfg['queueCapacity']}, "
          f"{cfg['durationSeconds']} s per level, malloc {cfg.get('malloc', 'unknown')}")
    header = f"{'level':>5} {'clients':>7} {'requests':>8} {'200':>6} {'429':>6} {'other':>5} {'endpoint':<10} " \
             f"{'p50 s':>7} {'p95 s':>7} {'p99 s':>7} {'hits':>6} {'misses':>6} {'drained':>8}"
    print(header)
    print("-" * len(header))
    for lv in result["levels"]:
        if lv["warmup"]:
            print(f"{'warm':>5} {lv['clients']:>7} {lv['requests']:>8} {lv['statuses'].get('200', 0):>6} "
                  f"{lv['statuses'].get('429', 0):>6} {sum(n for s, n in lv['statuses'].items() if s not in ('200', '429')):>5}"
                  f" (warm-up at the highest level, {lv['durationSeconds']:.0f} s; not in the latency or memory figures)")
            continue
        other = sum(n for s, n in lv["statuses"].items() if s not in ("200", "429"))
        for i, (endpoint, e) in enumerate(lv["endpoints"].items()):
            lead = (f"{str(lv['multiple']) + 'x':>5} {lv['clients']:>7} {lv['requests']:>8} {lv['statuses'].get('200', 0):>6} "
                    f"{lv['statuses'].get('429', 0):>6} {other:>5}") if i == 0 else " " * 42
            tail = (f"{int(lv['superpixelCache']['hits']):>6} {int(lv['superpixelCache']['misses']):>6} "
                    f"{fmt(lv['queueDrainedAfterSeconds'], 1) + ' s':>8}") if i == 0 else ""
            print(f"{lead} {endpoint.split('/')[-1]:<10} {fmt(e['p50Seconds']):>7} {fmt(e['p95Seconds']):>7} "
                  f"{fmt(e['p99Seconds']):>7} {tail}")
    t = result["memory"]
    print(f"\nMemory over the second half of the run ({t['windowSeconds'][0]}-{t['windowSeconds'][1]} s, "
          f"{'judged' if t['judged'] else 'reported only: window shorter than --min-trend-seconds'}):")
    print(f"  RSS   per-minute minima: slope {fmt(t['rssSlopeMiBPerMinute'])} MiB/min (bound < {t['rssBoundMiBPerMinute']}), "
          f"{t['rssMinimaMiB']} MiB")
    print(f"        all samples: slope {fmt(t['rssAllSamplesSlopeMiBPerMinute'])} MiB/min, "
          f"{fmt(t['rssMiB']['min'], 0)}-{fmt(t['rssMiB']['max'], 0)} MiB")
    print(f"  heap  live heap after jcmd GC.run (per-minute minima): slope {fmt(t['liveHeapAfterGcSlopeMiBPerMinute'])} MiB/min, "
          f"{t['liveHeapAfterGcMiB']} MiB")
    print(f"        per-minute minimum of the used heap: slope {fmt(t['heapMinimumSlopeMiBPerMinute'])} MiB/min, "
          f"{t['heapMinimaMiB']} MiB")
    print(f"        judged: {t['heapBasis']} (bound < {t['heapBoundMiBPerMinute']})")
    print(f"  (informational: old gen after GC {fmt(t['gcLiveDataSlopeMiBPerMinute'])} MiB/min, "
          f"RSS outside the committed heap {fmt(t['rssOutsideHeapSlopeMiBPerMinute'])} MiB/min)")
    print("\nChecks:")
    for c in result["checks"]:
        print(f"  [{'PASS' if c['passed'] else 'FAIL'}] {c['check']}: {c['detail']}")
    print(f"\n{'PASSED' if result['passed'] else 'FAILED'}")


# ---------------------------------------------------------------------------------------------


def parse_args(argv: list[str]):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--base-url", required=True, help="service URL on the loopback interface, e.g. http://127.0.0.1:8080")
    p.add_argument("--pid", type=int, required=True, help="process id of the service (RSS from /proc/<pid>/status)")
    p.add_argument("--concurrency", type=int, required=True, help="the service's fma.scheduler.concurrency")
    p.add_argument("--queue-capacity", type=int, required=True, help="the service's fma.scheduler.queue-capacity (reported)")
    p.add_argument("--levels", default="1,2,4", help="client counts as multiples of the concurrency (default 1,2,4)")
    p.add_argument("--duration", type=float, default=300.0, help="seconds per level (default 300)")
    p.add_argument("--warmup", type=float, default=60.0,
                   help="seconds at the highest level before the measured levels (JIT, thread arenas, caches; default 60)")
    p.add_argument("--photos", nargs="*", default=[], help="extra image files for the pool (e.g. the test photos)")
    p.add_argument("--pool", type=int, default=6, help="synthetic images in the reused pool (default 6)")
    p.add_argument("--fresh-fraction", type=float, default=0.1,
                   help="share of requests with a never-seen image, i.e. a superpixel-cache miss (default 0.1)")
    p.add_argument("--sample-interval", type=float, default=2.0, help="seconds between RSS/heap samples (default 2)")
    # Bounds: at the ~400 requests a minute of the demo bundle on 2 cores, 1 MiB/min is 2.5 KiB a
    # request; leaking one image, tensor or response (>= 50 KiB) would be 20 MiB/min or more. RSS
    # gets twice the margin for the allocator's arena noise.
    p.add_argument("--rss-bound", type=float, default=2.0, help="RSS slope bound, MiB per minute (default 2)")
    p.add_argument("--heap-bound", type=float, default=1.0, help="live-heap slope bound, MiB per minute (default 1)")
    p.add_argument("--jcmd", help="jcmd of the service's JDK: a full GC every --gc-interval gives the live heap "
                                  "(without it the per-minute minimum of the used heap is judged)")
    p.add_argument("--gc-interval", type=float, default=30.0, help="seconds between jcmd GC.run probes (default 30)")
    p.add_argument("--min-trend-seconds", type=float, default=240.0,
                   help="judge the memory trends only when the analysed half is at least this long (default 240)")
    p.add_argument("--drain-timeout", type=float, default=60.0, help="seconds the queue may take to drain (default 60)")
    p.add_argument("--max-backoff", type=float, default=1.0, help="cap of the Retry-After wait after a 429 (default 1 s)")
    p.add_argument("--request-timeout", type=float, default=180.0, help="client socket timeout (default 180 s)")
    p.add_argument("--seed", type=int, default=10, help="seed of the request mix (default 10)")
    p.add_argument("--out", help="write the JSON result here")
    p.add_argument("--malloc", default="unknown", help="native allocator of the service, reported (run.sh passes it)")
    args = p.parse_args(argv)
    url = urllib.parse.urlsplit(args.base_url)
    if url.scheme != "http" or url.hostname not in LOOPBACK or url.port is None:
        p.error("--base-url must be http://127.0.0.1:<port> (loopback only, explicit port)")
    try:
        args.level_multiples = [int(x) for x in args.levels.split(",") if x.strip()]
    except ValueError:
        p.error("--levels must be comma-separated integers")
    if not args.level_multiples or min(args.level_multiples) < 1 or args.concurrency < 1 or args.duration <= 0:
        p.error("levels, concurrency and duration must be positive")
    args.host, args.port = url.hostname, url.port
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    photos = []
    for path in args.photos:
        with open(path, "rb") as f:
            photos.append(f.read())
    workload = Workload(photos, args.pool, args.fresh_fraction, args.seed)
    t0 = time.monotonic()
    sampler = Sampler(args.host, args.port, args.pid, args.sample_interval, t0)
    sampler.start()
    probe = None
    if args.jcmd:
        probe = GcProbe(args.jcmd, args.host, args.port, args.pid, args.gc_interval, t0)
        probe.start()
    levels = []
    load_before = read_loadavg()
    if args.warmup > 0:
        top = max(args.level_multiples)
        warm = Level(top, top * args.concurrency, warmup=True)
        print(f"warm-up: {warm.clients} clients for {args.warmup:.0f} s ...", flush=True)
        run_level(args.host, args.port, warm, workload, args.warmup, args, t0)
        levels.append(warm)
    for multiple in args.level_multiples:
        level = Level(multiple, multiple * args.concurrency)
        print(f"level {multiple}x: {level.clients} clients for {args.duration:.0f} s ...", flush=True)
        run_level(args.host, args.port, level, workload, args.duration, args, t0)
        levels.append(level)
    sampler.stop.set()
    sampler.join()
    if probe is not None:
        probe.stop.set()
        probe.join()
    alive = os.path.exists(f"/proc/{args.pid}")
    reports = [level_report(lv) for lv in levels]
    measured = [lv for lv in levels if not lv.warmup]
    trend = trends(sampler.samples, probe.points if probe else [], measured[0].started, measured[-1].ended, args)
    result = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "config": {
            "baseUrl": args.base_url, "concurrency": args.concurrency, "queueCapacity": args.queue_capacity,
            "levels": args.level_multiples, "durationSeconds": args.duration, "photos": len(photos), "pool": args.pool,
            "freshFraction": args.fresh_fraction, "sampleIntervalSeconds": args.sample_interval,
            "maxBackoffSeconds": args.max_backoff, "gcProbe": bool(args.jcmd), "gcIntervalSeconds": args.gc_interval, "seed": args.seed, "cpus": os.cpu_count(), "warmupSeconds": args.warmup,
            "malloc": args.malloc, "hostLoadAverage": {"before": load_before, "after": read_loadavg()},
        },
        "levels": reports,
        "memory": trend,
        "samples": sampler.samples,
        "liveHeapProbes": probe.points if probe else [],
    }
    result["checks"] = checks(reports, trend, sampler, probe, alive)
    result["passed"] = all(c["passed"] for c in result["checks"])
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=1, allow_nan=False, default=str)
            f.write("\n")
    print_table(result)
    if args.out:
        print(f"result: {args.out}")
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
