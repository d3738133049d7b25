"""py-multiprocessing: multiprocessing.Process workers, Pipe(duplex=False) pairs. A worker process
runs reference/mp_worker.py (its bootstrap); this module is the driver's side."""
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
    closes once it sees the worker process ended (ProcessGroup.wake, within a tick), so that
    the worker's exit still reads as the end of the stream. A wake-up message is WAKE_LEN
    bytes: the group's random magic + the deadline; the worker's close() sends the magic +
    EOF_TAIL, which reads as the end of the stream.
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
        """The worker ended (ProcessGroup.wake) or the group is torn down."""
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
    KILL_AFTER_S = 1.0  # after SIGTERM at the deadline, SIGKILL this much later

    def __init__(self, module, workload_path, params, n, timeout, method):
        import multiprocessing
        mp = multiprocessing.get_context(method)
        # A forked worker has the workload's function already; spawn and forkserver import it.
        worker = module.worker if method == "fork" else workload_path
        self.driver_channels, self.procs, self.errs = [], [], []
        self.deadline = 0.0  # the Watchdog's: when wake() next runs (every tick while it runs)
        self.woken = 0.0
        self._join_deadline = 0.0
        self._killed = set()  # workers the watchdog ended at the join's deadline
        self._pin = params.get("pin") is not None
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
                               args=(worker, params, to_r, from_w, err_w, i, n, timeout,
                                     inherited, params.get("pin"), magic + EOF_TAIL),
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
        self.deadline = time.monotonic()  # wake() checks the workers from the next pass on
        Watchdog.get().watch(id(self), [*self.driver_channels, self])
        self._watched = True

    def _unwatch(self):
        if self._watched:
            self._watched = False
            Watchdog.get().unwatch(id(self))
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
        """Closing each input and Process.join() with no timeout: what a user writes (the
        startup twin's teardown). The timeout is the watchdog's (wake() below): it drains what
        the workers still send, so that none stays blocked on a full pipe, and ends a worker
        still running at the deadline. This replaced a loop of is_alive(), a drain and
        join(0.005) per worker, then a poll of each error pipe: 1.1-1.9x the twin's teardown
        under load."""
        for ch in self.driver_channels:
            ch.close()
        self._join_deadline = time.monotonic() + timeout
        for p in self.procs:
            p.join()
        self._unwatch()  # waits for a wake() under way: the watchdog's lock
        errors = []
        for i, p in enumerate(self.procs):
            # A worker that failed exits 1 after sending its error; one with a pin plan may have
            # noted a refused pin. Otherwise nothing to read: no poll on the timed teardown.
            error = self._worker_error(i) if p.exitcode or self._pin else None
            if error is not None:
                errors.append({"worker": i, "error": error[0], "traceback": error[1]})
            elif i in self._killed:
                how = f"killed by {signal_name(-p.exitcode)}" if (p.exitcode or 0) < 0 else "killed"
                errors.append({"worker": i, "error": f"did not finish within {seconds(timeout)} "
                               f"({how})", "traceback": ""})
            elif p.exitcode:
                what = (f"killed by {signal_name(-p.exitcode)}" if p.exitcode < 0
                        else f"exit status {p.exitcode}")
                errors.append({"worker": i, "error": what, "traceback": ""})
        self._close_all()
        return errors

    def wake(self, deadline):
        """The watchdog's, every tick, under its lock. A worker that ended: its stream's end
        reaches the driver's recv (end_wakes closes the driver's copy of its write end). While
        join() waits: drains the workers still running, until the join's deadline; then
        SIGTERM, and KILL_AFTER_S later SIGKILL."""
        now = time.monotonic()
        self.deadline = now + Watchdog.TICK_S
        running = []
        for i, p in enumerate(self.procs):
            if _running(p):
                running.append(i)
            else:
                self.driver_channels[i].end_wakes()
        if not self._join_deadline:
            return
        if now < self._join_deadline:
            for i in running:
                drain(self.driver_channels[i])
            return
        for i in running:
            self._killed.add(i)
            if now < self._join_deadline + self.KILL_AFTER_S:
                self.procs[i].terminate()
            else:
                self.procs[i].kill()

    def _worker_error(self, i):
        """(error, traceback) the worker sent before it ended, or None; notes a refused pin."""
        error = None
        while error is None and self.errs[i].poll(0):
            try:
                message = self.errs[i].recv()
            except (EOFError, OSError):
                break
            if message == PIN_FAILED:
                self.pin_failed = True
            else:
                error = message
        return error

    @staticmethod
    def _end(p):
        """Terminates, then kills, a process still running."""
        if not p.is_alive():
            p.join(1)
            return
        p.terminate()
        p.join(1)
        if p.is_alive():
            p.kill()
            p.join(5)

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


def _running(p):
    """Whether process p still runs, without reaping it (WNOWAIT): its join() in the driver's
    main thread reaps it, and must be the one that does to read its exit status."""
    try:
        return os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None
    except ChildProcessError:  # reaped already
        return False


def _skip_reason(method):
    import multiprocessing
    if method not in multiprocessing.get_all_start_methods():
        return f"start method '{method}' is not available on this platform"
    return None


ROW = ReferenceRow(
    name="py-multiprocessing", gil="process", memory_scope="process", handoff=False,
    start_group=lambda n, module, workload_path, params, timeout, method, **_: ProcessGroup(
        module, workload_path, params, n, timeout, method),
    api=API,
    notes=lambda: ["multiprocessing Pipe(duplex=False) per direction; send has no timeout",
                   WATCHDOG_NOTE, "a worker process imports reference/mp_worker.py (its bootstrap) "
                   "and the workload file"],
    skip_reason=_skip_reason,
    methods=("fork", "forkserver", "spawn"), default_method="fork")
