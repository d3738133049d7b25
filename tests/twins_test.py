"""The reference rows against their twins (tests/twins/): minimal standalone programs doing what
the row's workload does with the same standard API, as a user writes them. For each case, rounds
run the row (runners/reference, as the supervisor starts it) and its twin one after the other, in
alternating order; each round gives the ratio row / twin of their medians. The case passes when
the median of those ratios is within 15% of 1, or, where the rounds' ratios spread wider than
that, when their interval (order statistics: the range at 5 rounds, a 94% interval for the
median) holds 1; it says which. A figure that fails after the first rounds gets as many rounds
again and is judged on all of them (the interval then drops one ratio at each end, 98% at 10):
the twins' own figures move on a loaded machine, the py-threading twin 29-47 us, and a harness
cost (the planted 40 us per recv: 3x) fails both times.
A harness that adds cost to a reference row fails here: --self-test plants 40 us per recv into a
copy of the package and expects the py-threading case to fail.
The py-threading case runs row and twin on one CPU. Across two vCPUs its round trip is two
cross-CPU wake-ups, 35-60 us on the VM, moving by 20% from one process to the next, which buries
a harness cost of a few us (the row's select doorbell cost 1.3 us a round trip, 6%: the test
failed in CI on 2026-11-30 at 1.24 [1.03, 2.13] before it went); on one CPU the round trip is two
thread switches plus both sides' Python, about 20 us, and a round's figure repeats to 2%.

    python twins_test.py [--rounds N] [--self-test] [--table]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TWINS = os.path.join(HERE, "twins")
WORKLOADS = os.path.join(ROOT, "workloads")
TOLERANCE = 0.15
BUDGET = 64 << 20  # pingpong's bytes_budget: the 1 MiB case gets 64 round trips


def on_one_cpu():
    """A preexec_fn for the child: the first CPU this process may use, alone."""
    cpu = min(os.sched_getaffinity(0))
    return lambda: os.sched_setaffinity(0, {cpu})


def run_row(reference, row, method, workload, params, one_cpu=False):
    with tempfile.TemporaryDirectory(prefix="interpbench-twins-") as tmp:
        result = os.path.join(tmp, "result.json")
        argv = [sys.executable, reference, "--row", row, "--workload",
                os.path.join(WORKLOADS, f"{workload}.py"), "--params", json.dumps(params),
                "--result", result] + (["--method", method] if method else [])
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=120,
                              preexec_fn=on_one_cpu() if one_cpu else None)
        if proc.returncode != 0:
            raise AssertionError(f"{row} {method or ''} failed ({proc.returncode}): {proc.stderr}")
        with open(result) as f:
            doc = json.load(f)
    if doc.get("skipped"):
        return None, doc
    return {r["name"]: statistics.median(s for rep in r["repetitions"] for s in rep)
            for r in doc["results"]}, doc


def run_twin(twin, args, one_cpu=False):
    proc = subprocess.run([sys.executable, os.path.join(TWINS, twin), json.dumps(args)],
                          capture_output=True, text=True, timeout=120,
                          preexec_fn=on_one_cpu() if one_cpu else None)
    if proc.returncode != 0:
        raise AssertionError(f"{twin} failed ({proc.returncode}): {proc.stderr}")
    return json.loads(proc.stdout)


def pingpong_case(label, row, method, twin, sizes, iterations, twin_prefix=(), one_cpu=False):
    counts = {str(s): max(3, min(iterations, BUDGET // s)) for s in sizes}
    warmup = min(20, iterations)
    params = {"sizes": sizes, "iterations": iterations, "repetitions": 1, "warmup": warmup,
              "timeout": 30}
    return {"label": label, "row": row, "method": method, "workload": "pingpong",
            "params": params, "twin": twin, "twin_args": [*twin_prefix, sizes, counts, warmup],
            "figures": {f"{s} B round trip": (f"pingpong/{s}", str(s)) for s in sizes},
            "one_cpu": one_cpu}


def startup_case(method, starts):
    return {"label": f"py-multiprocessing-{method} start/stop", "row": "py-multiprocessing",
            "method": method, "workload": "startup",
            "params": {"iterations": starts, "repetitions": 1, "warmup": 1, "timeout": 30},
            "twin": "multiprocessing_startup.py", "twin_args": [method, starts],
            "figures": {"startup": ("startup/start", "startup"),
                        "teardown": ("startup/teardown", "teardown")}}


def memory_case(method):
    return {"label": f"py-multiprocessing-{method} memory", "row": "py-multiprocessing",
            "method": method, "workload": "memory",
            "params": {"workers": [1], "repetitions": 3, "timeout": 30},
            "twin": "multiprocessing_startup.py", "twin_args": [method, 0],
            "figures": {"USS per worker": ("memory/1/uss", "uss")}}


CASES = [
    pingpong_case("py-threading round trip, one CPU", "py-threading", None,
                  "threading_pingpong.py", [8, 1 << 20], 400, one_cpu=True),
    pingpong_case("py-multiprocessing-fork round trip", "py-multiprocessing", "fork",
                  "multiprocessing_pingpong.py", [8, 1 << 20], 400, ["fork"]),
    startup_case("fork", 10),
    startup_case("spawn", 4),
    memory_case("fork"),
    memory_case("spawn"),
    pingpong_case("py-interpreters round trip (10 ms polls)", "py-interpreters", None,
                  "interpreters_pingpong.py", [8], 3),
    # Its 8 B rounds last 1 ms each, and land in either of the host's two speed modes for
    # Python code (2.0-2.1 us and 3.2-3.6 us a round trip, for row and twin alike): a round
    # whose row and twin fell in different modes gives 0.6x or 1.7x. The median of 9 rounds
    # keeps one or two of those out (at 5, 3 of 5 rounds row-slow and twin-fast failed it).
    dict(pingpong_case("py-interpreters-poll round trip", "py-interpreters-poll", None,
                       "interpreters_poll_pingpong.py", [8, 1 << 20], 400), min_python=(3, 13),
         min_rounds=9),
]
# Differences measured and not yet removed: printed as KNOWN GAP with the figures and the reason,
# not gated. Each is a harness cost (or an unexplained swing) to fix; remove its line when fixed.
# None today. The last three went on 2026-12-01: the fork row's USS (1.14-1.17x: the memory
# workload collected garbage just before each start, and the start's allocations then filled the
# holes in pages the forked worker shared; 1.09-1.10x without), its 1 MiB round trip (1.05-1.25x:
# the twin freed each message before the next recv, where the workload's echo holds it until
# the next arrives, so only the row made glibc grow and trim its heap every few round trips;
# now the twin holds it too: 311 brk calls in 84 round trips, as the row's 314, and 0.92-1.12x)
# and py-interpreters-poll's 8 B round trip (1.05-1.10x within one of the host's speed modes;
# its 1 ms rounds land in either mode, so that case runs 9 rounds: see CASES).
KNOWN_GAPS = {}
TWIN_OF = {"py-threading": "threading_pingpong.py", "py-multiprocessing": "multiprocessing_pingpong.py",
           "py-interpreters": "interpreters_pingpong.py",
           "py-interpreters-poll": "interpreters_poll_pingpong.py"}


def twin_calls(twin):
    """The twin's CALLS sentence, read without running it."""
    import ast
    with open(os.path.join(TWINS, twin)) as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "CALLS":
            return ast.literal_eval(node.value)
    raise AssertionError(f"{twin} defines no CALLS")


