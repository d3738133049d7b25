"""The standard-library reference rows: run one workload file through what Python users would use
instead of interpbench, with the same ctx and Channel API (docs/design.md, "The workload contract").

    python runners/reference.py --row py-threading|py-multiprocessing|py-interpreters
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
import collections
import importlib.util
import json
import os
import platform
import sys
import time
import traceback

SCHEMA = "interpbench-child/1"
CAPACITY = 64            # messages per direction (threading, 3.13 interpreters)
SPIN_NS = 50_000         # interpreters polling: busy-poll this long before sleeping
MAX_SLEEP_S = 0.001      # interpreters polling: longest sleep between two polls
DEFAULT_TIMEOUT_S = 60.0
FAILURE_JOIN_S = 1.0     # after a failed driver: how long its workers get to end and say why
REFERENCE_MODULE = "_interpbench_reference"
_EOF = None              # end-of-stream marker on queues (None is shareable across interpreters)

ROWS = ("py-threading", "py-multiprocessing", "py-interpreters")
MP_METHODS = ("fork", "forkserver", "spawn")


class BadInput(Exception):
    """Bad command line or workload file: one line on stderr, exit 2."""


# ---------------------------------------------------------------------------------------------
# Loading workloads, memory


def load_workload(path):
    """Imports the workload file as a module named after its stem (as the C++ backends do)."""
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise BadInput(f"cannot import workload '{path}'")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def read_smaps_rollup(pid):
    """{"pid", "rss_kib", "pss_kib", "uss_kib"} of one process, from /proc/PID/smaps_rollup."""
    fields = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[-1] == "kB":
                fields[parts[0].rstrip(":")] = int(parts[1])
    return {"pid": pid, "rss_kib": fields.get("Rss", 0), "pss_kib": fields.get("Pss", 0),
            "uss_kib": fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)}


def describe_exception(exc):
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def seconds(t):
    """'1s', '0.5s': as the C++ rows write a deadline."""
    return f"{round(t, 1):g}s"


def signal_name(signum):
    import signal
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


# Where the driver and the workers run: params["pin"] (docs/design.md), as the C++ rows do it
# (backends/cpu_pinning.h). os.sched_setaffinity(0, ...) places the calling thread only (Linux).


def pin_cpus(pin):
    """params["pin"]'s CPUs, sorted; [] when there is no plan (nobody's mask is touched)."""
    pin = pin if isinstance(pin, dict) else {}
    return sorted({c for c in pin.get("cpus") or () if type(c) is int and c >= 0})


def pins(pin, n):
    """True when a group of n workers and its driver get a CPU each: mode "auto", n + 1 fit."""
    return isinstance(pin, dict) and pin.get("mode") == "auto" and n + 1 <= len(pin_cpus(pin))


def pin_this_thread(pin, n, worker_id=None):
    """Places the calling thread, the driver (worker_id None) or worker `worker_id` of a group of
    n: alone on cpus[0] or cpus[1 + worker_id] when pins(pin, n), else on all of cpus (undoing a
    mask inherited from a pinned driver). True when it now runs alone on its CPU. A refused pin
    (a CPU went offline, a cpuset) is not an error: the thread runs on all of cpus instead."""
    cpus = pin_cpus(pin)
    if not cpus:
        return False
    alone = pins(pin, n)
    try:
        os.sched_setaffinity(0, {cpus[0 if worker_id is None else 1 + worker_id]} if alone
                             else cpus)
        return alone
    except (OSError, ValueError):
        if alone:
            try:
                os.sched_setaffinity(0, cpus)
            except (OSError, ValueError):
                pass
        return False


def pin_worker_failed(pin, worker_id, n):
    """A worker's first step: pins it; True when the plan gave it a CPU and the kernel refused."""
    return not pin_this_thread(pin, n, worker_id) and pins(pin, n)


def pinning_record(pin, starts):
    """The result file's "pinning": {"mode", "cpus", "starts": {"<n>": pinned}}."""
    mode = "auto" if isinstance(pin, dict) and pin.get("mode") == "auto" else "off"
    return {"mode": mode, "cpus": pin_cpus(pin),
            "starts": {str(n): pinned for n, pinned in sorted(starts.items())}}


