"""Every reference row, in report order (core/row_catalogue.cc lists the same names), and where
each is defined. A child runs one row: row() imports that row's module only (importing them
all took ~20 ms of every reference child, on 2 cores, before its workload ran)."""
import importlib

# name -> (module, attribute)
WHERE = {
    "py-threading": ("reference.threading_row", "ROW"),
    "py-multiprocessing": ("reference.multiprocessing_row", "ROW"),
    "py-interpreters": ("reference.interpreters_row", "ROW"),
    "py-interpreters-poll": ("reference.interpreters_poll_row", "ROW"),
    "py-executor-thread": ("reference.executor_row", "THREAD"),
    "py-executor-process": ("reference.executor_row", "PROCESS"),
    "py-executor-interp": ("reference.executor_row", "INTERP"),
}
NAMES = tuple(WHERE)
# The rows with start methods (labelled NAME-METHOD) and their methods, for the command line's
# --method; each row's ReferenceRow says the same (tests/workloads/test_adapter.py checks).
START_METHODS = ("fork", "forkserver", "spawn")
WITH_START_METHODS = ("py-multiprocessing", "py-executor-process")


def row(name):
    """The ReferenceRow named `name` (a KeyError for another name)."""
    module, attribute = WHERE[name]
    return getattr(importlib.import_module(module), attribute)


def name_of(label):
    """The row a label names: 'py-multiprocessing-fork' -> 'py-multiprocessing'; None when no
    row's name is the label or its prefix before '-METHOD'."""
    if label in WHERE:
        return label
    for name in WITH_START_METHODS:
        if label.startswith(name + "-"):
            return name
    return None


def all_rows():
    """{name: ReferenceRow} of every row (imports every row module)."""
    return {name: row(name) for name in NAMES}
