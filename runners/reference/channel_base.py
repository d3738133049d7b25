"""What every reference row's channel and group share: the channel API's common part, polling
with a deadline, the watchdog that enforces timeouts outside the hot path, memory figures and the
texts of timeouts and signals."""
import os
import time

from reference.channel import ChannelBase  # noqa: F401 - the rows import it from here

CAPACITY = 64            # messages per direction (threading, 3.13 interpreters)
SPIN_NS = 50_000         # interpreters polling: busy-poll this long before sleeping
MAX_SLEEP_S = 0.001      # interpreters polling: longest sleep between two polls
EOF = None              # end-of-stream marker on queues (None is shareable across interpreters)


class Backoff:
    """Polling for transports without a blocking wait: spin, then sleep with a doubling delay."""

    __slots__ = ("start", "deadline", "delay", "what")

    def __init__(self, timeout, what, start=None):
        """`start`: when the wait began (perf_counter_ns), for a caller that spun itself first:
        the spin then is not repeated, and the deadline counts from there."""
        self.what = what  # "recv": the TimeoutError says "recv timed out", as on the other rows
        self.start = time.perf_counter_ns() if start is None else start
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


WATCHDOG_NOTE = ("the timed path makes no timeout argument: a watchdog thread of the driver's "
                 "process enforces the driver's timeouts from outside it (within 20 ms)")
ALARM_NOTE = ("the timed path makes no timeout argument: an interval timer (SIGALRM every 20 ms "
              "while workers run) enforces the driver's timeouts from outside it, so that the "
              "driver forks with one thread, as its twin")


class _OnePerProcess:
    """get(): this process's instance, made on first use (a forked child makes its own)."""

    _instance = None

    @classmethod
    def get(cls):
        if cls._instance is None or cls._instance._pid != os.getpid():
            cls._instance = cls()
            cls._instance._pid = os.getpid()
        return cls._instance


class Watchdog(_OnePerProcess):
    """Enforces the timeouts of the blocking calls the reference rows make with no timeout
    argument (queue.Queue.get(), Connection.recv_bytes(), as their documentation shows them).

    A waiting side stores its deadline (time.monotonic(), 0.0 when not waiting) in `deadline`
    and blocks in the standard call; this thread, one per process, started with the driver's
    ctx (before the driver runs: reference/context.py), checks every `TICK_S`
    and, past a deadline, calls the waiter's wake(deadline), which makes the blocked call return
    a marker the waiter turns into TimeoutError (or, for a py-multiprocessing group, checks its
    workers: multiprocessing_row.ProcessGroup.wake). A group is registered while it runs.
    A pass sleeps and reads attributes: no fd to wait on, so that a worker process's exit does
    not wake this thread into the driver's timed teardown (watching the workers' sentinels did,
    for 1.4x the twin's teardown)."""

    TICK_S = 0.02  # timeouts are enforced to within this much

    def __init__(self):
        import threading
        self.lock = threading.Lock()  # the groups; held while waking a waiter
        self._waiters = {}            # group id -> list of objects with deadline / wake()
        threading.Thread(target=self._run, name="interpbench-watchdog", daemon=True).start()

    def watch(self, key, waiters):
        """No wake-up: the next pass (within TICK_S) picks the group up, and nothing of this
        thread runs inside the caller's timed region."""
        with self.lock:
            self._waiters[key] = list(waiters)

    def unwatch(self, key):
        with self.lock:
            self._waiters.pop(key, None)

    def _run(self):
        while True:
            time.sleep(self.TICK_S)
            try:
                self._pass()
            except Exception:  # noqa: BLE001 - a waiter's wake failed: the next pass retries
                pass

    def _pass(self):
        with self.lock:
            wake_due(self._waiters.values())


def wake_due(groups):
    """Calls wake(deadline) once per deadline of each waiter whose deadline has passed."""
    now = time.monotonic()
    for waiters in groups:
        for w in waiters:
            d = w.deadline
            if d and now >= d and w.woken != d:
                w.woken = d
                w.wake(d)