class Backoff:
    """Polling for transports without a blocking wait: spin, then sleep with a doubling delay."""

    __slots__ = ("start", "deadline", "delay", "what")

    def __init__(self, timeout, what):
        self.what = what  # "recv": the TimeoutError says "recv timed out", as on the other rows
        self.start = time.perf_counter_ns()
        self.deadline = self.start + int(timeout * 1e9)
        self.delay = 0.0

    def wait(self):
        """Raises TimeoutError once the deadline has passed."""
        now = time.perf_counter_ns()
        if now >= self.deadline:
            raise TimeoutError(f"{self.what} timed out")
        if now - self.start < SPIN_NS:
            return
        self.delay = min(self.delay * 2 or 1e-5, MAX_SLEEP_S)
        time.sleep(min(self.delay, (self.deadline - now) / 1e9))


# ---------------------------------------------------------------------------------------------
# py-threading: queue.Queue channels


class _LocalPipe:
    """One direction between threads: a bounded queue.Queue plus close state. `doorbell` (a
    Condition) is rung after every put so that select() can wait on several pipes at once."""

    def __init__(self, capacity, doorbell=None):
        import queue
        self._queue_mod = queue
        self.q = queue.Queue(capacity)
        self.closed = False
        self.eof = False
        self.doorbell = doorbell

    def _ring(self):
        if self.doorbell is not None:
            with self.doorbell:
                self.doorbell.notify_all()

    def put(self, item, timeout):
        if self.closed:
            raise BrokenPipeError("send on a closed channel")
        try:
            self.q.put(item, timeout=timeout)
        except self._queue_mod.Full:
            raise TimeoutError("send timed out") from None
        self._ring()

    def try_put(self, item):
        if self.closed:
            raise BrokenPipeError("send on a closed channel")
        try:
            self.q.put_nowait(item)
        except self._queue_mod.Full:
            return False
        self._ring()
        return True

    def close(self):
        if self.closed:
            return
        self.closed = True
        # The end-of-stream marker bypasses the bound: close never blocks.
        with self.q.mutex:
            self.q.queue.append(_EOF)
            self.q.unfinished_tasks += 1
            self.q.not_empty.notify()
        self._ring()

    def get(self, timeout):
        if self.eof:
            raise EOFError("channel closed")
        try:
            item = self.q.get(timeout=timeout)
        except self._queue_mod.Empty:
            raise TimeoutError("recv timed out") from None
        if item is _EOF:
            self.eof = True
            raise EOFError("channel closed")
        return item

    def try_get(self):
        if self.eof:
            raise EOFError("channel closed")
        try:
            item = self.q.get_nowait()
        except self._queue_mod.Empty:
            return None
        if item is _EOF:
            self.eof = True
            raise EOFError("channel closed")
        return item

    def readable(self):
        return self.eof or self.q.qsize() > 0


class _ChannelBase:
    handoff = False

    def __init__(self, worker_id, worker_count, default_timeout):
        self.worker_id = worker_id
        self.worker_count = worker_count
        self._default_timeout = default_timeout

    def _t(self, timeout):
        return self._default_timeout if timeout is None else timeout

    def alloc(self, n):
        raise NotImplementedError(f"{type(self).__name__}: no zero-copy handoff on this row")

    send_buffer = recv_buffer = alloc

    def __repr__(self):
        return f"<{type(self).__name__} worker {self.worker_id}/{self.worker_count}>"


class ThreadChannel(_ChannelBase):
    """Threads share one address space: bytes go by reference, other buffers are copied (the
    sender may reuse them); send_buffer hands any object over by reference."""

    handoff = True

    def __init__(self, rx, tx, worker_id, worker_count, default_timeout):
        super().__init__(worker_id, worker_count, default_timeout)
        self._rx, self._tx = rx, tx

    def send(self, buffer, timeout=None):
        self._tx.put(buffer if type(buffer) is bytes else bytes(buffer), self._t(timeout))

    def try_send(self, buffer):
        return self._tx.try_put(buffer if type(buffer) is bytes else bytes(buffer))

    def recv(self, timeout=None):
        return self._rx.get(self._t(timeout))

    def try_recv(self):
        return self._rx.try_get()

    def close(self):
        self._tx.close()

    def alloc(self, n):
        return bytearray(n)

    def send_buffer(self, buf, timeout=None):
        self._tx.put(buf, self._t(timeout))

    def recv_buffer(self, timeout=None):
        return self._rx.get(self._t(timeout))

    def readable(self):
        return self._rx.readable()


