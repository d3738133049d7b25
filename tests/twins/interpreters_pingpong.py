"""Twin of py-interpreters' pingpong: the documented high-level API (3.13: test.support.interpreters;
3.14: concurrent.interpreters), one interpreter echoing through two queues, as a user writes it.
python interpreters_pingpong.py '[SIZES, ITERATIONS, WARMUP]' -> {"size": median ns}."""
import sys, threading, time

CALLS = ("the documented high-level API (3.13: test.support.interpreters + .queues; 3.14: "
         "concurrent.interpreters): Interpreter.exec on a thread, a queue of maxsize 64 per "
         "direction, put(obj) and get() with no timeout")
try:
    import concurrent.interpreters as interpreters
    create_queue, IMPORT = interpreters.create_queue, "import concurrent.interpreters"
except ImportError:
    from test.support import interpreters
    from test.support.interpreters import queues
    create_queue, IMPORT = queues.create, "import test.support.interpreters.queues"

ECHO = """
while (msg := rx.get()) is not None:
    tx.put(msg)
"""


def main(sizes, iterations, warmup):
    import json, statistics  # here, not at the top: a spawned child re-imports this file
    interp = interpreters.create()
    interp.exec(IMPORT)
    to_worker, from_worker = create_queue(64), create_queue(64)
    interp.prepare_main(rx=to_worker, tx=from_worker)
    worker = threading.Thread(target=interp.exec, args=(ECHO,))
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
    interp.close()
    print(json.dumps(medians))


if __name__ == "__main__":
    import json
    main(*json.loads(sys.argv[1]))
