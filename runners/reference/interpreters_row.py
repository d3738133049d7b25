"""py-interpreters: subinterpreters through the documented high-level API, as its documentation
shows it: 3.14's concurrent.interpreters, 3.13's test.support.interpreters (+ .queues). One
interpreter and two queues (create_queue / queues.create, maxsize CAPACITY, default options: the
objects are pickled) per worker; the interpreter runs on a thread of ours (Interpreter.exec).
Timed path: Queue.put(obj) and Queue.get() with no timeout. In 3.13 and 3.14 get() polls, sleeping
10 ms between polls (CPython gh-143017), so a round trip costs about 10-20 ms: the row caps its
iterations (PARAM_CAPS) and says so in its notes.

The driver's timeouts are enforced by the Watchdog (reference/channel_base.py), which puts a wake
marker (a str; payloads are bytes) into the queue the driver waits on. A worker's wait at the
run's timeout ends with data, the end-of-stream marker or the supervisor; a shorter timeout, given
on purpose, goes to Queue.get(timeout) (which 3.13 truncates to whole seconds).

Also imported inside each worker subinterpreter (interp_worker_main): it imports only modules
that subinterpreters support."""
import json
import os
import sys
import time

from reference.channel_base import (CAPACITY, EOF, WATCHDOG_NOTE, ChannelBase,
                                    InterpreterThreadsGroup, Watchdog)
from reference.placement import pin_worker_failed
from reference.row import ReferenceRow
from reference.workload_file import describe_exception, load_workload

# What the row calls, in the words of its twin (tests/twins/interpreters_pingpong.py).
API = ("the documented high-level API (3.13: test.support.interpreters + .queues; 3.14: "
       "concurrent.interpreters): Interpreter.exec on a thread, a queue of maxsize 64 per "
       "direction, put(obj) and get() with no timeout")

# A round trip takes 10-20 ms: the default suite's 1000 round trips x 5 repetitions x 4 sizes
# would take minutes per round. About 40 round trips (or 9 starts) per child instead.
PARAM_CAPS = {"iterations": 4, "warmup": 1, "repetitions": 1}

# Imported in the worker before prepare_main can hand it the queues (3.13 refuses otherwise).
_QUEUES_IMPORT = {"concurrent.interpreters": "import concurrent.interpreters",
                  "test.support.interpreters": "import test.support.interpreters.queues"}


def _api():
    """(module name, interpreters module, create_queue, QueueEmpty, QueueFull)."""
    try:
        import concurrent.interpreters as interpreters  # 3.14+
        return ("concurrent.interpreters", interpreters, interpreters.create_queue,
                interpreters.QueueEmpty, interpreters.QueueFull)
    except ImportError:
        from test.support import interpreters
        from test.support.interpreters import queues
        return ("test.support.interpreters", interpreters, queues.create, queues.QueueEmpty,
                queues.QueueFull)


class QueueChannel(ChannelBase):
    """Two high-level queues. The driver's side is watched (recv blocks in get() and the
    Watchdog wakes it); a worker's is not (see the module's docstring)."""

    def __init__(self, rx, tx, worker_id, worker_count, default_timeout, watched):
        super().__init__(worker_id, worker_count, default_timeout)
        self._rx, self._tx = rx, tx
        self._watched = watched
        self._empty, self._full = _api()[3:]
        self._closed = False
        self._eof = False
        self.deadline = 0.0  # time.monotonic() deadline of the driver's recv under way
        self.woken = 0.0     # the watchdog's: the deadline it last woke

    def send(self, buffer, timeout=None):
        if self._closed:
            raise BrokenPipeError("send on a closed channel")
        data = buffer if type(buffer) is bytes else bytes(buffer)
        if not self._tx.full():
            self._tx.put(data)
            return
        try:  # full: the reader is behind (not the timed path)
            self._tx.put(data, timeout=max(1, round(self._t(timeout))))
        except self._full:
            raise TimeoutError("send timed out") from None

    def try_send(self, buffer):
        if self._closed:
            raise BrokenPipeError("send on a closed channel")
        try:
            self._tx.put_nowait(buffer if type(buffer) is bytes else bytes(buffer))
            return True
        except self._full:
            return False

    def wake(self, deadline):
        try:
            self._rx.put_nowait(f"wake {deadline!r}")
        except self._full:
            pass  # a full queue has data for the reader anyway

    def _deliver(self, item):
        if item is EOF:
            self._eof = True
            raise EOFError("channel closed")
        return item

    def recv(self, timeout=None):
        if self._eof:
            raise EOFError("channel closed")
        t = self._t(timeout)
        if not self._watched and t < self._default_timeout:
            while True:
                try:
                    item = self._rx.get(timeout=t)
                except self._empty:
                    raise TimeoutError("recv timed out") from None
                if type(item) is not str:
                    return self._deliver(item)
        deadline = self.deadline = time.monotonic() + t
        try:
            while True:
                item = self._rx.get()
                if type(item) is not str:
                    return self._deliver(item)
                if item == f"wake {deadline!r}":
                    raise TimeoutError("recv timed out")
                # a wake-up meant for an earlier recv, which its item ended first: skip it
        finally:
            self.deadline = 0.0

    def try_recv(self):
        if self._eof:
            raise EOFError("channel closed")
        try:
            item = self._rx.get_nowait()
            while type(item) is str:
                item = self._rx.get_nowait()
        except self._empty:
            return None
        return self._deliver(item)

    def readable(self):
        return self._eof or not self._rx.empty()

    def close(self, timeout=None):
        if self._closed:
            return
        self._closed = True
        try:
            self._tx.put_nowait(EOF)
        except self._full:
            try:
                self._tx.put(EOF, timeout=max(1, round(self._t(timeout))))
            except self._full:
                pass  # the reader stopped reading: it is reported as not finishing


