"""Twin of py-interpreters-poll's pingpong (3.13): one subinterpreter echoing through two
_interpqueues queues, both sides polling as the row does: spin 50 us, then sleep with a doubling
delay up to 1 ms. python interpreters_poll_pingpong.py '[SIZES, ITERATIONS, WARMUP]'."""
import sys, threading, time
import _interpqueues, _interpreters

CALLS = ("tuned: _interpreters + the low-level _interpqueues (3.12: _xxsubinterpreters + "
         "_xxinterpchannels), polled with put/get that never block: spin 50 us, then sleep with a "
         "doubling delay up to 1 ms")
POLL = """
import queue, time, _interpqueues
def get(qid):
    start, delay = time.perf_counter_ns(), 0.0
    while True:
        try:
            return _interpqueues.get(qid)[0]
        except queue.Empty:
            if time.perf_counter_ns() - start >= 50_000:
                delay = min(delay * 2 or 1e-5, 0.001)
                time.sleep(delay)
"""
ECHO = POLL + """
while (msg := get({rx})) is not None:
    _interpqueues.put({tx}, msg, 0, 1)
"""


def main(sizes, iterations, warmup):
    import json, statistics  # here, not at the top: a spawned child re-imports this file
    namespace = {}
    exec(POLL, namespace)
    get = namespace["get"]
    to_worker, from_worker = _interpqueues.create(64, 0, 1), _interpqueues.create(64, 0, 1)
    iid = _interpreters.create()
    worker = threading.Thread(target=_interpreters.exec,
                              args=(iid, ECHO.format(rx=to_worker, tx=from_worker)))
    worker.start()
    medians = {}
    for size in sizes:
        msg = b"\x5a" * size
        for _ in range(warmup):
            _interpqueues.put(to_worker, msg, 0, 1)
            get(from_worker)
        samples = []
        for _ in range(iterations[str(size)]):
            t0 = time.perf_counter_ns()
            _interpqueues.put(to_worker, msg, 0, 1)
            get(from_worker)
            samples.append(time.perf_counter_ns() - t0)
        medians[size] = statistics.median(samples)
    _interpqueues.put(to_worker, None, 0, 1)
    worker.join()
    _interpreters.destroy(iid)
    print(json.dumps(medians))


if __name__ == "__main__":
    import json
    if sys.version_info < (3, 13):
        sys.exit("this twin needs 3.13's _interpqueues")
    main(*json.loads(sys.argv[1]))
