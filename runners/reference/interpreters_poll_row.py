"""py-interpreters-poll: subinterpreters with the low-level cross-interpreter queues (3.13) or
channels (3.12), polled by a tuned spin-then-sleep loop: not what the documented API does
(py-interpreters, reference/interpreters_row.py, calls that), but the best a user can get from
these modules.

Also imported inside each worker subinterpreter (interp_worker_main), so it imports only
modules that subinterpreters support."""
import marshal
import os
import sys
import time

from reference.channel_base import (CAPACITY, EOF, MAX_SLEEP_S, SPIN_NS, Backoff, ChannelBase,
                                    InterpreterThreadsGroup)
from reference.placement import pin_worker_failed
from reference.row import ReferenceRow
from reference.workload_file import describe_exception, load_workload


_EXCEPTIONS = None


def _queue_exceptions(interpqueues):
    """(Empty, Full): the classes _interpqueues raises, registered first in this interpreter.
    Unregistered, the first QueueEmpty or QueueFull an interpreter raises imports
    test.support.interpreters.queues, and unittest with it, to find its classes: about 30 ms of
    each worker's first empty poll (the row's teardown measured 24 ms, 2 ms with the
    registration). Registering them is what that module does itself. Where it can't be done,
    its classes are caught by their bases."""
    global _EXCEPTIONS
    if _EXCEPTIONS is None:
        import _queue

        class Queue:  # what a Queue object shared between interpreters would become: unused
            pass

        class QueueEmpty(_queue.Empty):
            pass

        class QueueFull(Exception):
            pass

        try:
            interpqueues._register_heap_types(Queue, QueueEmpty, QueueFull)
            _EXCEPTIONS = QueueEmpty, QueueFull
        except Exception:  # noqa: BLE001 - another signature, or registered already
            import queue
            _EXCEPTIONS = queue.Empty, queue.Full
    return _EXCEPTIONS


class _Queues313:
    """_interpqueues: bounded, put raises when full, get raises when empty."""

    def __init__(self):
        import _interpqueues
        self.q = _interpqueues
        self.Empty, self.Full = _queue_exceptions(_interpqueues)

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

    def calls(self):
        """(put(qid, item, 0, 1), get(qid)): the module's own functions, for the channel's fast
        path: put raises self.Full, get returns (item, ...) or raises self.Empty. Called
        directly, with positional arguments: a put + get measured 466 ns so, 580 ns through
        try_put/try_get and 740 ns through functools.partial with keywords."""
        return self.q.put, self.q.get


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

    class Empty(Exception):
        pass

    class Full(Exception):  # never raised: the channels are unbounded
        pass

    def calls(self):
        """(put, get) as _Queues313.calls gives them (Python functions here: 3.12 only)."""
        send, recv, nothing, empty = self.c.send, self.c.recv, self._NOTHING, self.Empty

        def put(cid, item, _fmt, _unbound):
            send(cid, item)

        def get(cid):
            item = recv(cid, nothing)
            if type(item) is str and item == nothing:
                raise empty
            return (item,)
        return put, get


def _transport():
    return _Queues313() if sys.version_info >= (3, 13) else _Channels312()


class InterpChannel(ChannelBase):
    """Queue ids are plain ints, valid in every interpreter of the process."""

    def __init__(self, transport, rx, tx, worker_id, worker_count, default_timeout):
        super().__init__(worker_id, worker_count, default_timeout)
        self._tr, self._rx, self._tx = transport, rx, tx
        self._closed = False
        self._eof = False
        self._peeked = []  # items select() took out to look (3.12; a list: collections costs a
                           # subinterpreter's start 2 ms)
        # The hot path calls the queue module's functions itself, as the twin's loop does
        # (tests/twins/interpreters_poll_pingpong.py): no adapter frame between.
        self._put, self._get = transport.calls()
        self._Empty, self._Full = transport.Empty, transport.Full

    def send(self, buffer, timeout=None):
        if self._closed:
            raise BrokenPipeError("send on a closed channel")
        data = buffer if type(buffer) is bytes else bytes(buffer)
        try:
            self._put(self._tx, data, 0, 1)
        except self._Full:
            backoff = Backoff(self._t(timeout), "send")
            while not self._tr.try_put(self._tx, data):
                backoff.wait()

    def try_send(self, buffer):
        if self._closed:
            raise BrokenPipeError("send on a closed channel")
        return self._tr.try_put(self._tx, buffer if type(buffer) is bytes else bytes(buffer))

    def _take(self):
        if self._peeked:
            return True, self._peeked.pop(0)
        return self._tr.try_get(self._rx)

    def _deliver(self, item):
        if item is EOF:
            self._eof = True
            raise EOFError("channel closed")
        return item

    def recv(self, timeout=None):
        if self._eof:
            raise EOFError("channel closed")
        if self._peeked:
            item = self._peeked.pop(0)
        else:
            # The twin's poll loop (tests/twins/interpreters_poll_pingpong.py), inline: a get that
            # raises Empty and a clock read per turn for SPIN_NS, then the Backoff's sleeps and
            # deadline. No frame of ours between the get calls: a call per recv was 10% of this
            # row's 8-byte round trip.
            get, rx, empty, clock = self._get, self._rx, self._Empty, time.perf_counter_ns
            start = clock()
            backoff = None
            while True:
                try:
                    item = get(rx)[0]
                    break
                except empty:
                    if backoff is None:
                        if clock() - start < SPIN_NS:
                            continue
                        backoff = Backoff(self._t(timeout), "recv", start=start)
                    backoff.wait()  # raises TimeoutError past the deadline
        if item is EOF:
            self._eof = True
            raise EOFError("channel closed")
        return item

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
        if self._tr.try_put(self._tx, EOF):
            return
        backoff = Backoff(self._t(timeout), "close")
        while not self._tr.try_put(self._tx, EOF):
            backoff.wait()


