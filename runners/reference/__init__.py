"""The standard-library reference rows: run one workload file through what Python users would use
instead of interpbench, with the same ctx and Channel API (docs/design.md, "The workload contract").

    python runners/reference --row py-threading|py-multiprocessing|py-interpreters|...
        [--method fork|forkserver|spawn] --workload FILE --params JSON --result FILE

Rows (the result file's "row"; rows with start methods carry the method in the name):
  py-threading               threading.Thread workers, queue.Queue(64) channels: put()/get().
  py-multiprocessing-METHOD  multiprocessing.Process workers started with METHOD, one
                             Pipe(duplex=False) per direction: send_bytes()/recv_bytes(). The
                             worker imports only mp_worker.py (its bootstrap) and the workload.
  py-interpreters            the documented high-level interpreters API (3.13:
                             test.support.interpreters, 3.14: concurrent.interpreters), its queues'
                             blocking put()/get() (get sleeps 10 ms between polls: gh-143017).
  py-interpreters-poll       tuned: _interpreters + _interpqueues (3.12: _xxsubinterpreters +
                             _xxinterpchannels), polled: spin SPIN_NS, then sleep up to MAX_SLEEP_S.
  py-executor-thread, py-executor-process-METHOD, py-executor-interp
                             concurrent.futures executors running the workload's task(message).

The timed path calls the standard API with no timeout argument, as its documentation shows it;
a watchdog (channel_base.Watchdog, a thread; AlarmWatchdog, an interval timer, where the driver
forks) enforces the driver's timeouts from outside it. Each
row's "api" is the first note of its result file, in the words of its twin (tests/twins/).

A row that can't run on this Python writes a result file with "skipped" set and exits 0. Exit 1:
the driver failed (the result file says why). Exit 2: bad input (one line on stderr).

Every wait has a timeout (params["timeout"] when the caller gives none); every worker is joined,
killed or reported as abandoned on every path. Every row places its driver and workers on CPUs as
params["pin"] says (pin_this_thread; the result file's "pinning" says how each start ran).

This file is also imported by name inside each py-interpreters(-poll) subinterpreter
(interp_worker_main), so its top level imports only modules that subinterpreters support.
"""