class AlarmWatchdog(_OnePerProcess):
    """The watchdog of a driver that forks its workers (py-multiprocessing): the same passes as
    Watchdog's, run by an interval timer (SIGALRM, ITIMER_REAL, every TICK_S while a group is
    watched) in the driver's main thread instead of by a thread of its own, so that the driver
    forks with one thread, as its twin (tests/twins/multiprocessing_startup.py). A second thread,
    even one asleep the whole time, cost each forked worker 60-64 KiB of USS (the worker's
    1.22-1.24x its twin's, 1.17x without the thread, 2026-12-01): a fork with threads makes the
    child free their states and run threading's after-fork cleanup, and the parent check for
    them (a DeprecationWarning), writing pages the two shared.

    The handler runs in the main thread, which is the waiter: a waiter's wake(deadline) raises
    TimeoutError out of the call it is blocked in (PEP 475 retries a system call a signal
    interrupted only when the handler returns normally). Linux sends ITIMER_REAL's SIGALRM to
    the main thread when it does not block it, which a driver blocked in a call does not. So the
    handler takes no lock (the thread it interrupts may hold it), and a wake that fails for
    another reason is retried by the next pass, as Watchdog's. An interval timer is not
    inherited by a forked child, so a worker gets no tick (and ignores one: the handler is
    inherited, the groups are not); the system calls of the driver's timed path are interrupted
    once per TICK_S at most, and retried."""

    TICK_S = Watchdog.TICK_S

    def __init__(self):
        import signal
        self._signal = signal
        self._waiters = {}   # group id -> list of objects with deadline / wake()
        self._armed = False  # a tick is due: the handler arms the next while a group is watched
        self._in_pass = False
        signal.signal(signal.SIGALRM, self._on_alarm)
        # A tick may still be due at exit, when finalization has put SIGALRM's default action
        # (the end of the process) back.
        import atexit
        atexit.register(signal.setitimer, signal.ITIMER_REAL, 0)

    def watch(self, key, waiters):
        """`waiters`: a list the caller may extend while it is watched (one thread: no lock)."""
        self._waiters[key] = waiters
        if not self._armed:
            self._armed = True
            self._signal.setitimer(self._signal.ITIMER_REAL, self.TICK_S)

    def unwatch(self, key):
        """No system call: the tick due finds nothing to watch and arms no other (disarming the
        timer here cost 15 us of py-multiprocessing's timed teardown)."""
        self._waiters.pop(key, None)

    def _on_alarm(self, signum, frame):
        if os.getpid() != self._pid:  # a forked worker inherited the handler, not the groups
            return
        self._armed = bool(self._waiters)
        if not self._armed:
            return
        self._signal.setitimer(self._signal.ITIMER_REAL, self.TICK_S)
        if self._in_pass:  # a pass (a long drain) outlasted the tick: not two at once
            return
        self._in_pass = True
        try:
            wake_due(list(self._waiters.values()))
        except TimeoutError:
            raise
        except Exception:  # noqa: BLE001 - a waiter's wake failed: the next pass retries
            pass
        finally:
            self._in_pass = False


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


def seconds(t):
    """'1s', '0.5s': as the C++ rows write a deadline."""
    return f"{round(t, 1):g}s"


def signal_name(signum):
    import signal
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def join_threads(threads, driver_channels, outcomes, deadline, timeout, what):
    """Joins the worker threads until `deadline`, draining what each still sends so that it never
    blocks on a full channel; returns the worker errors ("did not finish" for the rest)."""
    errors = []
    for i, t in enumerate(threads):
        while t.is_alive() and time.monotonic() < deadline:
            drain(driver_channels[i])
            t.join(0.005)
        if t.is_alive():
            errors.append({"worker": i, "error": f"did not finish within {seconds(timeout)} "
                           f"({what} abandoned)", "traceback": ""})
        elif "error" in outcomes[i]:
            errors.append({"worker": i, "error": outcomes[i]["error"],
                           "traceback": outcomes[i].get("traceback", "")})
    return errors


def drain(ch):
    try:
        while ch.try_recv() is not None:
            pass
    except (EOFError, OSError):
        pass


class InProcessGroup:
    """A worker group whose workers run in this process (threads or interpreters): their
    memory is this process's, and each worker's outcome records whether pinning it failed."""

    outcomes = ()

    def memory(self):
        return [read_smaps_rollup(os.getpid())]

    def select(self, channels, timeout):
        """The first of `channels` with a message, polling them with the Backoff's spin-then-sleep
        (the interpreters rows' queues have nothing to wait on; py-threading overrides this with
        its doorbell)."""
        backoff = Backoff(timeout, "select")
        while True:
            for ch in channels:
                if ch.readable():
                    return ch
            backoff.wait()

    @property
    def pin_failed(self):
        return any(o.get("pin_failed") for o in self.outcomes)


class InterpreterThreadsGroup(InProcessGroup):
    """Workers that are subinterpreters, each run by a thread of this process. A subinterpreter
    can't be killed: ending one closes its input and joins its thread; one that does not end is
    abandoned, and an interpreter a thread still runs in is never destroyed (destroying it would
    crash the process). Subclasses set driver_channels, threads, outcomes and implement
    _destroy_interpreters()."""

    abandoned = False

    def join(self, timeout):
        deadline = time.monotonic() + timeout
        for ch in self.driver_channels:
            try:
                ch.close(timeout=max(0.01, min(1.0, deadline - time.monotonic())))
            except Exception:  # noqa: BLE001 - a worker that stopped reading: reported below
                pass
        errors = join_threads(self.threads, self.driver_channels, self.outcomes, deadline,
                              timeout, "subinterpreter")
        self._release()
        return errors

    def kill(self):
        for ch in self.driver_channels:
            try:
                ch.close(timeout=0.1)
            except Exception:  # noqa: BLE001 - whatever the state, go on releasing
                pass
        for t in self.threads:
            if t.is_alive():
                t.join(0.5)
        self._release()

    def _release(self):
        self.abandoned = any(t.is_alive() for t in self.threads)
        if not self.abandoned:
            self._destroy_interpreters()

    def _destroy_interpreters(self):
        raise NotImplementedError
