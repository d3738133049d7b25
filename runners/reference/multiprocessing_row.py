"""py-multiprocessing: multiprocessing.Process workers, Pipe(duplex=False) pairs. A worker process
runs reference/mp_worker.py (its bootstrap); this module is the driver's side."""
import os
import time

from reference.channel_base import (ALARM_NOTE, AlarmWatchdog, drain, read_smaps_rollup, seconds,
                                    signal_name)
from reference.mp_worker import PIN_FAILED, PipeChannel, worker_main
from reference.row import ReferenceRow

# What the row calls, in the words of its twins (tests/twins/multiprocessing_*.py).
API = ("multiprocessing.Process worker, Pipe(duplex=False) per direction, "
       "Connection.send_bytes(buffer) and recv_bytes() with no timeout")


class DriverPipeChannel(PipeChannel):
    """The driver's side: recv is Connection.recv_bytes() with no timeout. The AlarmWatchdog
    (reference/channel_base.py) enforces the timeout from outside it: its pass runs in this
    thread, and wake() raises TimeoutError out of the blocked recv. A worker that ends closes
    its write end, and the pipe's end of stream reaches the recv (the driver holds no copy of it).
    (A worker stalled for the whole timeout in the middle of writing a message leaves the
    stream cut in the middle of that message; that row has failed by then anyway.)"""

    def __init__(self, rx, tx, worker_id, worker_count, default_timeout):
        super().__init__(rx, tx, worker_id, worker_count, default_timeout)
        self.deadline = 0.0  # time.monotonic() deadline of the recv under way; 0.0: none
        self.woken = 0.0     # the watchdog's: the deadline it last woke

    def wake(self, deadline):
        """The watchdog's, in this thread: the recv waiting for `deadline` ends."""
        if self.deadline == deadline:
            raise TimeoutError("recv timed out")

    def recv(self, timeout=None):
        if self._eof:
            raise EOFError("channel closed")
        self.deadline = time.monotonic() + (self._default_timeout if timeout is None else timeout)
        try:
            return self._rx.recv_bytes()
        except EOFError:
            self._eof = True
            raise EOFError("channel closed") from None
        finally:
            self.deadline = 0.0


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
        self.deadline = 0.0  # the watchdog's: when wake() next runs (every tick while join waits)
        self.woken = 0.0
        self._join_deadline = 0.0
        self._killed = set()  # workers the watchdog ended at the join's deadline
        self._pin = params.get("pin") is not None
        self._watched = False
        # The driver runs as little Python as it can between a fork and the worker's first
        # message: each page it writes meanwhile (a code object's counters, an allocation) is
        # one the forked worker no longer shares, and counts in the worker's USS. So the group
        # is watched and each channel built before its worker's fork; after it, only the
        # worker's ends are closed, as the twin does.
        waiters = [self]
        AlarmWatchdog.get().watch(id(self), waiters)
        self._watched = True
        driver_ends = []
        try:
            for i in range(n):
                to_r, to_w = mp.Pipe(duplex=False)
                from_r, from_w = mp.Pipe(duplex=False)
                err_r, err_w = mp.Pipe(duplex=False)
                ch = DriverPipeChannel(from_r, to_w, i, n, timeout)
                self.driver_channels.append(ch)
                waiters.append(ch)
                self.errs.append(err_r)
                driver_ends += [to_w, from_r, err_r]
                p = mp.Process(target=worker_main, name=f"interpbench-worker-{i}",
                               args=(worker, params, to_r, from_w, err_w, i, n, timeout,
                                     driver_ends[:] if method == "fork" else [],
                                     params.get("pin")),
                               daemon=True)
                p.start()
                self.procs.append(p)
                for conn in (to_r, from_w, err_w):
                    conn.close()
        except BaseException:
            self.kill()
            raise

    def _unwatch(self):
        if self._watched:
            self._watched = False
            AlarmWatchdog.get().unwatch(id(self))

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
        now = time.monotonic()
        self._join_deadline = now + timeout
        self.deadline = now  # the watchdog's next pass drains, then every tick
        for p in self.procs:
            p.join()
        self._unwatch()
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
        # The group lives on while the caller holds one of its channels, so that its process and
        # pipe objects are freed where a user's are, when the caller lets go of them: freeing
        # them here, inside the timed teardown (a Popen's finalizer closes its sentinel), cost 30
        # us of it against the twin's 450 (tests/twins_test.py).
        for ch in self.driver_channels:
            ch.group = self
        self.driver_channels = []
        return errors

    def wake(self, deadline):
        """The watchdog's, every tick while join() waits, in the driver's main thread (which is
        in Process.join(): no channel read is under way). Until the join's deadline: drains the
        workers still running. Then SIGTERM, and KILL_AFTER_S later SIGKILL."""
        now = time.monotonic()
        self.deadline = now + AlarmWatchdog.TICK_S
        running = [i for i, p in enumerate(self.procs) if _running(p)]
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
                   ALARM_NOTE, "a worker process imports reference/mp_worker.py (its bootstrap) "
                   "and the workload file"],
    skip_reason=_skip_reason,
    methods=("fork", "forkserver", "spawn"), default_method="fork", watchdog=AlarmWatchdog)
