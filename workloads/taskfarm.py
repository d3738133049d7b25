"""taskfarm: the crossover map. Task throughput over a grid of compute per task x payload per task.

N workers (each entry of params["workers"], default ctx.cores) take tasks from the driver. A task
is one message: an 8-byte loop count followed by the payload (params["sizes"], bytes: 8 B .. 1 MiB
by default); the worker runs `kernel` for that many iterations (params["compute_us"] microseconds
of Python work, default 10 us .. 100 ms) and answers with 8 bytes. The loop count per microsecond
is calibrated once per run by the runner (`calibrate_run`, params["loops_per_us"]), so every row
does the same number of iterations per task whatever the load was when its child ran; a driver
run without it calibrates for itself. The driver keeps params["depth"] (default 2) tasks outstanding per worker
and collects results from whichever worker answers first (ctx.select).

Tasks per cell and repetition: params["iterations"] (default 100), fewer so that a cell takes
about params["cell_budget_ms"] (default 50) of ideal compute time and moves at most
params["bytes_budget"] bytes, but at least 2 per worker. Untimed warm-up per cell: one task per
worker; the first cell of each payload size runs (depth + 1) tasks per worker at full depth
first, so that the memory its messages take is faulted in before any cell of that size is timed
(with one task per worker, the 1 MiB dispatch cell measured 92-96 us a task in its first
repetition against 63-70 us in later ones).

Timed (driver clock, time.perf_counter_ns): from before the first task of the repetition is sent
to after its last result arrived. One sample per repetition: tasks / elapsed, in tasks per second
(metric task_throughput, unit items/s, higher is better). "ideal_items_per_s" = N * 1e6 /
compute_us is what N truly parallel workers with free communication would reach.

Dispatch cells (params["dispatch"], default on): per payload, the same farm with no compute (a
loop count of 0): elapsed / tasks in ns per task (taskfarm/dispatch/<payload>B, metric dispatch,
lower is better). What a task costs the driver's loop (send, select, recv), both channel directions
and the worker's loop with the driver and N workers sharing the machine's cores: the cost model's
dispatch term (reports/cost_model.h), a primitive, not a cell of the map.
With no compute every answer is ready when the driver looks for it, and nobody sleeps. The wake
cell (taskfarm/wake/<smallest payload>B, metric dispatch, with the dispatch cells) gives each task
WAKE_COMPUTE_US of compute, four times the backends' select spin: the driver sleeps between
answers, as in every cell with compute, and each answer wakes it (where the N workers fill the
cores, onto a core a worker computes on). Its ns per task less the dispatch and the compute is
the cost model's wake term. 20 µs is on neither suite's grid.
"""
import struct
import time

TIMED = ("tasks/s: tasks / driver clock (time.perf_counter_ns) from before the first task sent "
         "to after the last result arrived; compute per task calibrated once per run")

HEADER = struct.Struct("<q")
RESULT = struct.Struct("<Q")
DEFAULT_BYTES_BUDGET = 64 << 20


def kernel(loops):
    x = 0
    for i in range(loops):
        x = (x * 31 + i) & 0xFFFFFFFF
    return x


def task(message):
    """One task: the answer to one message (also what the executor rows submit)."""
    return RESULT.pack(kernel(HEADER.unpack_from(message)[0]))


def worker(ch, params):
    timeout = params.get("timeout")
    ch.send(b"ready", timeout=timeout)
    while True:
        try:
            message = ch.recv(timeout=timeout)
        except EOFError:
            return
        ch.send(task(message), timeout=timeout)


def calibrate(target_ns=20_000_000):
    """Kernel loops per microsecond on this Python, best of 3 runs of >= target_ns."""
    clock = time.perf_counter_ns
    loops = 1000
    while True:
        t0 = clock()
        kernel(loops)
        if clock() - t0 >= target_ns // 4:
            break
        loops *= 2
    best = min(_timed(kernel, loops) for _ in range(3))
    return loops * 1000 / best


CALIBRATION_PROBES = 10
CALIBRATION_GAP_S = 0.1


def calibrate_run(params):
    """Called once per run by the runner (on one CPU); its result goes into every row's params.
    The fastest of CALIBRATION_PROBES calibrations spread over about a second: a VM's vCPU runs
    pure Python in two speed modes for seconds at a time (1.5 against 2.6 ms a call on the
    development machine), and one 20 ms calibration landed in the slow one in one default run
    of three (5.74 loops/us against 10.19 and 10.33), which gave that run's tasks half the work.
    The fast mode is the machine's speed; the probes' slowest is kept beside it."""
    probes = []
    for i in range(CALIBRATION_PROBES):
        if i:
            time.sleep(CALIBRATION_GAP_S)
        probes.append(calibrate(target_ns=8_000_000))
    return {"loops_per_us": max(probes), "loops_per_us_slowest_probe": min(probes)}


def _timed(fn, arg):
    t0 = time.perf_counter_ns()
    fn(arg)
    return time.perf_counter_ns() - t0


def farm(ctx, channels, message, tasks, depth, timeout):
    """Runs `tasks` tasks over the channels; returns elapsed ns."""
    clock = time.perf_counter_ns
    sent = done = 0
    t0 = clock()
    for _ in range(depth):
        for ch in channels:
            if sent < tasks:
                ch.send(message, timeout=timeout)
                sent += 1
    while done < tasks:
        ch = ctx.select(channels, timeout=timeout)
        ch.recv(timeout=timeout)
        done += 1
        if sent < tasks:
            ch.send(message, timeout=timeout)
            sent += 1
    return clock() - t0


