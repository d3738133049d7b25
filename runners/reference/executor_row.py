"""py-executor-thread, py-executor-process-METHOD, py-executor-interp: concurrent.futures
executors, how most users farm tasks out today (ThreadPoolExecutor, ProcessPoolExecutor,
3.14's InterpreterPoolExecutor).

An executor runs functions, not worker loops: the row runs workloads that define
task(message) -> reply bytes (taskfarm, scaling, apps), and writes "skipped" for the others.
task() must be stateless from the driver's point of view (any worker of the pool may answer any
message): apps' messages name their application and task, and its per-worker state (imports,
sqlite's database) is made on a worker thread's first task and kept there. The driver checks
every reply as on the other rows (apps: against its own single-threaded summaries). A group
of n "workers" is one executor of max_workers=n, warmed up until its n workers run (untimed, in
ctx.start); each channel is a FIFO of futures: send(message) is executor.submit(task, message),
recv() is the oldest future's result(), and ctx.select is concurrent.futures.wait(...,
FIRST_COMPLETED) over the channels' oldest futures. The workers' first b"ready" is the warm-up's
answer."""
import collections
import os
import sys
import time

from reference.channel_base import ChannelBase, read_smaps_rollup
from reference.placement import pins
from reference.row import ReferenceRow

READY = b"ready"

API = ("concurrent.futures executor of max_workers=N: executor.submit(task, message), "
       "Future.result(timeout) and concurrent.futures.wait(FIRST_COMPLETED)")


def _warm(_):
    time.sleep(0.01)  # held long enough that the executor starts a worker per warm-up task
    return os.getpid()


class FutureChannel(ChannelBase):
    """One 'worker' of the executor: the futures submitted through it, oldest first."""

    def __init__(self, executor, task, worker_id, worker_count, default_timeout):
        super().__init__(worker_id, worker_count, default_timeout)
        self._executor, self._task = executor, task
        self.futures = collections.deque()
        self._ready = True  # the worker's first message (see the module's docstring)
        self._closed = False

    def send(self, buffer, timeout=None):
        if self._closed:
            raise BrokenPipeError("send on a closed channel")
        self.futures.append(self._executor.submit(self._task, bytes(buffer)))

    def try_send(self, buffer):
        self.send(buffer)
        return True

    def recv(self, timeout=None):
        import concurrent.futures
        if self._ready:
            self._ready = False
            return READY
        if not self.futures:
            raise EOFError("channel closed") if self._closed else \
                RuntimeError("recv with no task outstanding: an executor answers tasks only")
        try:
            return self.futures.popleft().result(self._t(timeout))
        except concurrent.futures.TimeoutError:
            raise TimeoutError("recv timed out") from None

    def try_recv(self):
        if self._ready or (self.futures and self.futures[0].done()):
            return self.recv()
        return None

    def readable(self):
        return self._ready or bool(self.futures and self.futures[0].done())

    def close(self):
        self._closed = True