def interp_worker_main(workload_path, params_marshal, rx, tx, worker_id, worker_count, timeout):
    """Runs inside a worker subinterpreter (called from the code InterpGroup execs there)."""
    ch = InterpChannel(_transport(), rx, tx, worker_id, worker_count, timeout)
    try:
        module = load_workload(workload_path)
        module.worker(ch, marshal.loads(params_marshal))
    finally:
        try:
            ch.close(timeout=1.0)
        except TimeoutError:
            pass


# A subinterpreter starts with the default sys.path: it finds this package where the driver did.
_INTERP_BOOT = """\
import sys as _s
if {packages!r} not in _s.path:
    _s.path.insert(0, {packages!r})
from reference.interpreters_poll_row import interp_worker_main as _main
_main({workload!r}, {params!r}, {rx}, {tx}, {i}, {n}, {timeout!r})
"""
PACKAGES_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # runners/


class InterpGroup(InterpreterThreadsGroup):
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
        # marshal, not json: json imports re, 7 ms of each worker's start.
        params_marshal = marshal.dumps(params)
        try:
            for i in range(n):
                to_q, from_q = self.tr.create(), self.tr.create()
                self.queues += [to_q, from_q]
                iid = self._create()
                self.interps.append(iid)
                code = _INTERP_BOOT.format(packages=PACKAGES_DIR, workload=workload_path, params=params_marshal, rx=to_q,
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

    def _destroy_interpreters(self):
        # The queues go first, emptied and destroyed while every interpreter whose items they
        # may hold is alive; the interpreters after, with no queue left for their destroy to
        # clean. Destroying an interpreter removes the items it left in a queue, and in 3.13.0
        # removing a queue's last item that way leaves a dangling pointer to it (CPython
        # gh-146427). The order before (empty the queues, destroy the interpreters, then the
        # queues) still crashed in a queue's destroy, in one round of apps of a default run of
        # 2026-12-01, and this order has not ended the crashes either (one in ten quick runs,
        # in taskfarm, with no Python stack). The workers have ended (their threads joined), so
        # nothing refills.
        for q in self.queues:
            try:
                while self.tr.try_get(q)[0]:
                    pass
            except Exception:  # noqa: BLE001 - a queue already gone
                pass
            self.tr.destroy(q)
        for iid in self.interps:
            try:
                self._destroy(iid)
            except Exception:  # noqa: BLE001
                pass
        self.interps, self.queues = [], []


def _skip_reason(_method):
    v = sys.version_info
    if v < (3, 12):
        return (f"Python {v[0]}.{v[1]} has no per-interpreter GIL and no "
                "_xxinterpchannels (needs 3.12+)")
    import importlib.util
    names = ("_interpreters", "_interpqueues") if v >= (3, 13) else \
            ("_xxsubinterpreters", "_xxinterpchannels")
    for name in names:
        if importlib.util.find_spec(name) is None:
            return f"this Python has no {name} module"
    return None


def _notes():
    if sys.version_info >= (3, 13):
        return [f"_interpreters + _interpqueues (bounded, {CAPACITY} messages); no blocking get: "
                f"the adapter polls (spin {SPIN_NS // 1000} us, then sleeps up to "
                f"{MAX_SLEEP_S * 1e3:g} ms)"]
    return ["_xxsubinterpreters + _xxinterpchannels (unbounded); no blocking recv: the adapter "
            f"polls (spin {SPIN_NS // 1000} us, then sleeps up to {MAX_SLEEP_S * 1e3:g} ms)",
            "3.12: exits without finalizing (CPython gh-119213, fixed in 3.12.4: a keyword call "
            "such as pickle.dumps(protocol=5) made first in a subinterpreter makes finalization "
            "abort)"]


# What the row calls (its twin: tests/twins/interpreters_poll_pingpong.py).
API = ("tuned: _interpreters + the low-level _interpqueues (3.12: _xxsubinterpreters + "
       "_xxinterpchannels), polled with put/get that never block: spin 50 us, then sleep with a "
       "doubling delay up to 1 ms")

ROW = ReferenceRow(
    name="py-interpreters-poll", gil="own", memory_scope="host", handoff=False, api=API,
    start_group=lambda n, workload_path, params, timeout, **_: InterpGroup(
        workload_path, params, n, timeout),
    notes=_notes, skip_reason=_skip_reason,
    # 3.12 (gh-119213): an extension function first called with keywords in a subinterpreter
    # caches that interpreter's tuple process-wide, and the main interpreter's finalization
    # frees it and aborts (free(): invalid pointer).
    exits_without_finalizing=lambda: sys.version_info < (3, 13))