def measure(case, reference, rounds):
    """{figure: [(row, twin) per round]}, or None when the row is skipped on this Python."""
    pairs = {name: [] for name in case["figures"]}
    for r in range(rounds):
        order = ("row", "twin") if r % 2 == 0 else ("twin", "row")
        got = {}
        for side in order:
            if side == "row":
                got["row"], doc = run_row(reference, case["row"], case["method"],
                                          case["workload"], case["params"],
                                          case.get("one_cpu", False))
                if got["row"] is None:
                    return None, doc["skipped"]
                calls = doc["notes"][0]
                expected = "calls: " + twin_calls(TWIN_OF[case["row"]])
                if calls != expected:
                    raise AssertionError(f"{case['row']} says '{calls}', its twin '{expected}'")
            else:
                got["twin"] = run_twin(case["twin"], case["twin_args"], case.get("one_cpu", False))
        for name, (row_key, twin_key) in case["figures"].items():
            pairs[name].append((got["row"][row_key], got["twin"][twin_key]))
    return pairs, None


def median_interval_rank(n, alpha=0.03):
    """k such that sorted ratios [k] and [n - 1 - k] bound the median with at most alpha on each
    side (binomial order statistics): 0 up to 5 rounds, 1 at 10."""
    from math import comb
    k, tail = 0, 0.0
    while k < n // 2:
        tail += comb(n, k) / 2 ** n
        if tail > alpha:
            break
        k += 1
    return max(0, k - 1)


