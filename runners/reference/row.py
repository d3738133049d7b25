"""What the command line and the driver's ctx need to know of one reference row. Each row module
defines ROW = ReferenceRow(...); rows.py lists them. A new reference row is its module, one line
in rows.py and its entry in core/row_catalogue.cc.

Plain Python on purpose: interpreters_row.py, which defines a ROW, is also imported inside every
py-interpreters subinterpreter."""


def _never(*_):
    return None


class ReferenceRow:
    def __init__(self, *, name, gil, memory_scope, handoff, start_group, api, notes=lambda: [],
                 skip_reason=_never, methods=(), default_method="",
                 exits_without_finalizing=lambda: False, param_caps=None, needs_task=False,
                 watchdog=None):
        self.name = name                  # what --row accepts (the catalogue's name)
        self.gil = gil                    # the result file's "gil": "shared", "own", "process"
        self.memory_scope = memory_scope  # "host": workers live in this process; "process": not
        self.handoff = handoff            # bytes passed by reference (ctx.handoff)
        # start_group(n=, module=, workload_path=, params=, timeout=, method=) -> the worker group
        # (driver_channels, join, kill, memory, select, pin_failed)
        self.start_group = start_group
        # Which standard API the row calls and how, in the words of its twin under tests/twins/
        # (the result file's first note: "calls: ...").
        self.api = api
        self.notes = notes                # () -> how the row runs, for the result file
        self.skip_reason = skip_reason    # (method) -> why it can't run on this Python, or None
        self.methods = methods            # start methods; each is a row labelled NAME-METHOD
        self.default_method = default_method
        # () -> leave with os._exit once the result is written: the Python's finalization is
        # known to abort after this row.
        self.exits_without_finalizing = exits_without_finalizing
        # {param: most}: a row whose every message costs milliseconds bounds its wall time by
        # capping these workload params (the results' params then say how many samples ran).
        self.param_caps = param_caps or {}
        # An executor row runs functions: only workloads that define task(message) -> bytes.
        self.needs_task = needs_task
        # The class (channel_base.Watchdog or AlarmWatchdog) that enforces the timeouts of the
        # row's blocking calls, started before the driver runs; None: the row's calls take one.
        self.watchdog = watchdog

    def label(self, method):
        return f"{self.name}-{method}" if method else self.name