def _run_in_thread(worker, ch, params, outcome):
    outcome["pin_failed"] = pin_worker_failed(params.get("pin"), ch.worker_id, ch.worker_count)
    try:
        worker(ch, params)
    except BaseException as exc:  # noqa: BLE001 - every failure is reported, none is hidden
        outcome["error"] = describe_exception(exc)
        outcome["traceback"] = traceback.format_exc()
    finally:
        ch.close()  # a worker that returns ends its stream, as a worker process's exit does


class ThreadGroup:
    memory_scope = "host"
    gil = "shared"

    def __init__(self, module, params, n, timeout):
        import threading
        self.doorbell = threading.Condition()
        self.driver_channels, self.outcomes, self.threads = [], [], []
        for i in range(n):
            to_worker = _LocalPipe(CAPACITY)
            from_worker = _LocalPipe(CAPACITY, self.doorbell)
            self.driver_channels.append(ThreadChannel(from_worker, to_worker, i, n, timeout))
            worker_ch = ThreadChannel(to_worker, from_worker, i, n, timeout)
            outcome = {}
            t = threading.Thread(target=_run_in_thread, name=f"interpbench-worker-{i}",
                                 args=(module.worker, worker_ch, params, outcome), daemon=True)
            self.outcomes.append(outcome)
            self.threads.append(t)
        for t in self.threads:
            t.start()

    def memory(self):
        return [read_smaps_rollup(os.getpid())]

    @property
    def pin_failed(self):
        return any(o.get("pin_failed") for o in self.outcomes)

    def select(self, channels, timeout):
        deadline = time.monotonic() + timeout
        with self.doorbell:
            while True:
                for ch in channels:
                    if ch.readable():
                        return ch
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("select timed out")
                self.doorbell.wait(remaining)

    def join(self, timeout):
        for ch in self.driver_channels:
            ch.close()
        errors = _join_threads(self.threads, self.driver_channels, self.outcomes,
                               time.monotonic() + timeout, timeout, "thread")
        self.abandoned = any(t.is_alive() for t in self.threads)
        return errors

    def kill(self):
        self.join(0.1)


def _join_threads(threads, driver_channels, outcomes, deadline, timeout, what):
    """Joins the worker threads until `deadline`, draining what each still sends so that it never
    blocks on a full channel; returns the worker errors ("did not finish" for the rest)."""
    errors = []
    for i, t in enumerate(threads):
        while t.is_alive() and time.monotonic() < deadline:
            _drain(driver_channels[i])
            t.join(0.005)
        if t.is_alive():
            errors.append({"worker": i, "error": f"did not finish within {seconds(timeout)} "
                           f"({what} abandoned)", "traceback": ""})
        elif "error" in outcomes[i]:
            errors.append({"worker": i, "error": outcomes[i]["error"],
                           "traceback": outcomes[i].get("traceback", "")})
    return errors


def _drain(ch):
    try:
        while ch.try_recv() is not None:
            pass
    except (EOFError, OSError):
        pass


# ---------------------------------------------------------------------------------------------
# py-multiprocessing: Pipe(duplex=False) pairs


class PipeChannel(_ChannelBase):
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
                _drain(self.driver_channels[i])
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


# ---------------------------------------------------------------------------------------------
# py-interpreters: subinterpreters with cross-interpreter queues (3.13) or channels (3.12)


