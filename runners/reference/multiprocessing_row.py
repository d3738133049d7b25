"""py-multiprocessing: multiprocessing.Process workers, Pipe(duplex=False) pairs."""
import json
import sys
import time
import traceback

from reference.channel_base import ChannelBase, drain, read_smaps_rollup, seconds, signal_name
from reference.placement import pin_worker_failed
from reference.row import ReferenceRow
from reference.workload_file import describe_exception, load_workload


class PipeChannel(ChannelBase):
    """multiprocessing Connections: send_bytes/recv_bytes. Connection.send_bytes has no timeout:
    a send blocked on a full pipe ends when the reader reads or the parent's timeout kills the
    process group; recv waits with poll(timeout)."""

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
        if not self._rx.poll(self._t(timeout)):
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
        try:
            return self._rx.recv_bytes()
        except EOFError:
            self._eof = True
            raise EOFError("channel closed") from None

    def close(self):
        if not self._closed:
            self._closed = True
            self._tx.close()


def _mp_worker_main(workload_path, params_json, rx, tx, err, worker_id, worker_count, timeout,
                    inherited, pin):
    # First: forked or spawned, this process inherited the mask of the driver's thread.
    if pin_worker_failed(pin, worker_id, worker_count):
        err.send(_PIN_FAILED)
    # A forked worker inherits every pipe end the driver held at fork time; holding another
    # worker's (or its own) driver-side write end would keep that stream from ever ending.
    for conn in inherited:
        conn.close()
    ch = PipeChannel(rx, tx, worker_id, worker_count, timeout)
    try:
        module = load_workload(workload_path)
        module.worker(ch, json.loads(params_json))
    except BaseException as exc:  # noqa: BLE001
        try:
            err.send((describe_exception(exc), traceback.format_exc()))
        finally:
            sys.exit(1)
    finally:
        ch.close()


_PIN_FAILED = "pin failed"  # a worker's note on its error pipe, before any error


class ProcessGroup:
    memory_scope = "process"
    gil = "process"
    pin_failed = False

    def __init__(self, workload_path, params, n, timeout, method):
        import multiprocessing
        mp = multiprocessing.get_context(method)
        params_json = json.dumps(params)
        self.driver_channels, self.procs, self.errs = [], [], []
        driver_ends = []
        try:
            for i in range(n):
                to_r, to_w = mp.Pipe(duplex=False)
                from_r, from_w = mp.Pipe(duplex=False)
                err_r, err_w = mp.Pipe(duplex=False)
                driver_ends += [to_w, from_r, err_r]
                inherited = list(driver_ends) if method == "fork" else []
                p = mp.Process(target=_mp_worker_main, name=f"interpbench-worker-{i}",
                               args=(workload_path, params_json, to_r, from_w, err_w, i, n,
                                     timeout, inherited, params.get("pin")), daemon=True)
                p.start()
                self.procs.append(p)
                for conn in (to_r, from_w, err_w):
                    conn.close()
                self.driver_channels.append(PipeChannel(from_r, to_w, i, n, timeout))
                self.errs.append(err_r)
        except BaseException:
            self.kill()
            raise

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
                if message == _PIN_FAILED:
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
    notes=lambda: ["multiprocessing Pipe(duplex=False) per direction; send has no timeout"],
    skip_reason=_skip_reason,
    methods=("fork", "forkserver", "spawn"), default_method="fork")
