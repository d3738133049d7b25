"""extcompat: which extension modules import in this row's workers.

The objection's "perfect extension support" is a fact per module and per interpreter mode: an
isolated subinterpreter refuses single-phase-init extension modules, a process takes them all.
This workload imports each module in a fresh worker (one module per worker, so one module's
import never changes another's) and records what happened:

  ok            the import returned
  import_error  it raised ImportError (the text says why: "does not support loading in
                subinterpreters", a missing library...)
  error         it raised another exception
  crash         the worker died inside the import (a subprocess row: the signal; an in-process
                row: the whole child died, the supervisor restarts it and the journal says which
                module was being imported)
  hang          the import did not return within params["timeout"] (the worker is stopped or
                abandoned), or the child was killed at its wall limit while importing it (then
                restarted like after a crash)

Modules: the standard library's C extensions of this build (sys.builtin_module_names and
lib-dynload/*.so), third-party extension modules in site-packages (*.so), plus params["modules"]
(--modules a,b). One result per module, named extcompat/<module>, with a `status`; its one sample
is the import time (worker clock, ns; 0 when the worker crashed).

Crashes: with params["journal"] (the supervisor passes one when the suite sets
resume_after_crash) the driver appends "begin <module>" before starting the module's worker and
the outcome after it. A child that crashed is started again by the supervisor, which appends
the signal; the driver then skips every module already decided.
"""
import json
import os
import sys
import time

# Third-party extension modules live in site-packages: workers need it on sys.path.
IMPORT_SITE = True

TIMED = ("import: worker clock (time.perf_counter_ns) around importlib.import_module(module) in a "
         "fresh worker; the status (ok / import_error / error / crash) is the result")

ORIGINS = ("builtin", "stdlib", "site", "user")


def worker(ch, params):
    timeout = params.get("timeout")
    name = ch.recv(timeout=timeout).decode()
    import importlib
    preloaded = sorted(sys.modules)
    t0 = time.perf_counter_ns()
    try:
        importlib.import_module(name)
        outcome = {"status": "ok", "detail": ""}
    except ImportError as e:
        outcome = {"status": "import_error", "detail": f"{type(e).__name__}: {e}"}
    except BaseException as e:  # noqa: BLE001 - anything an import raises is the answer
        outcome = {"status": "error", "detail": f"{type(e).__name__}: {e}"}
    outcome["import_ns"] = time.perf_counter_ns() - t0
    outcome["preloaded"] = preloaded
    ch.send(json.dumps(outcome).encode(), timeout=timeout)
    while True:
        try:
            ch.recv(timeout=timeout)
        except EOFError:
            return


def _extension_suffixes():
    import importlib.machinery
    return sorted(importlib.machinery.EXTENSION_SUFFIXES, key=len, reverse=True)


def _strip_suffix(filename, suffixes):
    for s in suffixes:
        if filename.endswith(s):
            return filename[: -len(s)]
    return None


def discover(params):
    """[(module, origin)] in a stable order: builtins, lib-dynload, site-packages, then --modules."""
    # Here, not at the top: workers import this file, and on 3.12.1 a subinterpreter that imported
    # sysconfig makes the next _xxsubinterpreters.create() hang (py-interpreters row).
    import sysconfig
    found = {}
    if params.get("discover", True):
        for name in sorted(sys.builtin_module_names):
            if name != "_interpbench":  # the runner's own module, not the build's
                found.setdefault(name, "builtin")
        suffixes = _extension_suffixes()
        dynload = sysconfig.get_config_var("DESTSHARED")
        if dynload and os.path.isdir(dynload):
            for f in sorted(os.listdir(dynload)):
                name = _strip_suffix(f, suffixes)
                if name and "." not in name:
                    found.setdefault(name, "stdlib")
        for site in sorted({sysconfig.get_paths()[k] for k in ("purelib", "platlib")}):
            if not os.path.isdir(site):
                continue
            for root, dirs, files in os.walk(site):
                dirs[:] = sorted(d for d in dirs if d.isidentifier())  # skip *.dist-info
                for f in sorted(files):
                    name = _strip_suffix(f, suffixes)
                    if not name:
                        continue
                    rel = os.path.relpath(os.path.join(root, name), site)
                    found.setdefault(rel.replace(os.sep, "."), "site")
    for name in params.get("modules", []) or []:
        found[name] = "user"
    return list(found.items())