class _Queues313:
    """_interpqueues: bounded, put raises when full, get raises when empty."""

    def __init__(self):
        import queue
        import _interpqueues
        self.q = _interpqueues
        self.Empty, self.Full = queue.Empty, queue.Full

    def create(self):
        return self.q.create(CAPACITY, 0, 1)  # fmt 0: shareable objects only; 1: drop unbound

    def destroy(self, qid):
        try:
            self.q.destroy(qid)
        except Exception:  # noqa: BLE001 - already gone
            pass

    def try_put(self, qid, item):
        try:
            self.q.put(qid, item, 0, 1)
            return True
        except self.Full:
            return False

    def try_get(self, qid):
        """(True, item) or (False, None) when empty."""
        try:
            return True, self.q.get(qid)[0]
        except self.Empty:
            return False, None

    def count(self, qid):
        return self.q.get_count(qid)


class _Channels312:
    """_xxinterpchannels (3.12): unbounded; recv with a default never raises when empty."""

    _NOTHING = "\0interpbench-nothing"

    def __init__(self):
        import _xxinterpchannels
        self.c = _xxinterpchannels
        self._ids = {}  # a channel lives while its ChannelID object does

    def create(self):
        cid = self.c.create()
        self._ids[int(cid)] = cid
        return int(cid)

    def destroy(self, cid):
        try:
            self.c.destroy(self._ids.pop(cid, cid))
        except Exception:  # noqa: BLE001
            pass

    def try_put(self, cid, item):
        self.c.send(cid, item)
        return True

    def try_get(self, cid):
        item = self.c.recv(cid, self._NOTHING)
        if type(item) is str and item == self._NOTHING:
            return False, None
        return True, item

    def count(self, cid):
        return None  # no way to peek: select() falls back to try_get and keeps the item


def _transport():
    return _Queues313() if sys.version_info >= (3, 13) else _Channels312()


class InterpChannel(_ChannelBase):
    """Queue ids are plain ints, valid in every interpreter of the process."""

    def __init__(self, transport, rx, tx, worker_id, worker_count, default_timeout):
        super().__init__(worker_id, worker_count, default_timeout)
        self._tr, self._rx, self._tx = transport, rx, tx
        self._closed = False
        self._eof = False
        self._peeked = collections.deque()  # items select() took out to look (3.12)

    def send(self, buffer, timeout=None):
        if self._closed:
            raise BrokenPipeError("send on a closed channel")
        data = buffer if type(buffer) is bytes else bytes(buffer)
        if self._tr.try_put(self._tx, data):
            return
        backoff = Backoff(self._t(timeout), "send")
        while not self._tr.try_put(self._tx, data):
            backoff.wait()

    def try_send(self, buffer):
        if self._closed:
            raise BrokenPipeError("send on a closed channel")
        return self._tr.try_put(self._tx, buffer if type(buffer) is bytes else bytes(buffer))

    def _take(self):
        if self._peeked:
            return True, self._peeked.popleft()
        return self._tr.try_get(self._rx)

    def _deliver(self, item):
        if item is _EOF:
            self._eof = True
            raise EOFError("channel closed")
        return item

    def recv(self, timeout=None):
        if self._eof:
            raise EOFError("channel closed")
        ok, item = self._take()
        if not ok:
            backoff = Backoff(self._t(timeout), "recv")
            while not ok:
                backoff.wait()
                ok, item = self._take()
        return self._deliver(item)

    def try_recv(self):
        if self._eof:
            raise EOFError("channel closed")
        ok, item = self._take()
        return self._deliver(item) if ok else None

    def readable(self):
        if self._eof or self._peeked:
            return True
        n = self._tr.count(self._rx)
        if n is not None:
            return n > 0
        ok, item = self._tr.try_get(self._rx)
        if ok:
            self._peeked.append(item)
        return ok

    def close(self, timeout=None):
        if self._closed:
            return
        self._closed = True
        if self._tr.try_put(self._tx, _EOF):
            return
        backoff = Backoff(self._t(timeout), "close")
        while not self._tr.try_put(self._tx, _EOF):
            backoff.wait()


