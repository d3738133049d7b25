"""scaling: a fixed CPU-bound pure-Python kernel on N workers at once (weak scaling).

For each N in params["workers"] (N = 1 is always added: it is the base), the driver starts N
workers and waits until each has reported ready. A round sends every worker the same task (run
the integer loop `kernel` for params["loops"] iterations, default 150000) and waits for every
result; the results must all be equal. One untimed warm-up round, then `iterations` timed rounds
per repetition (params["iterations"], default 3). Repetitions sweep every N in turn (1, 2, ...,
then 1, 2, ... again), each with freshly started workers.

Timed (driver clock, time.perf_counter_ns): from just before the first task is sent to just
after the last result arrived; starting and stopping the workers is outside. One sample per
round. Each worker does the same work, so perfect scaling keeps the wall time flat:
speedup(N) = N * median wall(1) / median wall(N) (1 at N = 1 by construction), efficiency =
speedup / N. Both are added to each result as extra fields; the report may recompute them.
"""
import statistics
import struct
import time

TIMED = ("wall time of one round (every worker runs the same fixed integer loop), driver clock "
         "(time.perf_counter_ns) from before the first task sent to after the last result")

TASK = struct.Struct("<q")
RESULT = struct.Struct("<Q")
DEFAULT_LOOPS = 150_000


def kernel(loops):
    x = 0
    for i in range(loops):
        x = (x * 31 + i) & 0xFFFFFFFF
    return x


def task(message):
    """One task: the answer to one message (also what the executor rows submit)."""
    return RESULT.pack(kernel(TASK.unpack(message)[0]))


def worker(ch, params):
    timeout = params.get("timeout")
    ch.send(b"ready", timeout=timeout)
    while True:
        try:
            message = ch.recv(timeout=timeout)
        except EOFError:
            return
        ch.send(task(message), timeout=timeout)


def run_round(channels, task, timeout):
    clock = time.perf_counter_ns
    t0 = clock()
    for ch in channels:
        ch.send(task, timeout=timeout)
    results = {RESULT.unpack(ch.recv(timeout=timeout))[0] for ch in channels}
    elapsed = clock() - t0
    if len(results) != 1:
        raise ValueError(f"workers disagree on the kernel's result: {sorted(results)}")
    return elapsed


def worker_counts(params):
    counts = params.get("workers") or list(range(1, 2 * params.get("cores", 1) + 1))
    return sorted(set(counts) | {1})


def measure(ctx, n, task, rounds, params, timeout):
    """One repetition at N workers: start them, wait until ready, warm up, time `rounds`."""
    channels = ctx.start(n)
    try:
        for ch in channels:
            if ch.recv(timeout=timeout) != b"ready":
                raise ValueError(f"worker {ch.worker_id} did not report ready")
        if params.get("warmup", 1):
            # A short task: warms the workers' code paths without costing a full round.
            run_round(channels, TASK.pack(max(1, TASK.unpack(task)[0] // 20)), timeout)
        return [run_round(channels, task, timeout) for _ in range(rounds)]
    finally:
        ctx.stop()


def driver(ctx, params):
    timeout = params.get("timeout")
    loops = params.get("loops", DEFAULT_LOOPS)
    task = TASK.pack(loops)
    rounds = max(1, params.get("iterations", 3))
    counts = worker_counts(params)
    reps = {n: [] for n in counts}
    # Repetitions sweep every N in turn (N = 1, 2, ..., then again), so a slow spell of the
    # machine (a VM's host) lands on every N alike instead of on all repetitions of one N, which
    # would bend the speedup. Workers start afresh for each repetition; starting is untimed.
    for _ in range(params.get("repetitions", 5)):
        for n in counts:
            reps[n].append(measure(ctx, n, task, rounds, params, timeout))
    results = [{
        "name": f"scaling/{n}",
        "metric": "wall",
        "unit": "ns",
        "timed": TIMED,
        "higher_is_better": False,
        "params": {"workers": n, "loops": loops, "cores": ctx.cores},
        "repetitions": reps[n],
    } for n in counts]
    base = statistics.median(s for rep in results[0]["repetitions"] for s in rep)
    for r in results:
        n = r["params"]["workers"]
        median = statistics.median(s for rep in r["repetitions"] for s in rep)
        r["speedup"] = 1.0 if n == 1 else n * base / median
        r["efficiency"] = r["speedup"] / n
    return results
