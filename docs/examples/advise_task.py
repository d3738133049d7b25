"""advise_task: one task-farm shape, measured, to set beside what `interpbench advise` predicts.

The shape comes from the environment, as advise takes it on its command line:
  ADVISE_TASK="COMPUTE_US,PAYLOAD_BYTES"           e.g. "50,1024" (advise --compute 50us --payload 1KiB)
  ADVISE_TASK="COMPUTE_US,0,KIND:ELEMENTS"         e.g. "500,0,records:4096" (--object-graph records:4096)
N = ctx.cores workers (advise's default --workers), 2 tasks outstanding per worker (advise's
default --depth). A task is a message of PAYLOAD_BYTES bytes after an 8-byte header (or, with an
object graph, the graph with pickle protocol 5, encoded by the driver for every task and decoded
by the worker); the worker runs COMPUTE_US of the taskfarm workload's integer kernel, calibrated
once per run, and answers with 8 bytes.

    ADVISE_TASK=50,1024 build/interpbench run --workload-file docs/examples/advise_task.py \\
        --backend subinterp,subprocess,thread --out measured.json
    build/interpbench advise --compute 50us --payload 1KiB --from a-default-run.json
"""
import os
import pickle
import struct
import time

TIMED = ("tasks/s: tasks / driver clock (time.perf_counter_ns) from before the first task sent "
         "to after the last result arrived (the object graph's encoding included)")

HEADER = struct.Struct("<q")
RESULT = struct.Struct("<Q")


def shape():
    text = os.environ.get("ADVISE_TASK", "")
    parts = text.split(",")
    if len(parts) not in (2, 3):
        raise ValueError(f"ADVISE_TASK='{text}': expected COMPUTE_US,PAYLOAD_BYTES[,KIND:ELEMENTS]")
    graph = None
    if len(parts) == 3:
        kind, _, elements = parts[2].partition(":")
        graph = (kind, int(elements))
    return float(parts[0]), int(parts[1]), graph


def make_graph(kind, n):
    """The objects workload's graphs (the codec figures advise uses were measured on these)."""
    if kind == "records":
        return [(i, f"name{i}", i * 0.25, i % 2 == 0) for i in range(n)]
    if kind == "ints":
        return [i * 7919 for i in range(n)]
    if kind == "floats":
        return {f"key{i}": i * 0.5 for i in range(n)}
    if kind == "nested":
        return {f"group{g}": {f"item{j}": {"id": g * 10 + j, "score": g + j / 10, "tags": ["a", "b"]}
                              for j in range(10)} for g in range(max(1, n // 10))}
    raise ValueError(f"unknown graph kind '{kind}'")


def kernel(loops):
    x = 0
    for i in range(loops):
        x = (x * 31 + i) & 0xFFFFFFFF
    return x


def calibrate_run(params):
    """Kernel loops per microsecond: the fastest of 10 calibrations of >= 2 ms spread over about
    a second, as the taskfarm workload calibrates (a VM's vCPU runs pure Python in two speed modes
    for seconds at a time: one calibration in the slow mode gave a 5 ms task 2.9 ms of work in the
    fast one, and 2 workers measured 418 tasks/s, above the 400 they can do)."""
    clock = time.perf_counter_ns
    loops = 1000
    while True:
        t0 = clock()
        kernel(loops)
        if clock() - t0 >= 2_000_000:
            break
        loops *= 2
    probes = []
    for i in range(10):
        if i:
            time.sleep(0.1)
        t0 = clock()
        kernel(loops)
        probes.append(loops * 1000 / (clock() - t0))
    return {"loops_per_us": max(probes), "loops_per_us_slowest_probe": min(probes)}


def worker(ch, params):
    timeout = params.get("timeout")
    graph = shape()[2]
    ch.send(b"ready", timeout=timeout)
    while True:
        try:
            message = ch.recv(timeout=timeout)
        except EOFError:
            return
        if graph:
            loops, _ = pickle.loads(message)
        else:
            loops = HEADER.unpack_from(message)[0]
        ch.send(RESULT.pack(kernel(loops)), timeout=timeout)


def farm(ctx, channels, make_message, tasks, depth, timeout):
    clock = time.perf_counter_ns
    sent = done = 0
    t0 = clock()
    for _ in range(depth):
        for ch in channels:
            if sent < tasks:
                ch.send(make_message(), timeout=timeout)
                sent += 1
    while done < tasks:
        ch = ctx.select(channels, timeout=timeout)
        ch.recv(timeout=timeout)
        done += 1
        if sent < tasks:
            ch.send(make_message(), timeout=timeout)
            sent += 1
    return clock() - t0


def driver(ctx, params):
    timeout = params.get("timeout")
    compute_us, payload, graph = shape()
    loops = max(1, round(compute_us * (params.get("loops_per_us") or calibrate_run(params)["loops_per_us"])))
    n = ctx.cores
    if graph:
        objects = make_graph(*graph)
        def make_message():
            return pickle.dumps((loops, objects), protocol=5)
        name = f"advise_task/{compute_us:g}us/{graph[0]}:{graph[1]}"
        wire = len(make_message())
    else:
        message = HEADER.pack(loops) + b"\x33" * payload
        def make_message():
            return message
        name = f"advise_task/{compute_us:g}us/{payload}B"
        wire = len(message)
    # About 0.2 s of compute per repetition on N workers, at least 4 tasks per worker.
    tasks = max(4 * n, int(200_000 * n / compute_us))
    channels = ctx.start(n)
    try:
        for ch in channels:
            if ch.recv(timeout=timeout) != b"ready":
                raise ValueError(f"worker {ch.worker_id} did not report ready")
        farm(ctx, channels, make_message, 2 * n, 1, timeout)  # warm-up, untimed
        reps = [[tasks * 1e9 / farm(ctx, channels, make_message, tasks, 2, timeout)]
                for _ in range(params.get("repetitions", 5))]
    finally:
        ctx.stop()
    return [{
        "name": name,
        "metric": "task_throughput",
        "unit": "items/s",
        "timed": TIMED,
        "higher_is_better": True,
        "params": {"compute_us": compute_us, "payload_bytes": payload, "workers": n, "tasks": tasks,
                   "loops": loops, "depth": 2, "wire_bytes": wire},
        "repetitions": reps,
        "bytes_per_op": wire,
    }]
