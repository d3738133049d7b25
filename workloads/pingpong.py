"""pingpong: round-trip latency of one message between the driver and one worker.

The worker echoes every message it receives. For each size in params["sizes"] the driver sends
`warmup` untimed messages, then, per repetition, `iterations` timed round trips (fewer for big
sizes: at most params["bytes_budget"] payload bytes per repetition, at least 3 round trips).

Timed (driver clock, time.perf_counter_ns): from just before ch.send(payload) to just after the
echo's ch.recv() returned; payload creation and checks are outside. One sample per round trip.
bytes_per_op is the payload size one way (a round trip moves it twice).
"""
import time

TIMED = ("round trip, driver clock (time.perf_counter_ns) from before send to after the echo's "
         "recv; payload built outside the timed region")

DEFAULT_BYTES_BUDGET = 64 << 20


def worker(ch, params):
    timeout = params.get("timeout")
    while True:
        try:
            msg = ch.recv(timeout=timeout)
        except EOFError:
            return
        ch.send(msg, timeout=timeout)


def scaled(count, size, budget):
    """`count` operations, fewer when they would move more than `budget` bytes (at least 3)."""
    return max(3, min(count, budget // max(size, 1)))


def driver(ctx, params):
    timeout = params.get("timeout")
    budget = params.get("bytes_budget", DEFAULT_BYTES_BUDGET)
    clock = time.perf_counter_ns
    results = []
    ch = ctx.start(1)[0]
    try:
        for size in params.get("sizes", [8, 1024, 65536, 1048576]):
            payload = b"\x5a" * size
            iterations = scaled(params.get("iterations", 500), size, budget)
            for _ in range(scaled(params.get("warmup", 50), size, budget // 4)):
                ch.send(payload, timeout=timeout)
                ch.recv(timeout=timeout)
            repetitions = []
            for _ in range(params.get("repetitions", 5)):
                samples = [0] * iterations
                for i in range(iterations):
                    t0 = clock()
                    ch.send(payload, timeout=timeout)
                    echo = ch.recv(timeout=timeout)
                    samples[i] = clock() - t0
                    if len(echo) != size:
                        raise ValueError(f"echo of {size} B came back as {len(echo)} B")
                repetitions.append(samples)
            results.append({
                "name": f"pingpong/{size}",
                "metric": "round_trip",
                "unit": "ns",
                "timed": TIMED,
                "higher_is_better": False,
                "params": {"size_bytes": size, "workers": 1, "iterations": iterations},
                "repetitions": repetitions,
                "bytes_per_op": size,
            })
    finally:
        ctx.stop()
    return results
