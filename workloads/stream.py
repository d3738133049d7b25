"""stream: one-way throughput from one producer (the driver) to one consumer (a worker).

For each size in params["sizes"], per repetition, the driver sends `batches` batches
(params["batches"], default 5). A batch is `iterations` messages of that size (fewer for big
sizes: at most params["bytes_budget"] bytes per batch, at least 4 messages) followed by an empty
end-of-batch marker; the worker counts what it received and answers the marker with an 8-byte
count, which the driver checks. One untimed warm-up batch comes first, of at least
params["warmup"] messages, and up to four batches long until params["warmup_bytes"] moved
(default 0): the first copies of a big message into a fresh process's memory run slower for a
dozen messages (16 MiB: 1.7-1.9 ms in the first batch after a 4-message warm-up, 1.4-1.5 ms from
the fourth, on the development machine), and a round of three batches took that trend in. The
worker reads messages
of 1 MiB and more as views (recv_view; see worker()): on the subprocess backend such a message
is copied once, into shared memory, and read there in place.

Timed (driver clock, time.perf_counter_ns): from just before the batch's first send to just after
the worker's count arrived, divided by the batch's message count: ns per message at steady state,
including the consumer's recv (or recv_view) and the single small acknowledgement per batch. One sample per
batch. bytes_per_op is the message size, so MB/s = bytes_per_op / ns * 1e3 and
messages/s = 1e9 / ns.
"""
import struct
import time

TIMED = ("one-way, ns per message: driver clock (time.perf_counter_ns) from before the first "
         "send of a batch to after the worker's count of that batch arrived, / messages")

DEFAULT_BYTES_BUDGET = 32 << 20
DEFAULT_VIEW_MIN_BYTES = 1 << 20
COUNT = struct.Struct("<q")


def worker(ch, params):
    """Counts messages; answers each empty marker with the count. Messages of at least
    params["view_min_bytes"] (default 1 MiB) are read as views (ch.recv_view), the way a consumer
    that reads big messages in place would: on the subprocess backend they then stay in shared
    memory (one copy instead of two). The choice follows the last message's size: a batch's
    messages all have one size, and each size's untimed warm-up batch comes first. A message is
    dropped as soon as it is counted, before the next recv, as a consumer done with it would:
    kept until the next one arrived, it made a subinterpreter's receive copy each 16 MiB message
    into one of two alternating buffers (48 MiB in use with the sender's, against the memcpy
    row's 32 MiB, on a 32 MiB L3), and subinterp / memcpy read 0.78-0.82 instead of 0.97-1.06."""
    timeout = params.get("timeout")
    view_min = params.get("view_min_bytes", DEFAULT_VIEW_MIN_BYTES)
    recv, viewing = ch.recv, False
    received = 0
    while True:
        try:
            msg = recv(timeout=timeout)
        except EOFError:
            return
        n = len(msg)
        msg = None  # done with it: its memory is free for the next message's copy
        if n:
            received += 1
            if (n >= view_min) is not viewing:
                viewing = not viewing
                recv = ch.recv_view if viewing else ch.recv
        else:
            ch.send(COUNT.pack(received), timeout=timeout)
            received = 0


def batch_size(params, size):
    budget = params.get("bytes_budget", DEFAULT_BYTES_BUDGET)
    return max(4, min(params.get("iterations", 500), budget // max(size, 1)))


def run_batch(ch, payload, n, timeout):
    """Sends n messages and the marker; returns ns per message (driver clock)."""
    clock = time.perf_counter_ns
    t0 = clock()
    for _ in range(n):
        ch.send(payload, timeout=timeout)
    ch.send(b"", timeout=timeout)
    count = COUNT.unpack(ch.recv(timeout=timeout))[0]
    elapsed = clock() - t0
    if count != n:
        raise ValueError(f"worker received {count} of {n} messages")
    return elapsed / n


def driver(ctx, params):
    timeout = params.get("timeout")
    batches = params.get("batches", 5)
    results = []
    ch = ctx.start(1)[0]
    try:
        for size in params.get("sizes", [64, 1024, 65536, 1048576]):
            payload = b"\xa5" * size
            n = batch_size(params, size)
            warmup = max(min(n, max(4, params.get("warmup", 50))),
                         min(4 * n, -(-params.get("warmup_bytes", 0) // max(size, 1))))
            run_batch(ch, payload, warmup, timeout)
            repetitions = [[run_batch(ch, payload, n, timeout) for _ in range(batches)]
                           for _ in range(params.get("repetitions", 5))]
            results.append({
                "name": f"stream/{size}",
                "metric": "one_way",
                "unit": "ns",
                "timed": TIMED,
                "higher_is_better": False,
                "params": {"size_bytes": size, "workers": 1, "messages_per_batch": n},
                "repetitions": repetitions,
                "bytes_per_op": size,
            })
    finally:
        ctx.stop()
    return results