def interp_worker_main(workload_path, params_json, rx, tx, worker_id, worker_count, timeout):
    """Runs inside a worker subinterpreter (the code InterpreterGroup execs there)."""
    ch = QueueChannel(rx, tx, worker_id, worker_count, timeout, watched=False)
    try:
        module = load_workload(workload_path)
        module.worker(ch, json.loads(params_json))
    finally:
        ch.close(timeout=1.0)


PACKAGES_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # runners/
# rx and tx are the worker's queues, set in its __main__ by Interpreter.prepare_main.
_WORKER_CODE = """\
import sys as _s
if {packages!r} not in _s.path:
    _s.path.insert(0, {packages!r})
from reference.interpreters_row import interp_worker_main as _main
_main({workload!r}, {params!r}, rx, tx, {i}, {n}, {timeout!r})
"""


class InterpreterGroup(InterpreterThreadsGroup):
    memory_scope = "host"
    gil = "own"

    def __init__(self, workload_path, params, n, timeout):
        import threading
        name, interpreters, create_queue = _api()[:3]
        self.driver_channels, self.threads, self.outcomes, self.interps = [], [], [], []
        params_json = json.dumps(params)
        try:
            for i in range(n):
                interp = interpreters.create()
                self.interps.append(interp)
                interp.exec(_QUEUES_IMPORT[name])
                to_q, from_q = create_queue(CAPACITY), create_queue(CAPACITY)
                interp.prepare_main(rx=to_q, tx=from_q)
                code = _WORKER_CODE.format(packages=PACKAGES_DIR, workload=workload_path,
                                           params=params_json, i=i, n=n, timeout=timeout)
                outcome = {}
                self.outcomes.append(outcome)
                self.threads.append(threading.Thread(
                    target=self._run, args=(interp, code, outcome, params.get("pin"), i, n),
                    name=f"interpbench-worker-{i}", daemon=True))
                self.driver_channels.append(
                    QueueChannel(from_q, to_q, i, n, timeout, watched=True))
            Watchdog.get().watch(id(self), self.driver_channels)
            for t in self.threads:
                t.start()
        except BaseException:
            self.kill()
            raise

    @staticmethod
    def _run(interp, code, outcome, pin, worker_id, n):
        outcome["pin_failed"] = pin_worker_failed(pin, worker_id, n)
        try:
            interp.exec(code)
        except BaseException as exc:  # noqa: BLE001 - ExecutionFailed carries the worker's error
            info = getattr(exc, "excinfo", None)
            if info is not None:
                outcome["error"] = f"{info.type.__name__}: {info.msg}" if info.msg else \
                    info.type.__name__
                outcome["traceback"] = getattr(info, "errdisplay", "") or ""
            else:
                outcome["error"] = describe_exception(exc)
                outcome["traceback"] = ""

    def _release(self):
        Watchdog.get().unwatch(id(self))
        super()._release()

    def _destroy_interpreters(self):
        for interp in self.interps:
            try:
                interp.close()
            except Exception:  # noqa: BLE001
                pass
        self.interps = []


def _skip_reason(_method):
    v = sys.version_info
    if v < (3, 13):
        return (f"Python {v[0]}.{v[1]} has no documented high-level interpreters API (3.13: "
                "test.support.interpreters, 3.14: concurrent.interpreters); "
                "py-interpreters-poll runs on the low-level modules")
    try:
        _api()
    except ImportError as exc:
        return f"this Python has no high-level interpreters module ({exc})"
    return None


def _notes():
    caps = ", ".join(f"{k} <= {v}" for k, v in PARAM_CAPS.items())
    return [WATCHDOG_NOTE, f"{_api()[0]}: Queue.get() sleeps 10 ms between polls (CPython gh-143017), so a "
            f"message costs up to 10 ms; this row caps {caps} to bound its wall time"]


ROW = ReferenceRow(
    name="py-interpreters", gil="own", memory_scope="host", handoff=False, api=API,
    start_group=lambda n, workload_path, params, timeout, **_: InterpreterGroup(
        workload_path, params, n, timeout),
    notes=_notes, skip_reason=_skip_reason, param_caps=PARAM_CAPS, watchdog=Watchdog)