class ExecutorGroup:
    """One executor of n workers. Its workers are not placed on CPUs (an executor has no hook
    for it before its first task): a pinned plan records the start as not pinned."""

    def __init__(self, kind, module, workload_path, n, timeout, method, pin):
        import concurrent.futures as cf
        self.kind = kind
        self.pin_failed = pins(pin, n)
        if kind == "thread":
            self.executor = cf.ThreadPoolExecutor(max_workers=n)
        elif kind == "process":
            import multiprocessing
            from reference.mp_worker import load_for_pool
            self.executor = cf.ProcessPoolExecutor(
                max_workers=n, mp_context=multiprocessing.get_context(method),
                initializer=load_for_pool, initargs=(workload_path,))
        else:  # 3.14+; each interpreter loads the workload file as a process's worker does
            from reference.mp_worker import load_for_pool
            self.executor = cf.InterpreterPoolExecutor(
                max_workers=n, initializer=load_for_pool, initargs=(workload_path,))
        try:
            # Untimed: every worker of the pool started, so that tasks measure running, not
            # starting (an executor starts its workers on demand).
            self.pids = set(self.executor.map(_warm, range(n), timeout=timeout))
            # A process that started late (spawn, forkserver) may find its peers took every
            # warm-up task: warm up again until each of the n processes answered one, so that
            # memory() reads every worker (apps checks it reads n).
            deadline = time.monotonic() + (timeout or 60)
            while kind == "process" and len(self.pids) < n:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{len(self.pids)} of the pool's {n} processes ran a "
                                       f"warm-up task within {timeout or 60:g}s")
                self.pids |= set(self.executor.map(_warm, range(n), timeout=timeout))
        except BaseException:
            self.executor.shutdown(wait=False, cancel_futures=True)
            raise
        self.driver_channels = [FutureChannel(self.executor, module.task, i, n, timeout)
                                for i in range(n)]

    def memory(self):
        if self.kind != "process":
            return [read_smaps_rollup(os.getpid())]
        return [read_smaps_rollup(pid) for pid in self.pids if pid != os.getpid()]

    def select(self, channels, timeout):
        import concurrent.futures as cf
        for ch in channels:
            if ch.readable():
                return ch
        heads = {ch.futures[0]: ch for ch in channels if ch.futures}
        if not heads:
            raise RuntimeError("select with no task outstanding")
        done, _ = cf.wait(heads, timeout, return_when=cf.FIRST_COMPLETED)
        if not done:
            raise TimeoutError("select timed out")
        return next(ch for ch in channels if ch.futures and ch.futures[0] in done)

    def join(self, timeout):
        import concurrent.futures as cf
        errors = []
        for ch in self.driver_channels:
            ch.close()
            if ch.futures:
                _, pending = cf.wait(ch.futures, timeout)
                for f in ch.futures:
                    exc = None if f in pending else f.exception()
                    if f in pending:
                        errors.append({"worker": ch.worker_id, "error": "did not finish within "
                                       f"{timeout:g}s", "traceback": ""})
                    elif exc is not None:
                        errors.append({"worker": ch.worker_id, "error":
                                       f"{type(exc).__name__}: {exc}", "traceback": ""})
        self.executor.shutdown(wait=not errors, cancel_futures=True)
        return errors

    def kill(self):
        self.executor.shutdown(wait=False, cancel_futures=True)


def _skip_reason(kind):
    def reason(method):
        if kind == "interp" and sys.version_info < (3, 14):
            return (f"Python {sys.version_info[0]}.{sys.version_info[1]} has no "
                    "concurrent.futures.InterpreterPoolExecutor (needs 3.14+)")
        if kind == "process":
            import multiprocessing
            if method not in multiprocessing.get_all_start_methods():
                return f"start method '{method}' is not available on this platform"
        return None
    return reason


def _row(kind, name, executor, gil, memory_scope, **extra):
    return ReferenceRow(
        name=name, gil=gil, memory_scope=memory_scope, handoff=False,
        api=f"{executor}; {API}",
        start_group=lambda n, module, workload_path, params, timeout, method=None, **_:
            ExecutorGroup(kind, module, workload_path, n, timeout, method, params.get("pin")),
        notes=lambda: [f"{executor} runs the workload's task(message) per task; started and "
                       "warmed up before timing"],
        skip_reason=_skip_reason(kind), needs_task=True, **extra)


THREAD = _row("thread", "py-executor-thread", "concurrent.futures.ThreadPoolExecutor", "shared",
              "host")
PROCESS = _row("process", "py-executor-process", "concurrent.futures.ProcessPoolExecutor",
               "process", "process", methods=("fork", "forkserver", "spawn"),
               default_method="fork")
INTERP = _row("interp", "py-executor-interp", "concurrent.futures.InterpreterPoolExecutor", "own",
              "host")
