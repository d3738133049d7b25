"""The driver's ctx (docs/design.md, `ctx`) and how a failed row names its workers' failures."""
import os

from reference.channel_base import read_smaps_rollup
from reference.placement import pin_this_thread


DEFAULT_TIMEOUT_S = 60.0
FAILURE_JOIN_S = 1.0     # after a failed driver: how long its workers get to end and say why


class Context:
    """The driver's handle (docs/design.md, `ctx`): one worker group at a time."""

    def __init__(self, label, row, method, workload_path, module, params):
        self.backend = label
        self.cores = os.cpu_count() or 1
        self.handoff = row.handoff
        self.memory_scope = row.memory_scope
        self.worker_errors = []
        self.abandoned = False
        self._row, self._method = row, method
        self._workload_path, self._module, self._params = workload_path, module, params
        self._timeout = float(params.get("timeout") or DEFAULT_TIMEOUT_S)
        self._group = None
        self._select_next = 0  # select() scans from here: after the channel it returned last
        self.started = 0     # workers started over the whole run
        self.last_group = 0  # workers in the latest group
        self.pinned = {}     # worker count -> the driver and every worker of each start pinned
        # Started before the driver runs, so that neither a start's time nor the host's memory
        # baseline of the first group includes the watchdog's thread (or timer's handler).
        if row.watchdog is not None:
            row.watchdog.get()

    def start(self, n):
        if self._group is not None:
            raise RuntimeError("ctx.start: a worker group is running; call ctx.stop() first")
        if n < 1:
            raise ValueError(f"ctx.start: need at least one worker, got {n}")
        # The driver's thread first; the workers place themselves (they inherit its mask).
        self._note_pinned(n, pin_this_thread(self._params.get("pin"), n))
        self._group = self._row.start_group(n=n, module=self._module,
                                            workload_path=self._workload_path,
                                            params=self._params, timeout=self._timeout,
                                            method=self._method)
        self.started += n
        self.last_group = n
        return list(self._group.driver_channels)

    def _note_pinned(self, n, pinned):
        self.pinned[n] = self.pinned.get(n, True) and pinned

    def _joined(self, group):
        """`group`: the latest (one group runs at a time), of self.last_group workers."""
        self.abandoned |= getattr(group, "abandoned", False)
        if group.pin_failed:
            self._note_pinned(self.last_group, False)

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
        """The group's select over `channels` starting after the one returned last, so that ready
        channels are served in turn, as the backends' select does (backends/select.cc)."""
        if self._group is None:
            raise RuntimeError("ctx.select: no worker group is running")
        k = self._select_next % len(channels) if channels else 0
        ch = self._group.select(channels[k:] + channels[:k] if k else channels,
                                self._timeout if timeout is None else timeout)
        for i, c in enumerate(channels):
            if c is ch:
                self._select_next = i + 1
                break
        return ch

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
