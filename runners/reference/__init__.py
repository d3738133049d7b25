"""The standard-library reference rows: run one workload file through what Python users would use
instead of interpbench, with the same ctx and Channel API (docs/design.md, "The workload contract").

    python runners/reference --row py-threading|py-multiprocessing|py-interpreters
        [--method fork|forkserver|spawn] --workload FILE --params JSON --result FILE

Rows (the result file's "row"; py-multiprocessing carries its start method in the name):
  py-threading               threading.Thread workers, queue.Queue channels (bounded, CAPACITY
                             messages). bytes are passed by reference (what threading users get);
                             other buffers are copied into bytes. handoff: True (by reference).
  py-multiprocessing-METHOD  multiprocessing.Process workers started with METHOD, one
                             Pipe(duplex=False) per direction (send_bytes/recv_bytes; the kernel
                             pipe buffer is the bound). handoff: False.
  py-interpreters            one subinterpreter (own GIL) per worker, run by a thread of the host.
                             3.13: _interpreters + _interpqueues (bounded, CAPACITY messages);
                             3.12: _xxsubinterpreters + _xxinterpchannels (unbounded).
                             Neither has a blocking receive: the adapter polls, spinning for
                             SPIN_NS then sleeping with a doubling delay up to MAX_SLEEP_S.
                             handoff: False.

A row that can't run on this Python writes a result file with "skipped" set and exits 0. Exit 1:
the driver failed (the result file says why). Exit 2: bad input (one line on stderr).

Every wait has a timeout (params["timeout"] when the caller gives none); every worker is joined,
killed or reported as abandoned on every path. Every row places its driver and workers on CPUs as
params["pin"] says (pin_this_thread; the result file's "pinning" says how each start ran).

This file is also imported by name inside each py-interpreters subinterpreter
(interp_worker_main), so its top level imports only modules that subinterpreters support.
"""
