#!/usr/bin/env bash
# interpbench-micro --benchmark_format=json runs and prints JSON whose "benchmarks" array is not
# empty, for one benchmark of each kind (kept short by the filter and min_time). min_time is a
# plain number of seconds: Debian's Google Benchmark 1.7 refuses the "0.01s" form of 1.8+, which
# still accepts a plain number.
set -euo pipefail
micro=$1 python=$2
out=$("$micro" --benchmark_format=json --benchmark_min_time=0.01 \
  --benchmark_filter='BM_RingPushPop/8$|BM_RoundTripCrossProcess/8/|BM_LineBounce|BM_SlotRingRoundTrip/slots:16/stride:2/|BM_GilReleaseAcquire|BM_BytesCreate/8$')
"$python" -c '
import json, sys
d = json.loads(sys.stdin.read())
names = [b["name"] for b in d["benchmarks"]]
assert names, "no benchmarks in the output"
for want in ("BM_RingPushPop", "BM_RoundTripCrossProcess", "BM_LineBounce", "BM_SlotRingRoundTrip",
             "BM_GilReleaseAcquire", "BM_BytesCreate"):
    assert any(n.startswith(want) for n in names), f"{want} missing from {names}"
# The pinned pairs skip on a machine with one CPU, saying so; nothing else may fail.
errors = [(b["name"], b.get("error_message")) for b in d["benchmarks"] if b.get("error_occurred")]
assert all(m == "needs two CPUs" for _, m in errors), f"a benchmark reported an error: {errors}"
print(f"{len(names)} benchmarks:", ", ".join(names))
' <<<"$out"
