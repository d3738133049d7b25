"""startup: how long one worker takes to start, and to be torn down.

Per repetition the driver starts one worker `iterations` times (params["iterations"], default
10), after one untimed warm-up start. The worker sends one 5-byte message as soon as it runs
(after the backend imported this file in it), then waits for the end of its input stream.

Timed (driver clock, time.perf_counter_ns):
  startup  - from just before ctx.start(1) to just after the worker's first message arrived:
             creating the worker (thread, subinterpreter or process), importing the workload in
             it, and one small one-way message;
  teardown - from then to the return of ctx.stop(): closing its input, the worker seeing the end
             of stream and returning, and the backend joining and releasing it.
One sample of each per start.
"""
import time

TIMED = ("startup: driver clock (time.perf_counter_ns) from before ctx.start(1) to after the "
         "worker's first message arrived; teardown: from then to the return of ctx.stop()")


def worker(ch, params):
    timeout = params.get("timeout")
    ch.send(b"ready", timeout=timeout)
    while True:
        try:
            ch.recv(timeout=timeout)
        except EOFError:
            return


def start_once(ctx, timeout):
    clock = time.perf_counter_ns
    t0 = clock()
    ch = ctx.start(1)[0]
    try:
        first = ch.recv(timeout=timeout)
        t1 = clock()
    finally:
        ctx.stop()
    t2 = clock()
    if first != b"ready":
        raise ValueError(f"first message was {first!r}, not b'ready'")
    return t1 - t0, t2 - t1


def driver(ctx, params):
    timeout = params.get("timeout")
    starts = max(1, params.get("iterations", 10))
    if params.get("warmup", 1):
        start_once(ctx, timeout)
    startup, teardown = [], []
    for _ in range(params.get("repetitions", 5)):
        samples = [start_once(ctx, timeout) for _ in range(starts)]
        startup.append([s for s, _ in samples])
        teardown.append([t for _, t in samples])
    common = {"unit": "ns", "timed": TIMED, "higher_is_better": False,
              "params": {"workers": 1, "starts": starts}}
    return [
        {"name": "startup/start", "metric": "startup", "repetitions": startup, **common},
        {"name": "startup/teardown", "metric": "teardown", "repetitions": teardown, **common},
    ]
