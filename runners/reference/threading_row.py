"""py-threading: threading.Thread workers, queue.Queue channels."""
import time
import traceback

from reference.channel_base import CAPACITY, EOF, ChannelBase, InProcessGroup, join_threads
from reference.placement import pin_worker_failed
from reference.row import ReferenceRow
from reference.workload_file import describe_exception


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
            self.q.queue.append(EOF)
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
        if item is EOF:
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


class ThreadGroup(InProcessGroup):
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
        errors = join_threads(self.threads, self.driver_channels, self.outcomes,
                               time.monotonic() + timeout, timeout, "thread")
        self.abandoned = any(t.is_alive() for t in self.threads)
        return errors

    def kill(self):
        self.join(0.1)


ROW = ReferenceRow(
    name="py-threading", gil="shared", memory_scope="host", handoff=True,
    start_group=lambda n, module, params, timeout, **_: ThreadGroup(module, params, n, timeout),
    notes=lambda: ["threads of one interpreter share its GIL; queue.Queue channels, bytes passed "
                   "by reference"])