class Journal:
    """Append-only lines of JSON: {"begin": m}, {"done": m, ...outcome}, {"crash": signal}.
    Each line is one write(2) on an O_APPEND file, so it is on record even if the process dies
    right after."""

    def __init__(self, path):
        self.path = path
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600) if path else None

    def decided(self):
        """{module: outcome} from earlier children of this row: the module begun last without an
        outcome is the one that crashed its child."""
        out, pending = {}, None
        if not self.path or not os.path.exists(self.path):
            return out
        with open(self.path) as f:
            for line in f:
                try:
                    e = json.loads(line)
                except ValueError:
                    continue  # a line cut short by the crash
                if "begin" in e:
                    pending = e["begin"]
                elif "done" in e:
                    out[e["done"]] = {k: v for k, v in e.items() if k != "done"}
                    pending = None
                elif "crash" in e and pending is not None:
                    out[pending] = {"status": "crash", "detail": f"killed by {e['crash']}",
                                    "import_ns": None}
                    pending = None
                elif "hang" in e and pending is not None:
                    out[pending] = {"status": "hang", "detail": f"the child {e['hang']}",
                                    "import_ns": None}
                    pending = None
        return out

    def write(self, entry):
        if self.fd is not None:
            os.write(self.fd, (json.dumps(entry) + "\n").encode())

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def import_in_fresh_worker(ctx, name, timeout):
    ch = ctx.start(1)[0]
    try:
        ch.send(name.encode(), timeout=timeout)
        outcome = json.loads(ch.recv(timeout=timeout))
    except EOFError:
        outcome = None  # the worker died: ctx.stop() says how
    except TimeoutError:
        outcome = {"status": "hang", "detail": f"no answer within {timeout} s", "import_ns": None}
    try:
        ctx.stop(timeout)
    except RuntimeError as e:  # "worker 0: killed by SIGSEGV"
        if outcome is None:
            text = str(e).split(": ", 1)[-1]
            status = "crash" if "killed by" in text or "signal" in text else "error"
            outcome = {"status": status, "detail": text, "import_ns": None}
    if outcome is None:
        outcome = {"status": "error", "detail": "the worker closed its channel", "import_ns": None}
    return outcome


def result(name, origin, outcome):
    ns = outcome.get("import_ns")
    return {"name": f"extcompat/{name}", "metric": "import", "unit": "ns", "timed": TIMED,
            "higher_is_better": False, "params": {"module": name, "origin": origin},
            "status": outcome["status"], "detail": outcome.get("detail", ""),
            "import_ns": ns, "repetitions": [[ns if ns is not None else 0]]}


PRELOADED = ("in sys.modules of a fresh worker before its import (the interpreter's start or the "
             "worker loop imported it): not imported again")


def driver(ctx, params):
    timeout = params.get("timeout")
    journal = Journal(params.get("journal"))
    decided = journal.decided()
    # What every fresh worker of this row holds before it imports anything (each answer says):
    # such a module imports in every worker, and a worker of its own would only measure a
    # sys.modules lookup (about a fifth of the modules: the builtins the interpreter starts with).
    preloaded = set()
    results = []
    try:
        for name, origin in discover(params):
            outcome = decided.get(name)
            if outcome is None and name in preloaded:
                outcome = {"status": "ok", "detail": PRELOADED, "import_ns": 0}
                journal.write({"done": name, **outcome})
            elif outcome is None:
                journal.write({"begin": name})
                outcome = import_in_fresh_worker(ctx, name, timeout)
                preloaded.update(outcome.pop("preloaded", ()))
                journal.write({"done": name, **outcome})
            results.append(result(name, origin, outcome))
    finally:
        journal.close()
    return results
