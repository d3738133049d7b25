"""Where the driver and the workers run: params["pin"] (docs/design.md, "Pinning")."""
import os


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
