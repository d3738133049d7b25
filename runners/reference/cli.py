"""The command line: one row, one workload, one result file."""
import importlib.util
import json
import os
import platform
import sys
import traceback

import reference
from reference.channel_base import CAPACITY, MAX_SLEEP_S, SPIN_NS
from reference.context import DEFAULT_TIMEOUT_S, Context, lead_with_worker_failures
from reference.placement import pinning_record
from reference.workload_file import BadInput, describe_exception, load_workload


SCHEMA = "interpbench-child/1"
ROWS = ("py-threading", "py-multiprocessing", "py-interpreters")
MP_METHODS = ("fork", "forkserver", "spawn")


def skip_reason(family, method):
    """Why this row can't run on this Python, or None."""
    if family == "py-multiprocessing":
        import multiprocessing
        if method not in multiprocessing.get_all_start_methods():
            return f"start method '{method}' is not available on this platform"
    if family == "py-interpreters":
        v = sys.version_info
        if v < (3, 12):
            return (f"Python {v[0]}.{v[1]} has no per-interpreter GIL and no "
                    "_xxinterpchannels (needs 3.12+)")
        names = ("_interpreters", "_interpqueues") if v >= (3, 13) else \
                ("_xxsubinterpreters", "_xxinterpchannels")
        for name in names:
            if importlib.util.find_spec(name) is None:
                return f"this Python has no {name} module"
    return None


def parse_row(row, method):
    """('py-multiprocessing-fork' | 'py-multiprocessing' + --method) -> (label, family, method)."""
    for m in MP_METHODS:
        if row == f"py-multiprocessing-{m}":
            if method and method != m:
                raise BadInput(f"--row {row} contradicts --method {method}")
            return row, "py-multiprocessing", m
    if row not in ROWS:
        raise BadInput(f"unknown reference row '{row}' (valid: {', '.join(ROWS)})")
    if row == "py-multiprocessing":
        method = method or "fork"
        if method not in MP_METHODS:
            raise BadInput(f"unknown start method '{method}' (valid: {', '.join(MP_METHODS)})")
        return f"{row}-{method}", row, method
    if method:
        raise BadInput(f"--method applies to py-multiprocessing only, not '{row}'")
    return row, row, None


def notes_for(family):
    v = sys.version_info
    if family == "py-threading":
        return ["threads of one interpreter share its GIL; queue.Queue channels, bytes passed "
                "by reference"]
    if family == "py-multiprocessing":
        return ["multiprocessing Pipe(duplex=False) per direction; send has no timeout"]
    if v >= (3, 13):
        return [f"_interpreters + _interpqueues (bounded, {CAPACITY} messages); no blocking get: "
                f"the adapter polls (spin {SPIN_NS // 1000} us, then sleeps up to "
                f"{MAX_SLEEP_S * 1e3:g} ms)"]
    return ["_xxsubinterpreters + _xxinterpchannels (unbounded); no blocking recv: the adapter "
            f"polls (spin {SPIN_NS // 1000} us, then sleeps up to {MAX_SLEEP_S * 1e3:g} ms)",
            "3.12: exits without finalizing (CPython gh-119213, fixed in 3.12.4: a keyword call "
            "such as pickle.dumps(protocol=5) made first in a subinterpreter makes finalization "
            "abort)"]


GIL_BY_FAMILY = {"py-threading": "shared", "py-multiprocessing": "process",
                 "py-interpreters": "own"}

RESULT_KEYS = ("name", "metric", "unit", "timed", "params", "repetitions")


def check_results(results):
    if not isinstance(results, list):
        raise TypeError(f"driver() returned {type(results).__name__}, not a list of RESULT dicts")
    for r in results:
        if not isinstance(r, dict):
            raise TypeError(f"driver() returned a {type(r).__name__} among its results")
        missing = [k for k in RESULT_KEYS if k not in r]
        if missing:
            raise TypeError(f"result {r.get('name', '?')!r} lacks {', '.join(missing)}")
    return results