def judge(pairs):
    """(passed, median ratio, lo, hi, how)."""
    ratios = sorted(r / t for r, t in pairs)
    k = median_interval_rank(len(ratios))
    m, lo, hi = statistics.median(ratios), ratios[k], ratios[-1 - k]
    if abs(m - 1) <= TOLERANCE:
        return True, m, lo, hi, "within 15%"
    if (hi - lo) / 2 > TOLERANCE and lo <= 1 <= hi:
        return True, m, lo, hi, "within the rounds' noise (their range is wider than 15%)"
    # The row faster than its twin is no harness cost (what this test exists to catch), and on
    # this VM the twins' own figures move: py-threading's twin 29-47 us against the row's 23 us,
    # mp-spawn's teardown 7.3-9.7 ms. Said, not failed; the report of every run shows it.
    if m < 1:
        return True, m, lo, hi, "FASTER than the twin (not a harness cost; the twin's own figure moves)"
    return False, m, lo, hi, "differ"


def fmt(value, unit):
    if unit == "KiB":
        return f"{value / 1024:.2f} MiB"
    for scale, name in ((1e6, "ms"), (1e3, "us")):
        if value >= scale:
            return f"{value / scale:.3g} {name}"
    return f"{value:.3g} ns"


def run_cases(cases, reference, rounds, table):
    failures = 0
    for case in cases:
        if sys.version_info < case.get("min_python", (0,)):
            print(f"{case['label']}: skipped (its twin needs Python {case['min_python']})")
            continue
        case_rounds = max(rounds, case.get("min_rounds", 0))
        pairs, skipped = measure(case, reference, case_rounds)
        if pairs is None:
            print(f"{case['label']}: skipped ({skipped})")
            continue
        done = case_rounds
        if any(not judge(p)[0] and (case["label"], name) not in KNOWN_GAPS
               for name, p in pairs.items()):
            more, _ = measure(case, reference, case_rounds)
            for name in pairs:
                pairs[name] += more[name]
            done += case_rounds
        for name, figure_pairs in pairs.items():
            ok, m, lo, hi, how = judge(figure_pairs)
            unit = "KiB" if name.startswith("USS") else "ns"
            row = statistics.median(r for r, _ in figure_pairs)
            twin = statistics.median(t for _, t in figure_pairs)
            line = (f"{case['label']}, {name}: row {fmt(row, unit)}, twin {fmt(twin, unit)}, "
                    f"row/twin {m:.3f} [{lo:.3f}, {hi:.3f}] over {done} rounds: {how}")
            gap = KNOWN_GAPS.get((case["label"], name))
            if not ok and gap:
                print(f"KNOWN GAP {line} ({gap})")
                continue
            print(("" if ok else "FAIL ") + line)
            failures += not ok
    return failures


def planted_cost(rounds):
    """A copy of the package whose py-threading recv spins 40 us first must fail the check."""
    with tempfile.TemporaryDirectory(prefix="interpbench-twins-planted-") as tmp:
        copy = os.path.join(tmp, "reference")
        shutil.copytree(os.path.join(ROOT, "runners", "reference"), copy,
                        ignore=shutil.ignore_patterns("__pycache__"))
        with open(os.path.join(copy, "threading_row.py"), "a") as f:
            f.write("\n_plain_recv = ThreadChannel.recv\n\n\n"
                    "def _costly_recv(self, timeout=None):\n"
                    "    end = time.perf_counter_ns() + 40_000\n"
                    "    while time.perf_counter_ns() < end:\n"
                    "        pass\n"
                    "    return _plain_recv(self, timeout)\n\n\n"
                    "ThreadChannel.recv = _costly_recv\n")
        case = pingpong_case("planted: py-threading + 40 us per recv, one CPU", "py-threading",
                             None, "threading_pingpong.py", [8], 400, one_cpu=True)
        return run_cases([case], copy, rounds, False)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--self-test", action="store_true")
    args = p.parse_args()
    if args.self_test:
        failed = planted_cost(max(3, args.rounds))
        print("the planted cost was caught" if failed else "the planted cost was NOT caught")
        return 0 if failed else 1
    reference = os.path.join(ROOT, "runners", "reference")
    failures = run_cases(CASES, reference, args.rounds, True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