def interp_worker_main(workload_path, params_json, rx, tx, worker_id, worker_count, timeout):
    """Runs inside a worker subinterpreter (called from the code InterpGroup execs there)."""
    ch = InterpChannel(_transport(), rx, tx, worker_id, worker_count, timeout)
    try:
        module = load_workload(workload_path)
        module.worker(ch, json.loads(params_json))
    finally:
        try:
            ch.close(timeout=1.0)
        except TimeoutError:
            pass


_INTERP_BOOT = """\
import importlib.util as _u, sys as _s
_spec = _u.spec_from_file_location({module!r}, {reference!r})
_ref = _u.module_from_spec(_spec)
_s.modules[{module!r}] = _ref
_spec.loader.exec_module(_ref)
_ref.interp_worker_main({workload!r}, {params!r}, {rx}, {tx}, {i}, {n}, {timeout!r})
"""


class InterpGroup:
    memory_scope = "host"
    gil = "own"

    def __init__(self, workload_path, params, n, timeout):
        import threading
        self.tr = _transport()
        if sys.version_info >= (3, 13):
            import _interpreters as interp
            self._create = interp.create
            self._destroy = interp.destroy
            self._exec = interp.exec           # returns None or an exception snapshot
        else:
            import _xxsubinterpreters as interp
            self._create = interp.create
            self._destroy = interp.destroy
            self._exec = lambda iid, code: interp.run_string(iid, code, None)  # raises
        self.driver_channels, self.threads, self.outcomes = [], [], []
        self.interps, self.queues = [], []
        params_json = json.dumps(params)
        try:
            for i in range(n):
                to_q, from_q = self.tr.create(), self.tr.create()
                self.queues += [to_q, from_q]
                iid = self._create()
                self.interps.append(iid)
                code = _INTERP_BOOT.format(module=REFERENCE_MODULE,
                                           reference=os.path.abspath(__file__),
                                           workload=workload_path, params=params_json, rx=to_q,
                                           tx=from_q, i=i, n=n, timeout=timeout)
                outcome = {}
                self.outcomes.append(outcome)
                self.threads.append(threading.Thread(
                    target=self._run, args=(iid, code, outcome, params.get("pin"), i, n),
                    name=f"interpbench-worker-{i}", daemon=True))
                self.driver_channels.append(InterpChannel(self.tr, from_q, to_q, i, n, timeout))
            for t in self.threads:
                t.start()
        except BaseException:
            self.kill()
            raise

    def _run(self, iid, code, outcome, pin, worker_id, n):
        # First, on the thread that will run the subinterpreter: it inherited the driver's mask.
        outcome["pin_failed"] = pin_worker_failed(pin, worker_id, n)
        try:
            failure = self._exec(iid, code)
            if failure is not None:
                outcome["error"] = failure.formatted
                outcome["traceback"] = failure.errdisplay
        except BaseException as exc:  # noqa: BLE001 - 3.12 raises RunFailedError("T: msg")
            outcome["error"] = describe_exception(exc)
            if type(exc).__name__ == "RunFailedError":  # "<class 'ValueError'>: boom"
                import re
                outcome["error"] = re.sub(r"^<class '(?:builtins\.)?([\w.]+)'>", r"\1", str(exc))
            outcome["traceback"] = ""

    def memory(self):
        return [read_smaps_rollup(os.getpid())]

    @property
    def pin_failed(self):
        return any(o.get("pin_failed") for o in self.outcomes)

    def select(self, channels, timeout):
        backoff = Backoff(timeout, "select")
        while True:
            for ch in channels:
                if ch.readable():
                    return ch
            backoff.wait()

    def join(self, timeout):
        deadline = time.monotonic() + timeout
        for ch in self.driver_channels:
            try:
                ch.close(timeout=max(0.01, min(1.0, deadline - time.monotonic())))
            except Exception:  # noqa: BLE001 - a worker that stopped reading: reported below
                pass
        errors = _join_threads(self.threads, self.driver_channels, self.outcomes, deadline,
                               timeout, "subinterpreter")
        self.abandoned = any(t.is_alive() for t in self.threads)
        if not self.abandoned:
            self._release()
        return errors

    def _release(self):
        for iid in self.interps:
            try:
                self._destroy(iid)
            except Exception:  # noqa: BLE001
                pass
        for q in self.queues:
            self.tr.destroy(q)
        self.interps, self.queues = [], []

    def kill(self):
        # A subinterpreter can't be killed: close its input and give it a moment to end.
        for ch in self.driver_channels:
            try:
                ch.close(timeout=0.1)
            except Exception:  # noqa: BLE001 - whatever the state, go on releasing
                pass
        for t in self.threads:
            if t.is_alive():
                t.join(0.5)
        self.abandoned = any(t.is_alive() for t in self.threads)
        if not self.abandoned:
            self._release()


