"""memory: resident memory per worker as the number of workers grows.

After one warm-up start of one worker (unless params["warmup"] is 0), as startup's: for each N
in params["workers"] (default 1, 2, 4, 8), per repetition: the driver reads its baseline, starts
N workers, waits until each has sent "ready" (the worker imported this file and is idle in
recv), reads ctx.memory(), then stops them. The warm-up keeps one-off costs of a first start
out of the figures: a forked worker's USS counts the pages its driver writes meanwhile, and the
driver's code writes fewer of them once it has run (py-multiprocessing-fork, three drivers:
1.39-1.43 MiB at the first start, 1.36-1.39 MiB at the second, 1.27-1.32 MiB from the seventh).
  ctx.memory_scope == "process": the mean over the N worker processes of RSS, PSS and USS.
  ctx.memory_scope == "host": (host process after start - host baseline before start) / N.
Only the host scope collects garbage before a start (its baseline): a collection just before a
fork leaves holes in the driver's heap that the start's allocations then fill, in pages the
forked worker shares, and those count in its USS (py-multiprocessing-fork: 40-60 KiB, 1.13-1.18x
its twin's USS with the collection, 1.09-1.10x without; docs/performance.md).
Read from /proc/PID/smaps_rollup (Rss, Pss, Private_Clean + Private_Dirty); unit KiB. One
sample per repetition; params["repetitions"] capped by params["memory_repetitions"] (default 3).
Not a timing: "timed" says what is measured.
"""
import gc

TIMED = ("not timed: KiB per worker from /proc/PID/smaps_rollup after N workers reported ready; "
         "per worker process, or the host process's growth over its pre-start baseline / N")

METRICS = (("memory_rss", "rss_kib"), ("memory_pss", "pss_kib"), ("memory_uss", "uss_kib"))


def worker(ch, params):
    timeout = params.get("timeout")
    ch.send(b"ready", timeout=timeout)
    while True:
        try:
            ch.recv(timeout=timeout)
        except EOFError:
            return


def measure(ctx, n, timeout):
    """{field: KiB per worker} for n running workers."""
    baseline = None
    if ctx.memory_scope == "host":  # the host's growth: first collect what the last start left
        gc.collect()
        baseline = ctx.memory()[0]
    channels = ctx.start(n)
    try:
        for ch in channels:
            if ch.recv(timeout=timeout) != b"ready":
                raise ValueError(f"worker {ch.worker_id} did not report ready")
        readings = ctx.memory()
    finally:
        ctx.stop()
    if baseline is not None:
        return {f: (readings[0][f] - baseline[f]) / n for _, f in METRICS}
    if len(readings) != n:
        raise ValueError(f"ctx.memory() gave {len(readings)} readings for {n} workers")
    return {f: sum(r[f] for r in readings) / n for _, f in METRICS}


def driver(ctx, params):
    timeout = params.get("timeout")
    repetitions = max(1, min(params.get("repetitions", 3), params.get("memory_repetitions", 3)))
    if params.get("warmup", 1):
        measure(ctx, 1, timeout)
    results = []
    for n in params.get("workers", [1, 2, 4, 8]):
        per_rep = [measure(ctx, n, timeout) for _ in range(repetitions)]
        for metric, field in METRICS:
            results.append({
                "name": f"memory/{n}/{field[:-4]}",
                "metric": metric,
                "unit": "KiB",
                "timed": TIMED,
                "higher_is_better": False,
                "params": {"workers": n, "scope": ctx.memory_scope},
                "repetitions": [[m[field]] for m in per_rep],
            })
    return results
