#!/usr/bin/env bash
# interpbench-micro --benchmark_format=json runs and prints JSON whose "benchmarks" array is not
# empty, for one benchmark of each kind (kept short by the filter and min_time). min_time is a
# plain number of seconds: Debian's Google Benchmark 1.7 refuses the "0.01s" form of 1.8+, which
# still accepts a plain number.
set -euo pipefail
micro=$1 python=$2
out=$("$micro" --benchmark_format=json --benchmark_min_time=0.01 \
  --benchmark_filter='BM_RingPushPop/8$|BM_RoundTripCrossProcess/8/|BM_GilReleaseAcquire|BM_BytesCreate/8$')
"$python" -c '
import json, sys
d = json.loads(sys.stdin.read())
names = [b["name"] for b in d["benchmarks"]]
assert names, "no benchmarks in the output"
for want in ("BM_RingPushPop", "BM_RoundTripCrossProcess", "BM_GilReleaseAcquire", "BM_BytesCreate"):
    assert any(n.startswith(want) for n in names), f"{want} missing from {names}"
assert not any(b.get("error_occurred") for b in d["benchmarks"]), "a benchmark reported an error"
print(f"{len(names)} benchmarks:", ", ".join(names))
' <<<"$out"