# ---------------------------------------------------------------------------------------------
# The driver's ctx


class Context:
    """The driver's handle (docs/design.md, `ctx`): one worker group at a time."""

    def __init__(self, row, family, method, workload_path, module, params):
        self.backend = row
        self.cores = os.cpu_count() or 1
        self.handoff = family == "py-threading"
        self.memory_scope = "process" if family == "py-multiprocessing" else "host"
        self.worker_errors = []
        self.abandoned = False
        self._family, self._method = family, method
        self._workload_path, self._module, self._params = workload_path, module, params
        self._timeout = float(params.get("timeout") or DEFAULT_TIMEOUT_S)
        self._group = None
        self.started = 0     # workers started over the whole run
        self.last_group = 0  # workers in the latest group
        self.pinned = {}     # worker count -> the driver and every worker of each start pinned

    def start(self, n):
        if self._group is not None:
            raise RuntimeError("ctx.start: a worker group is running; call ctx.stop() first")
        if n < 1:
            raise ValueError(f"ctx.start: need at least one worker, got {n}")
        # The driver's thread first; the workers place themselves (they inherit its mask).
        self._note_pinned(n, pin_this_thread(self._params.get("pin"), n))
        if self._family == "py-threading":
            self._group = ThreadGroup(self._module, self._params, n, self._timeout)
        elif self._family == "py-multiprocessing":
            self._group = ProcessGroup(self._workload_path, self._params, n, self._timeout,
                                       self._method)
        else:
            self._group = InterpGroup(self._workload_path, self._params, n, self._timeout)
        self.started += n
        self.last_group = n
        return list(self._group.driver_channels)

    def _note_pinned(self, n, pinned):
        self.pinned[n] = self.pinned.get(n, True) and pinned

    def _joined(self, group):
        self.abandoned |= getattr(group, "abandoned", False)
        if group.pin_failed:
            self._note_pinned(len(group.driver_channels), False)

    def stop(self, timeout=None):
        group, self._group = self._group, None
        if group is None:
            return
        errors = group.join(self._timeout if timeout is None else timeout)
        self._joined(group)
        self.worker_errors += errors
        if errors:
            first = errors[0]
            raise RuntimeError(f"worker {first['worker']}: {first['error']}")

    def memory(self):
        if self._group is None:
            return [read_smaps_rollup(os.getpid())] if self.memory_scope == "host" else []
        return self._group.memory()

    def select(self, channels, timeout=None):
        if self._group is None:
            raise RuntimeError("ctx.select: no worker group is running")
        return self._group.select(channels, self._timeout if timeout is None else timeout)

    def shutdown(self, collect=False):
        """Ends whatever the driver left running (an exception, or a driver that never stopped).
        collect (the driver failed): first give the workers a short while to end, and keep what
        each one says (its exception, exit status or signal): that is usually why the driver
        failed, while the driver itself only saw the end of a stream or a timeout."""
        group, self._group = self._group, None
        if group is None:
            return
        try:
            if collect:
                self.worker_errors += group.join(min(FAILURE_JOIN_S, self._timeout))
            else:
                group.kill()
        except BaseException:
            group.kill()
            raise
        finally:
            self._joined(group)


def describe_failure(failure):
    """'worker 1 killed by SIGSEGV', 'worker 1: ValueError: boom' (as the C++ rows say it)."""
    error = failure["error"]
    status = error.startswith(("killed by", "exit status", "did not finish"))
    return f"worker {failure['worker']}{' ' if status else ': '}{error}"


