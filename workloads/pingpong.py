"""pingpong: round-trip latency of one message between the driver and one worker.

The worker echoes every message it receives. For each size in params["sizes"] the driver sends
`warmup` untimed messages, then, per repetition, `iterations` timed round trips (fewer for big
sizes: at most params["bytes_budget"] payload bytes per repetition, at least 3 round trips).

Timed (driver clock, time.perf_counter_ns): from just before ch.send(payload) to just after the
echo's ch.recv() returned; payload creation and checks are outside. One sample per round trip.
bytes_per_op is the payload size one way (a round trip moves it twice).

After each repetition (untimed) the driver notes the CPU it is on and asks the worker for its own
(a CPU_QUERY message): result["cpus"] has one [driver_cpu, worker_cpu] pair per repetition, None
where /proc doesn't say. On a machine with few CPUs both sides sometimes share one for a whole
repetition, and every round trip then includes two wake-ups instead of a spin: the reports flag
such results (docs/json-schema.md, "cpus").
"""
import time

TIMED = ("round trip, driver clock (time.perf_counter_ns) from before send to after the echo's "
         "recv; payload built outside the timed region")

DEFAULT_BYTES_BUDGET = 64 << 20
CPU_QUERY = b"\0interpbench: which CPU?"  # never a payload: those are b"\x5a" * size


def current_cpu():
    """The CPU this thread last ran on (field 39 of /proc/thread-self/stat), or None."""
    try:
        with open("/proc/thread-self/stat", "rb") as f:
            stat = f.read()
        return int(stat[stat.rindex(b")") + 2:].split()[36])
    except (OSError, ValueError, IndexError):
        return None


def worker(ch, params):
    timeout = params.get("timeout")
    while True:
        try:
            msg = ch.recv(timeout=timeout)
        except EOFError:
            return
        if msg == CPU_QUERY:
            cpu = current_cpu()
            msg = b"" if cpu is None else str(cpu).encode()
        ch.send(msg, timeout=timeout)


def cpus_now(ch, timeout):
    """[driver_cpu, worker_cpu], sampled now (untimed)."""
    driver_cpu = current_cpu()
    ch.send(CPU_QUERY, timeout=timeout)
    answer = ch.recv(timeout=timeout)
    return [driver_cpu, int(answer) if answer else None]


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
            cpus = []
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
                cpus.append(cpus_now(ch, timeout))
            results.append({
                "name": f"pingpong/{size}",
                "metric": "round_trip",
                "unit": "ns",
                "timed": TIMED,
                "higher_is_better": False,
                "params": {"size_bytes": size, "workers": 1, "iterations": iterations},
                "repetitions": repetitions,
                "bytes_per_op": size,
                "cpus": cpus,
            })
    finally:
        ctx.stop()
    return results
