"""py-threading: threading.Thread workers, queue.Queue channels."""
import time

from reference.channel_base import (CAPACITY, EOF, WATCHDOG_NOTE, ChannelBase, InProcessGroup,
                                    Watchdog, join_threads)
from reference.placement import pin_worker_failed
from reference.row import ReferenceRow
from reference.workload_file import describe_exception


# What the row calls, in the words of its twin (tests/twins/threading_pingpong.py).
API = "threading.Thread worker, queue.Queue(64) per direction, put(item) and get() with no timeout"


class _Wake:
    """What the watchdog puts in a queue whose reader waited past `deadline`."""

    __slots__ = ("deadline",)

    def __init__(self, deadline):
        self.deadline = deadline


class _Doorbell:
    """What select() waits on: a Condition that puts ring only while a select is waiting on it.
    A select counts itself in `waiting` under the lock before it looks at the queues; a put that
    read waiting == 0 came before that count (the GIL orders the two), so the select's look sees
    its item. A put that reads waiting > 0 rings, and blocks on the lock until the select waits.
    So a ping-pong, which no select watches, pays no ring (1.3 us a round trip on the VM)."""

    def __init__(self):
        import threading
        self.cond = threading.Condition()
        self.waiting = 0

    def ring(self):
        with self.cond:
            self.cond.notify_all()


class _LocalPipe:
    """One direction between threads: a bounded queue.Queue plus close state. The timed path is
    queue.Queue.put(item) and queue.Queue.get() with no timeout, as users call them; a get's
    timeout is enforced by the Watchdog (reference/channel_base.py), which puts a _Wake marker
    into the queue once the reader has waited past its deadline. `doorbell` (a _Doorbell) lets
    select() wait on several pipes at once."""

    def __init__(self, capacity, doorbell=None):
        import queue
        self._queue_mod = queue
        self.q = queue.Queue(capacity)
        self.closed = False
        self.eof = False
        self.doorbell = doorbell
        self.deadline = 0.0  # time.monotonic() deadline of the get under way; 0.0: none
        self.woken = 0.0     # the watchdog's: the deadline it last woke

    def put(self, item, timeout):
        q = self.q
        if self.closed or len(q.queue) >= q.maxsize:
            self._put_waiting(item, timeout)
        else:  # one producer per pipe: the room can only grow meanwhile
            q.put(item)
        if self.doorbell is not None and self.doorbell.waiting:
            self.doorbell.ring()

    def _put_waiting(self, item, timeout):
        """Closed, or full: the reader is behind; wait for room with the timeout (not the timed
        path)."""
        if self.closed:
            raise BrokenPipeError("send on a closed channel")
        try:
            self.q.put(item, timeout=timeout)
        except self._queue_mod.Full:
            raise TimeoutError("send timed out") from None

    def try_put(self, item):
        if self.closed:
            raise BrokenPipeError("send on a closed channel")
        try:
            self.q.put_nowait(item)
        except self._queue_mod.Full:
            return False
        if self.doorbell is not None and self.doorbell.waiting:
            self.doorbell.ring()
        return True

    def _append(self, item):
        """Puts past the bound: close and the watchdog's wake-up never block."""
        with self.q.mutex:
            self.q.queue.append(item)
            self.q.unfinished_tasks += 1
            self.q.not_empty.notify()

    def close(self):
        if self.closed:
            return
        self.closed = True
        self._append(EOF)
        if self.doorbell is not None:
            self.doorbell.ring()

    def wake(self, deadline):
        self._append(_Wake(deadline))

    def get(self, timeout):
        if self.eof:
            raise EOFError("channel closed")
        deadline = self.deadline = time.monotonic() + timeout
        item = self.q.get()
        if type(item) is _Wake or item is EOF:
            return self._marker(item, deadline)
        self.deadline = 0.0
        return item

    def _marker(self, item, deadline):
        """The get's item is the watchdog's wake-up or the end of the stream."""
        while type(item) is _Wake:
            if item.deadline == deadline:
                self.deadline = 0.0
                raise TimeoutError("recv timed out")
            item = self.q.get()  # a wake-up meant for an earlier get, which its item ended first
        self.deadline = 0.0
        if item is EOF:
            self.eof = True
            raise EOFError("channel closed")
        return item

    def try_get(self):
        if self.eof:
            raise EOFError("channel closed")
        try:
            item = self.q.get_nowait()
            while type(item) is _Wake:
                item = self.q.get_nowait()
        except self._queue_mod.Empty:
            return None
        if item is EOF:
            self.eof = True
            raise EOFError("channel closed")
        return item

    def readable(self):
        return self.eof or self.q.qsize() > 0