def lead_with_worker_failures(error, ctx):
    """A worker that failed is why the driver failed, not the EOFError, BrokenPipeError or
    TimeoutError the driver saw next: the row's error leads with the workers' causes, names the
    workers that kept running, and keeps the driver's own error at the end (as the C++ rows do,
    backends/python/driver_host.cc)."""
    if error is None or not ctx.worker_errors or "worker " in error:  # stop() named them already
        return error
    text = "; ".join(describe_failure(f) for f in ctx.worker_errors)
    if ctx.started == ctx.last_group:  # one group: its other workers are the survivors
        failed = {f["worker"] for f in ctx.worker_errors}
        kept = [str(i) for i in range(ctx.last_group) if i not in failed]
        if kept:
            text += f"; {'worker' if len(kept) == 1 else 'workers'} {', '.join(kept)} kept running"
    return f"{text}; the driver then failed: {error}"


# ---------------------------------------------------------------------------------------------
# Command line


def skip_reason(family, method):
    """Why this row can't run on this Python, or None."""
    if family == "py-multiprocessing":
        import multiprocessing
        if method not in multiprocessing.get_all_start_methods():
            return f"start method '{method}' is not available on this platform"
    if family == "py-interpreters":
        v = sys.version_info
        if v < (3, 12):
            return (f"Python {v[0]}.{v[1]} has no per-interpreter GIL and no "
                    "_xxinterpchannels (needs 3.12+)")
        names = ("_interpreters", "_interpqueues") if v >= (3, 13) else \
                ("_xxsubinterpreters", "_xxinterpchannels")
        for name in names:
            if importlib.util.find_spec(name) is None:
                return f"this Python has no {name} module"
    return None


def parse_row(row, method):
    """('py-multiprocessing-fork' | 'py-multiprocessing' + --method) -> (label, family, method)."""
    for m in MP_METHODS:
        if row == f"py-multiprocessing-{m}":
            if method and method != m:
                raise BadInput(f"--row {row} contradicts --method {method}")
            return row, "py-multiprocessing", m
    if row not in ROWS:
        raise BadInput(f"unknown reference row '{row}' (valid: {', '.join(ROWS)})")
    if row == "py-multiprocessing":
        method = method or "fork"
        if method not in MP_METHODS:
            raise BadInput(f"unknown start method '{method}' (valid: {', '.join(MP_METHODS)})")
        return f"{row}-{method}", row, method
    if method:
        raise BadInput(f"--method applies to py-multiprocessing only, not '{row}'")
    return row, row, None


def notes_for(family):
    v = sys.version_info
    if family == "py-threading":
        return ["threads of one interpreter share its GIL; queue.Queue channels, bytes passed "
                "by reference"]
    if family == "py-multiprocessing":
        return ["multiprocessing Pipe(duplex=False) per direction; send has no timeout"]
    if v >= (3, 13):
        return [f"_interpreters + _interpqueues (bounded, {CAPACITY} messages); no blocking get: "
                f"the adapter polls (spin {SPIN_NS // 1000} us, then sleeps up to "
                f"{MAX_SLEEP_S * 1e3:g} ms)"]
    return ["_xxsubinterpreters + _xxinterpchannels (unbounded); no blocking recv: the adapter "
            f"polls (spin {SPIN_NS // 1000} us, then sleeps up to {MAX_SLEEP_S * 1e3:g} ms)",
            "3.12: exits without finalizing (CPython gh-119213, fixed in 3.12.4: a keyword call "
            "such as pickle.dumps(protocol=5) made first in a subinterpreter makes finalization "
            "abort)"]


GIL_BY_FAMILY = {"py-threading": "shared", "py-multiprocessing": "process",
                 "py-interpreters": "own"}

RESULT_KEYS = ("name", "metric", "unit", "timed", "params", "repetitions")


def check_results(results):
    if not isinstance(results, list):
        raise TypeError(f"driver() returned {type(results).__name__}, not a list of RESULT dicts")
    for r in results:
        if not isinstance(r, dict):
            raise TypeError(f"driver() returned a {type(r).__name__} among its results")
        missing = [k for k in RESULT_KEYS if k not in r]
        if missing:
            raise TypeError(f"result {r.get('name', '?')!r} lacks {', '.join(missing)}")
    return results


