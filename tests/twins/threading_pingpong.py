"""Twin of py-threading's pingpong: a two-thread queue.Queue ping-pong, as a user writes it.
python threading_pingpong.py SIZES ITERATIONS WARMUP -> {"size": median round trip ns} on stdout."""
import queue, sys, threading, time

CALLS = "threading.Thread worker, queue.Queue(64) per direction, put(item) and get() with no timeout"


def echo(rx, tx):
    while (msg := rx.get()) is not None:
        tx.put(msg)


def main(sizes, iterations, warmup):
    import json, statistics  # here, not at the top: a spawned child re-imports this file
    to_worker, from_worker = queue.Queue(64), queue.Queue(64)
    worker = threading.Thread(target=echo, args=(to_worker, from_worker))
    worker.start()
    medians = {}
    for size in sizes:
        msg = b"\x5a" * size
        for _ in range(warmup):
            to_worker.put(msg)
            from_worker.get()
        samples = []
        for _ in range(iterations[str(size)]):
            t0 = time.perf_counter_ns()
            to_worker.put(msg)
            from_worker.get()
            samples.append(time.perf_counter_ns() - t0)
        medians[size] = statistics.median(samples)
    to_worker.put(None)
    worker.join()
    print(json.dumps(medians))


if __name__ == "__main__":
    import json
    main(*json.loads(sys.argv[1]))
