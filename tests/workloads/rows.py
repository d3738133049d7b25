"""Helpers for the Python-level tests: run runners/reference (the package) as the runner does."""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
REFERENCE = os.path.join(ROOT, "runners", "reference")
WORKLOADS = os.path.join(ROOT, "workloads")
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
RUN_TIMEOUT_S = 120

ROWS = (("py-threading", None), ("py-multiprocessing", "fork"), ("py-interpreters", None),
        ("py-interpreters-poll", None))


def run_reference(row, workload, params, method=None, extra=()):
    """(exit code, result dict or None, stderr). Fails the caller's test on a hang (timeout)."""
    with tempfile.TemporaryDirectory(prefix="interpbench-test-") as tmp:
        result = os.path.join(tmp, "result.json")
        argv = [sys.executable, REFERENCE, "--row", row, "--workload", workload,
                "--params", json.dumps(params), "--result", result, *extra]
        if method:
            argv += ["--method", method]
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
        leftovers = processes_mentioning(result)
        doc = None
        if os.path.exists(result):
            with open(result) as f:
                doc = json.load(f)
        if leftovers:
            raise AssertionError(f"processes left behind by {row}: {leftovers}")
        return proc.returncode, doc, proc.stderr


def processes_mentioning(text):
    """PIDs whose command line contains `text` (forked workers inherit the parent's argv)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if text.encode() in f.read():
                    found.append(int(pid))
        except OSError:
            pass
    return found


def workload(name):
    return os.path.join(WORKLOADS, f"{name}.py")


def samples(result):
    return [s for rep in result["repetitions"] for s in rep]