class ThreadChannel(ChannelBase):
    """Threads share one address space: bytes go by reference, other buffers are copied (the
    sender may reuse them); send_buffer hands any object over by reference."""

    handoff = True

    def __init__(self, rx, tx, worker_id, worker_count, default_timeout):
        super().__init__(worker_id, worker_count, default_timeout)
        self._rx, self._tx = rx, tx

    def send(self, buffer, timeout=None):
        self._tx.put(buffer if type(buffer) is bytes else bytes(buffer),
                     self._default_timeout if timeout is None else timeout)

    def try_send(self, buffer):
        return self._tx.try_put(buffer if type(buffer) is bytes else bytes(buffer))

    def recv(self, timeout=None):
        return self._rx.get(self._default_timeout if timeout is None else timeout)

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
        import traceback  # here: a child that fails nothing does not pay its import (3 ms)
        outcome["error"] = describe_exception(exc)
        outcome["traceback"] = traceback.format_exc()
    finally:
        ch.close()  # a worker that returns ends its stream, as a worker process's exit does


class ThreadGroup(InProcessGroup):
    memory_scope = "host"
    gil = "shared"

    def __init__(self, module, params, n, timeout):
        import threading
        self.doorbell = _Doorbell()
        self.driver_channels, self.outcomes, self.threads, pipes = [], [], [], []
        for i in range(n):
            to_worker = _LocalPipe(CAPACITY)
            from_worker = _LocalPipe(CAPACITY, self.doorbell)
            pipes += [to_worker, from_worker]
            self.driver_channels.append(ThreadChannel(from_worker, to_worker, i, n, timeout))
            worker_ch = ThreadChannel(to_worker, from_worker, i, n, timeout)
            outcome = {}
            t = threading.Thread(target=_run_in_thread, name=f"interpbench-worker-{i}",
                                 args=(module.worker, worker_ch, params, outcome), daemon=True)
            self.outcomes.append(outcome)
            self.threads.append(t)
        Watchdog.get().watch(id(self), pipes)
        for t in self.threads:
            t.start()

    def select(self, channels, timeout):
        deadline = time.monotonic() + timeout
        bell = self.doorbell
        with bell.cond:
            bell.waiting += 1  # before looking: see _Doorbell
            try:
                while True:
                    for ch in channels:
                        if ch.readable():
                            return ch
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise TimeoutError("select timed out")
                    bell.cond.wait(remaining)
            finally:
                bell.waiting -= 1

    def join(self, timeout):
        for ch in self.driver_channels:
            ch.close()
        errors = join_threads(self.threads, self.driver_channels, self.outcomes,
                               time.monotonic() + timeout, timeout, "thread")
        self.abandoned = any(t.is_alive() for t in self.threads)
        Watchdog.get().unwatch(id(self))
        return errors

    def kill(self):
        self.join(0.1)


ROW = ReferenceRow(
    name="py-threading", gil="shared", memory_scope="host", handoff=True,
    start_group=lambda n, module, params, timeout, **_: ThreadGroup(module, params, n, timeout),
    api=API,
    notes=lambda: ["threads of one interpreter share its GIL; queue.Queue channels, bytes passed "
                   "by reference", WATCHDOG_NOTE],
    watchdog=Watchdog)
