"""py-multiprocessing: multiprocessing.Process workers, Pipe(duplex=False) pairs. A worker process
runs reference/mp_worker.py (its bootstrap); this module is the driver's side."""
import json
import os
import struct
import time

from reference.channel_base import WATCHDOG_NOTE, Watchdog, drain, read_smaps_rollup, seconds, signal_name
from reference.mp_worker import PIN_FAILED, PipeChannel, worker_main
from reference.row import ReferenceRow

# What the row calls, in the words of its twins (tests/twins/multiprocessing_*.py).
API = ("multiprocessing.Process worker, Pipe(duplex=False) per direction, "
       "Connection.send_bytes(buffer) and recv_bytes() with no timeout")

MAGIC_LEN = 16
WAKE_LEN = MAGIC_LEN + 8
EOF_TAIL = b"\xff" * 8  # a NaN as a deadline: never a wake-up's


class DriverPipeChannel(PipeChannel):
    """The driver's side: recv is Connection.recv_bytes() with no timeout; the Watchdog
    (reference/channel_base.py) enforces the timeout from outside by writing a wake-up message
    into the pipe through the driver's own copy of the worker's write end (`wake_tx`), which it
    closes as soon as the worker process ends, so that the worker's exit still reads as the end
    of the stream. A wake-up message is WAKE_LEN bytes: the group's random magic + the deadline;
    the worker's close() sends the magic + EOF_TAIL, which reads as the end of the stream.
    (A worker stalled for the whole timeout in the middle of writing a message larger than
    PIPE_BUF could have the wake-up interleaved with it; that row has failed by then anyway.)"""

    def __init__(self, rx, tx, wake_tx, magic, worker_id, worker_count, default_timeout):
        super().__init__(rx, tx, worker_id, worker_count, default_timeout)
        self.wake_tx = wake_tx
        self._magic = magic
        self.deadline = 0.0  # time.monotonic() deadline of the recv under way; 0.0: none
        self.woken = 0.0     # the watchdog's: the deadline it last woke

    def wake(self, deadline):
        if self.wake_tx is not None:
            self.wake_tx.send_bytes(self._magic + struct.pack("<d", deadline))

    def end_wakes(self):
        """The worker ended (the watchdog's sentinel callback) or the group is torn down."""
        tx, self.wake_tx = self.wake_tx, None
        if tx is not None:
            tx.close()

    def _is_marker(self, data):
        """A wake-up or the end of the stream; raises EOFError for the latter."""
        if len(data) != WAKE_LEN or data[:MAGIC_LEN] != self._magic:
            return False
        if data[MAGIC_LEN:] == EOF_TAIL:
            raise EOFError
        return True

    def recv(self, timeout=None):
        if self._eof:
            raise EOFError("channel closed")
        deadline = self.deadline = time.monotonic() + self._t(timeout)
        try:
            while True:
                data = self._rx.recv_bytes()
                if len(data) != WAKE_LEN or not self._is_marker(data):
                    return data
                if struct.unpack_from("<d", data, MAGIC_LEN)[0] == deadline:
                    raise TimeoutError("recv timed out")
                # a wake-up meant for an earlier recv, which its message ended first: skip it
        except EOFError:
            self._eof = True
            raise EOFError("channel closed") from None
        finally:
            self.deadline = 0.0

    def try_recv(self):
        if self._eof:
            raise EOFError("channel closed")
        try:
            while self._rx.poll(0):
                data = self._rx.recv_bytes()
                if not self._is_marker(data):
                    return data
        except EOFError:
            self._eof = True
            raise EOFError("channel closed") from None
        return None