def default_params(params, row):
    """The keys docs/design.md promises every workload, where the caller left them out."""
    params.setdefault("sizes", [8, 1024, 65536, 1048576])
    params.setdefault("repetitions", 5)
    params.setdefault("warmup", 50)
    params.setdefault("iterations", 500)
    params.setdefault("workers", [1, 2, 4])
    params.setdefault("cores", os.cpu_count() or 1)
    params.setdefault("suite", "custom")
    params.setdefault("timeout", DEFAULT_TIMEOUT_S)
    params["backend"] = row
    return params


def write_result(path, **fields):
    doc = {"schema": SCHEMA, "row": None, "kind": "reference", "workload": None, "gil": None,
           "python": platform.python_version(), "notes": [], "results": [],
           "worker_errors": [], "error": None, "skipped": None}
    doc.update(fields)
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)


def run(args):
    label, family, method = parse_row(args.row, args.method)
    try:
        params = json.loads(args.params)
    except json.JSONDecodeError as exc:
        raise BadInput(f"--params is not JSON: {exc}") from None
    if not isinstance(params, dict):
        raise BadInput("--params must be a JSON object")
    workload_path = os.path.abspath(args.workload)
    if not os.path.isfile(workload_path):
        raise BadInput(f"cannot open workload '{args.workload}': No such file")
    workload = os.path.splitext(os.path.basename(workload_path))[0]
    base = {"row": label, "workload": workload, "gil": GIL_BY_FAMILY[family],
            "notes": notes_for(family)}

    reason = skip_reason(family, method)
    if reason:
        # Notes describe how a row ran: a skipped row has none.
        write_result(args.result, skipped=reason, pinning=pinning_record(params.get("pin"), {}),
                     **dict(base, notes=[]))
        return 0

    try:
        module = load_workload(workload_path)
    except BadInput:
        raise
    except BaseException as exc:  # noqa: BLE001
        raise BadInput(f"cannot import workload '{args.workload}': {describe_exception(exc)}")
    for name in ("TIMED", "worker", "driver"):
        if not hasattr(module, name):
            raise BadInput(f"workload '{args.workload}' defines no {name}")

    params = default_params(params, label)
    ctx = Context(label, family, method, workload_path, module, params)
    error, results, code = None, [], 0
    try:
        results = check_results(module.driver(ctx, params))
    except BaseException as exc:  # noqa: BLE001 - the row fails; the result file says why
        error = describe_exception(exc)
        code = 1
        if args.verbose:
            traceback.print_exc()
    finally:
        try:
            ctx.shutdown(collect=error is not None)
        except BaseException as exc:  # noqa: BLE001
            error = error or f"teardown: {describe_exception(exc)}"
            code = 1
    error = lead_with_worker_failures(error, ctx)
    write_result(args.result, results=results, worker_errors=ctx.worker_errors, error=error,
                 pinning=pinning_record(params.get("pin"), ctx.pinned), **base)
    if ctx.abandoned or (family == "py-interpreters" and sys.version_info < (3, 13)):
        # A thread or subinterpreter that never ended can't be joined: leave without waiting.
        # 3.12 (gh-119213): an extension function first called with keywords in a
        # subinterpreter caches that interpreter's tuple process-wide, and the main
        # interpreter's finalization frees it and aborts (free(): invalid pointer); everything
        # is joined and written by now, so skip finalization.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def main(argv=None):
    import argparse

    class Parser(argparse.ArgumentParser):
        def error(self, message):
            raise BadInput(message)

    p = Parser(prog="reference", description=reference.__doc__.split("\n")[0])
    p.add_argument("--row", required=True)
    p.add_argument("--method", choices=MP_METHODS)
    p.add_argument("--workload", required=True)
    p.add_argument("--params", default="{}")
    p.add_argument("--result", required=True)
    p.add_argument("--verbose", action="store_true")
    try:
        return run(p.parse_args(argv))
    except BadInput as exc:
        print(f"reference: {exc}", file=sys.stderr)
        return 2