def default_params(params, row):
    """The keys docs/design.md promises every workload, where the caller left them out."""
    params.setdefault("sizes", [8, 1024, 65536, 1048576])
    params.setdefault("repetitions", 5)
    params.setdefault("warmup", 50)
    params.setdefault("iterations", 500)
    params.setdefault("workers", [1, 2, 4])
    params.setdefault("cores", os.cpu_count() or 1)
    params.setdefault("suite", "custom")
    params.setdefault("timeout", DEFAULT_TIMEOUT_S)
    params["backend"] = row
    return params


def write_result(path, **fields):
    doc = {"schema": SCHEMA, "row": None, "kind": "reference", "workload": None, "gil": None,
           "python": platform.python_version(), "notes": [], "results": [],
           "worker_errors": [], "error": None, "skipped": None}
    doc.update(fields)
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)


def run(args):
    label, family, method = parse_row(args.row, args.method)
    try:
        params = json.loads(args.params)
    except json.JSONDecodeError as exc:
        raise BadInput(f"--params is not JSON: {exc}") from None
    if not isinstance(params, dict):
        raise BadInput("--params must be a JSON object")
    workload_path = os.path.abspath(args.workload)
    if not os.path.isfile(workload_path):
        raise BadInput(f"cannot open workload '{args.workload}': No such file")
    workload = os.path.splitext(os.path.basename(workload_path))[0]
    base = {"row": label, "workload": workload, "gil": GIL_BY_FAMILY[family],
            "notes": notes_for(family)}

    reason = skip_reason(family, method)
    if reason:
        # Notes describe how a row ran: a skipped row has none.
        write_result(args.result, skipped=reason, pinning=pinning_record(params.get("pin"), {}),
                     **dict(base, notes=[]))
        return 0

    try:
        module = load_workload(workload_path)
    except BadInput:
        raise
    except BaseException as exc:  # noqa: BLE001
        raise BadInput(f"cannot import workload '{args.workload}': {describe_exception(exc)}")
    for name in ("TIMED", "worker", "driver"):
        if not hasattr(module, name):
            raise BadInput(f"workload '{args.workload}' defines no {name}")

    params = default_params(params, label)
    ctx = Context(label, family, method, workload_path, module, params)
    error, results, code = None, [], 0
    try:
        results = check_results(module.driver(ctx, params))
    except BaseException as exc:  # noqa: BLE001 - the row fails; the result file says why
        error = describe_exception(exc)
        code = 1
        if args.verbose:
            traceback.print_exc()
    finally:
        try:
            ctx.shutdown(collect=error is not None)
        except BaseException as exc:  # noqa: BLE001
            error = error or f"teardown: {describe_exception(exc)}"
            code = 1
    error = lead_with_worker_failures(error, ctx)
    write_result(args.result, results=results, worker_errors=ctx.worker_errors, error=error,
                 pinning=pinning_record(params.get("pin"), ctx.pinned), **base)
    if ctx.abandoned or (family == "py-interpreters" and sys.version_info < (3, 13)):
        # A thread or subinterpreter that never ended can't be joined: leave without waiting.
        # 3.12 (gh-119213): an extension function first called with keywords in a
        # subinterpreter caches that interpreter's tuple process-wide, and the main
        # interpreter's finalization frees it and aborts (free(): invalid pointer); everything
        # is joined and written by now, so skip finalization.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def main(argv=None):
    import argparse

    class Parser(argparse.ArgumentParser):
        def error(self, message):
            raise BadInput(message)

    p = Parser(prog="reference.py", description=__doc__.split("\n")[0])
    p.add_argument("--row", required=True)
    p.add_argument("--method", choices=MP_METHODS)
    p.add_argument("--workload", required=True)
    p.add_argument("--params", default="{}")
    p.add_argument("--result", required=True)
    p.add_argument("--verbose", action="store_true")
    try:
        return run(p.parse_args(argv))
    except BadInput as exc:
        print(f"reference.py: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