class ProcessGroup:
    memory_scope = "process"
    gil = "process"
    pin_failed = False

    def __init__(self, workload_path, params, n, timeout, method):
        import multiprocessing
        mp = multiprocessing.get_context(method)
        params_json = json.dumps(params)
        self.driver_channels, self.procs, self.errs = [], [], []
        self._watched = False
        magic = os.urandom(MAGIC_LEN)
        driver_ends = []
        try:
            for i in range(n):
                to_r, to_w = mp.Pipe(duplex=False)
                from_r, from_w = mp.Pipe(duplex=False)
                err_r, err_w = mp.Pipe(duplex=False)
                inherited = [*driver_ends, to_w, from_r, err_r] if method == "fork" else []
                p = mp.Process(target=worker_main, name=f"interpbench-worker-{i}",
                               args=(workload_path, params_json, to_r, from_w, err_w, i, n,
                                     timeout, inherited, params.get("pin"), magic + EOF_TAIL),
                               daemon=True)
                p.start()
                self.procs.append(p)
                for conn in (to_r, err_w):
                    conn.close()
                # from_w stays open here: the watchdog's way to wake a recv (DriverPipeChannel).
                driver_ends += [to_w, from_r, err_r, from_w]
                self.driver_channels.append(
                    DriverPipeChannel(from_r, to_w, from_w, magic, i, n, timeout))
                self.errs.append(err_r)
        except BaseException:
            self.kill()
            raise
        Watchdog.get().watch(id(self), self.driver_channels, {
            p.sentinel: ch.end_wakes for p, ch in zip(self.procs, self.driver_channels)})
        self._watched = True

    def _unwatch(self):
        if self._watched:
            self._watched = False
            Watchdog.get().unwatch(id(self), [p.sentinel for p in self.procs])
        for ch in self.driver_channels:
            ch.end_wakes()

    def memory(self):
        return [read_smaps_rollup(p.pid) for p in self.procs]

    def select(self, channels, timeout):
        from multiprocessing.connection import wait
        by_conn = {ch._rx: ch for ch in channels}
        for ch in channels:
            if ch._eof:
                return ch
        ready = wait(list(by_conn), timeout)
        if not ready:
            raise TimeoutError("select timed out")
        return by_conn[ready[0]]

    def join(self, timeout):
        for ch in self.driver_channels:
            ch.close()
        deadline = time.monotonic() + timeout
        errors = []
        for i, p in enumerate(self.procs):
            while p.is_alive() and time.monotonic() < deadline:
                drain(self.driver_channels[i])
                p.join(0.005)
            killed = self._end(p)
            error = None
            while error is None and self.errs[i].poll(0):
                try:
                    message = self.errs[i].recv()
                except (EOFError, OSError):
                    break
                if message == PIN_FAILED:
                    self.pin_failed = True
                else:
                    error, tb = message
            if error is not None:
                errors.append({"worker": i, "error": error, "traceback": tb})
            elif killed:
                how = f"killed by {signal_name(-p.exitcode)}" if (p.exitcode or 0) < 0 else "killed"
                errors.append({"worker": i, "error": f"did not finish within {seconds(timeout)} "
                               f"({how})", "traceback": ""})
            elif p.exitcode:
                what = (f"killed by {signal_name(-p.exitcode)}" if p.exitcode < 0
                        else f"exit status {p.exitcode}")
                errors.append({"worker": i, "error": what, "traceback": ""})
        self._close_all()
        return errors

    @staticmethod
    def _end(p):
        """Terminates, then kills, a process still running; True if it had to."""
        if not p.is_alive():
            p.join(1)
            return False
        p.terminate()
        p.join(1)
        if p.is_alive():
            p.kill()
            p.join(5)
        return True

    def _close_all(self):
        self._unwatch()
        for ch in self.driver_channels:
            ch.close()
            ch._rx.close()
        for e in self.errs:
            e.close()

    def kill(self):
        for p in self.procs:
            self._end(p)
        self._close_all()


def _skip_reason(method):
    import multiprocessing
    if method not in multiprocessing.get_all_start_methods():
        return f"start method '{method}' is not available on this platform"
    return None


ROW = ReferenceRow(
    name="py-multiprocessing", gil="process", memory_scope="process", handoff=False,
    start_group=lambda n, workload_path, params, timeout, method, **_: ProcessGroup(
        workload_path, params, n, timeout, method),
    api=API,
    notes=lambda: ["multiprocessing Pipe(duplex=False) per direction; send has no timeout",
                   WATCHDOG_NOTE, "a worker process imports reference/mp_worker.py (its bootstrap) "
                   "and the workload file"],
    skip_reason=_skip_reason,
    methods=("fork", "forkserver", "spawn"), default_method="fork")