DISPATCH_TIMED = ("ns per task with no compute: driver clock (time.perf_counter_ns) from before the "
                  "first task sent to after the last result arrived, / tasks")


def tasks_per_cell(params, n, compute_us, payload):
    budget_us = params.get("cell_budget_ms", 50) * 1000
    bytes_budget = params.get("bytes_budget", DEFAULT_BYTES_BUDGET)
    tasks = min(params.get("iterations", 100), bytes_budget // max(payload, 1))
    if compute_us > 0:
        tasks = min(tasks, int(budget_us * n / compute_us))
    return max(2 * n, tasks)


def warm_up(ctx, channels, message, depth, timeout, warmed):
    """Untimed: one task per worker; the first time a payload size is seen (`warmed` holds the
    sizes seen), (depth + 1) tasks per worker at full depth first: each worker then has received,
    held and freed messages of that size as the timed farm makes it do."""
    n = len(channels)
    if len(message) not in warmed:
        warmed.add(len(message))
        farm(ctx, channels, message, (depth + 1) * n, depth, timeout)
    farm(ctx, channels, message, n, 1, timeout)


def ns_per_task_cell(ctx, channels, kind, payload, compute_us, loops, params, depth, timeout,
                     warmed, timed, suffix):
    """taskfarm/<kind>/<payload>B: ns per task of the farm with `loops` of compute a task (metric
    dispatch), one sample per repetition."""
    n = len(channels)
    message = HEADER.pack(loops) + b"\x33" * payload
    tasks = tasks_per_cell(params, n, compute_us, payload)
    if params.get("warmup", 1):
        warm_up(ctx, channels, message, depth, timeout, warmed)
    reps = [[farm(ctx, channels, message, tasks, depth, timeout) / tasks]
            for _ in range(params.get("repetitions", 5))]
    return {
        "name": f"taskfarm/{kind}/{payload}B{suffix}",
        "metric": "dispatch",
        "unit": "ns",
        "timed": timed,
        "higher_is_better": False,
        "params": {"compute_us": compute_us, "payload_bytes": payload, "workers": n,
                   "tasks": tasks, "loops": loops, "depth": depth},
        "repetitions": reps,
        "bytes_per_op": payload,
    }


def dispatch_cell(ctx, channels, payload, params, depth, timeout, warmed, suffix=""):
    """Ns per task of the farm with a loop count of 0."""
    return ns_per_task_cell(ctx, channels, "dispatch", payload, 0, 0, params, depth, timeout,
                            warmed, DISPATCH_TIMED, suffix)


WAKE_COMPUTE_US = 20
WAKE_TIMED = (f"ns per task with {WAKE_COMPUTE_US} us of compute: driver clock "
              "(time.perf_counter_ns) from before the first task sent to after the last result "
              "arrived, / tasks")


def wake_cell(ctx, channels, payload, params, depth, timeout, warmed, loops_per_us, suffix=""):
    """Ns per task of the farm with WAKE_COMPUTE_US of compute."""
    loops = max(1, round(WAKE_COMPUTE_US * loops_per_us))
    return ns_per_task_cell(ctx, channels, "wake", payload, WAKE_COMPUTE_US, loops, params, depth,
                            timeout, warmed, WAKE_TIMED, suffix)


def driver(ctx, params):
    timeout = params.get("timeout")
    depth = max(1, params.get("depth", 2))
    loops_per_us = params.get("loops_per_us") or calibrate()
    results = []
    worker_counts = params.get("workers") or [ctx.cores]
    for n in worker_counts:
        # One worker count (every suite): names without it, as reports and baselines know them;
        # several (--workers 1,2): each name ends in its count, as apps' and scaling's do.
        suffix = f"/{n}" if len(worker_counts) > 1 else ""
        channels = ctx.start(n)
        warmed = set()  # message lengths this group has been warmed up with (warm_up)
        try:
            for ch in channels:
                if ch.recv(timeout=timeout) != b"ready":
                    raise ValueError(f"worker {ch.worker_id} did not report ready")
            if params.get("dispatch", True):
                sizes = params.get("sizes", [8, 1024, 65536, 1048576])
                for payload in sizes:
                    results.append(dispatch_cell(ctx, channels, payload, params, depth, timeout,
                                                 warmed, suffix))
                results.append(wake_cell(ctx, channels, min(sizes), params, depth, timeout,
                                         warmed, loops_per_us, suffix))
            for compute_us in params.get("compute_us", [10, 100, 1000, 10000, 100000]):
                loops = max(1, round(compute_us * loops_per_us))
                for payload in params.get("sizes", [8, 1024, 65536, 1048576]):
                    message = HEADER.pack(loops) + b"\x33" * payload
                    tasks = tasks_per_cell(params, n, compute_us, payload)
                    if params.get("warmup", 1):
                        warm_up(ctx, channels, message, depth, timeout, warmed)
                    reps = [[tasks * 1e9 / farm(ctx, channels, message, tasks, depth, timeout)]
                            for _ in range(params.get("repetitions", 5))]
                    results.append({
                        "name": f"taskfarm/{compute_us}us/{payload}B{suffix}",
                        "metric": "task_throughput",
                        "unit": "items/s",
                        "timed": TIMED,
                        "higher_is_better": True,
                        "params": {"compute_us": compute_us, "payload_bytes": payload,
                                   "workers": n, "tasks": tasks, "loops": loops, "depth": depth},
                        "repetitions": reps,
                        "bytes_per_op": payload,
                        "ideal_items_per_s": n * 1e6 / compute_us,
                    })
        finally:
            ctx.stop()
    return results
