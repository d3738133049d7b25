"""The bootstrap a py-multiprocessing worker process imports (multiprocessing pickles its target
by name): the worker side of the pipe channel and the worker's main. A spawn or forkserver child
imports this module, reference/channel.py and the workload file, nothing else of the reference
package: a spawned worker's start time pays for each module it imports (importing channel_base,
placement, workload_file and json here made the spawn row's start 1.05-1.16x its twin's), so
what only a pinned worker, a failing one or the pool's initializer uses is imported there.
Not the driver's __main__ either (runners/reference/__main__.py has the __spec__ name
"__main__", which multiprocessing does not re-import).

The timed path is Connection.send_bytes(buffer) and Connection.recv_bytes(), with no timeout
argument, as the multiprocessing documentation shows them. A worker's wait at the run's timeout
(params["timeout"], what workloads pass) ends with the data, with the end of its input (the
driver closed it, or died), or when the driver's watchdog or the supervisor ends the process; a
shorter timeout, given on purpose, is honoured with Connection.poll(timeout) first."""
import sys

from reference.channel import ChannelBase

PIN_FAILED = "pin failed"  # a worker's note on its error pipe, before any error


class PipeChannel(ChannelBase):
    """multiprocessing Connections: send_bytes/recv_bytes, neither with a timeout."""

    def __init__(self, rx, tx, worker_id, worker_count, default_timeout):
        super().__init__(worker_id, worker_count, default_timeout)
        self._rx, self._tx = rx, tx
        self._closed = False
        self._eof = False

    def send(self, buffer, timeout=None):
        if self._closed:
            raise BrokenPipeError("send on a closed channel")
        self._tx.send_bytes(buffer)

    def try_send(self, buffer):
        import select
        if self._closed:
            raise BrokenPipeError("send on a closed channel")
        _, writable, _ = select.select([], [self._tx.fileno()], [], 0)
        if not writable:
            return False
        self._tx.send_bytes(buffer)  # may still block for a message larger than the free room
        return True

    def recv(self, timeout=None):
        if self._eof:
            raise EOFError("channel closed")
        if timeout is not None and timeout < self._default_timeout and not self._rx.poll(timeout):
            raise TimeoutError("recv timed out")
        try:
            return self._rx.recv_bytes()
        except EOFError:
            self._eof = True
            raise EOFError("channel closed") from None

    def try_recv(self):
        if self._eof:
            raise EOFError("channel closed")
        if not self._rx.poll(0):
            return None
        return self.recv()

    def close(self):
        if not self._closed:
            self._closed = True
            self._tx.close()


def load_workload(workload_path):
    from reference.workload_file import load_workload as load
    return load(workload_path)


def load_for_pool(workload_path):
    """A ProcessPoolExecutor's initializer: the workload's task(message) is pickled by name, so
    its module must be importable in the worker (a forked one has it already)."""
    import os
    module = sys.modules.get(os.path.splitext(os.path.basename(workload_path))[0])
    if getattr(module, "__file__", None) != workload_path:
        load_workload(workload_path)


def worker_main(worker, params, rx, tx, err, worker_id, worker_count, timeout, inherited, pin):
    """`worker`: the workload's worker function, inherited by a forked process as a user's forked
    child has its functions; or the workload file's path, which a spawned one imports. `params`
    as the driver has them (pickled for spawn and forkserver).

    A forked worker's USS counts every page written after the fork, by it or by its driver:
    every function it runs for the first time writes its code object (the specializing
    interpreter's counters) and allocates in pages it shares with the driver. Against the
    twin's forked child (tests/twins/multiprocessing_startup.py, 1.20 MiB), 5 rounds each:
    decoding the params from JSON in the worker cost +80 KiB (1.31x -> 1.23x without), the
    placement helpers called with no plan +25 KiB (-> 1.28x); with both gone and the function
    handed over instead of looked up by path, 1.19-1.21x. So a forked worker gets the function
    and the params object, and placement is imported and run only for a pin plan."""
    # First: forked or spawned, this process inherited the mask of the driver's thread.
    if pin is not None:
        from reference.placement import pin_worker_failed
        if pin_worker_failed(pin, worker_id, worker_count):
            err.send(PIN_FAILED)
    # A forked worker inherits every pipe end the driver held at fork time; holding another
    # worker's (or its own) driver-side write end would keep that stream from ever ending.
    for conn in inherited:
        conn.close()
    ch = PipeChannel(rx, tx, worker_id, worker_count, timeout)
    try:
        if isinstance(worker, str):
            worker = load_workload(worker).worker
        worker(ch, params)
    except BaseException as exc:  # noqa: BLE001
        import traceback
        from reference.workload_file import describe_exception
        try:
            err.send((describe_exception(exc), traceback.format_exc()))
        finally:
            sys.exit(1)
    finally:
        ch.close()
