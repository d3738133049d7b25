"""The command line: one row, one workload, one result file."""
import json
import os
import sys

import reference
from reference import rows
from reference.context import DEFAULT_TIMEOUT_S, Context, lead_with_worker_failures
from reference.placement import pinning_record
from reference.workload_file import BadInput, describe_exception, load_workload


SCHEMA = "interpbench-child/1"


def parse_row(name, method):
    """('py-multiprocessing-fork' | 'py-multiprocessing' + --method) -> (label, row, method)."""
    row_name = rows.name_of(name)
    if row_name is None:
        raise BadInput(f"unknown reference row '{name}' (valid: {', '.join(rows.NAMES)})")
    row = rows.row(row_name)
    for m in row.methods:
        if name == row.label(m):
            if method and method != m:
                raise BadInput(f"--row {name} contradicts --method {method}")
            return name, row, m
    if name != row_name:
        raise BadInput(f"unknown reference row '{name}' (valid: {', '.join(rows.NAMES)})")
    if row.methods:
        method = method or row.default_method
        if method not in row.methods:
            raise BadInput(f"unknown start method '{method}' (valid: {', '.join(row.methods)})")
        return row.label(method), row, method
    if method:
        raise BadInput(f"--method applies to rows with start methods only, not '{name}'")
    return name, row, None


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
           "python": sys.version.split()[0], "notes": [], "results": [],
           "worker_errors": [], "error": None, "skipped": None}
    doc.update(fields)
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)


def run(args):
    label, row, method = parse_row(args.row, args.method)
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
    base = {"row": label, "workload": workload, "gil": row.gil}

    reason = row.skip_reason(method)
    if reason:
        # Notes describe how a row ran: a skipped row has none (nor may it be able to say them:
        # py-interpreters names its API, which 3.12 lacks).
        write_result(args.result, skipped=reason, pinning=pinning_record(params.get("pin"), {}),
                     notes=[], **base)
        return 0

    # The harness's own objects (argparse's, the reference package's, json's) go to the permanent
    # generation: a worker forked from this process then never collects them, so its collections
    # do not copy their pages on write, as they would not exist in a user's program (the
    # multiprocessing-fork memory twin: 1.31x its USS before). The workload's objects, made from
    # here on, are collected as usual.
    import gc
    gc.freeze()
    try:
        module = load_workload(workload_path)
    except BadInput:
        raise
    except BaseException as exc:  # noqa: BLE001
        raise BadInput(f"cannot import workload '{args.workload}': {describe_exception(exc)}")
    for name in ("TIMED", "worker", "driver"):
        if not hasattr(module, name):
            raise BadInput(f"workload '{args.workload}' defines no {name}")
    if row.needs_task and not callable(getattr(module, "task", None)):
        write_result(args.result, skipped=f"workload '{workload}' defines no task(message): an "
                     "executor runs functions, not worker loops", notes=[],
                     pinning=pinning_record(params.get("pin"), {}), **base)
        return 0
    base["notes"] = [f"calls: {row.api}", *row.notes()]

    params = default_params(params, label)
    for key, most in row.param_caps.items():
        if isinstance(params.get(key), (int, float)) and params[key] > most:
            params[key] = most
    ctx = Context(label, row, method, workload_path, module, params)
    error, results, code = None, [], 0
    try:
        results = check_results(module.driver(ctx, params))
    except BaseException as exc:  # noqa: BLE001 - the row fails; the result file says why
        error = describe_exception(exc)
        code = 1
        if args.verbose:
            import traceback
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
    if ctx.abandoned or row.exits_without_finalizing():
        # A thread or subinterpreter that never ended can't be joined, or this Python's
        # finalization aborts after the row (reference/row.py): everything is written by now,
        # so leave without waiting.
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
    p.add_argument("--method", choices=rows.START_METHODS)
    p.add_argument("--workload", required=True)
    p.add_argument("--params", default="{}")
    p.add_argument("--result", required=True)
    p.add_argument("--verbose", action="store_true")
    try:
        return run(p.parse_args(argv))
    except BadInput as exc:
        print(f"reference: {exc}", file=sys.stderr)
        return 2

