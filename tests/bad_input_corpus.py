#!/usr/bin/env python3
"""A probe corpus of hostile command lines for the built interpbench (ctest bad_input_corpus).

Each case must end with the documented exit code (2 for bad input), exactly one line on stderr
starting with "interpbench:", no traceback, no crash (no death by a signal, no core file), nothing
on stdout, and nothing left behind: no file in the scratch directory it ran in, no
/tmp/interpbench-*-<pid>-* and no /dev/shm/interpbench-<pid>-* of its pid.

Usage: bad_input_corpus.py INTERPBENCH FIXTURES_DIR. Prints one line per failed case and the
totals (cases, passed, failed, disabled); exits 1 when a case that is not disabled failed.
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

# Cases that fail today for a reason another change is to fix: {case name: reason}. None now:
# the typed run model (core/report_model) rejects the wrong-typed reports report and compare
# used to trust.
DISABLED = {}

TIMEOUT_S = 60
BASE = ["run", "--suite", "quick", "--workload", "pingpong", "--backend", "floor", "--quiet"]


def cases(scratch, fixtures):
    """(name, argv, expected exit code) for every probe."""
    out = []

    def add(name, argv, code=2):
        out.append((name, argv, code))

    bad_numbers = {
        "--sizes": ["", ",", "0", "-1", "1.5", "abc", "99999999999999999999", "2G", "8XB", "1K,big",
                    "-0", "nan", "0x10", " "],
        "--workers": ["", ",", "0", "-1", "1.5", "x", "99999999999", "1,0"],
        "--repetitions": ["", "0", "-1", "1.5", "ten", "99999999999999999999"],
        "--iterations": ["", "0", "-2", "x"],
        "--rounds": ["", "0", "-1", "x"],
        "--seed": ["", "-1", "x", "1.5", "99999999999999999999999"],
        "--timeout": ["", "0", "-1", "nan", "inf", "-inf", "1e10", "1e308", "86401", "x", "1s"],
        "--wall-limit": ["", "0", "-1", "nan", "inf", "1e10", "1e308", "86401", "-1e308"],
        "--start-method": ["", ",", "spawn", "exec,vfork"],
        "--gil": ["", ",", "mine"],
        "--config": ["", ",", "sandboxed"],
        "--modules": ["", ",", " , "],
        "--suite": ["", "huge", "QUICK"],
        "--format": ["", "xml"],
        "--pin": ["", "on"],
    }
    for option, values in bad_numbers.items():
        for v in values:
            add(f"run {option} {v!r}", BASE + [option, v])
    # Empty lists: today they would run every row or workload.
    for option in ("--workload", "--backend"):
        for v in ("", ",", " , "):
            add(f"run {option} {v!r} alone", ["run", "--suite", "quick", option, v])
    add("run --workload nbody", BASE + ["--workload", "nbody"])
    add("run --backend nosuch", ["run", "--backend", "nosuch"])
    add("run --backend subinterp,nosuch", ["run", "--backend", "subinterp,nosuch"])
    add("run --shared-gil --gil own", BASE + ["--shared-gil", "--gil", "own"])
    add("run --gil own --config legacy", BASE + ["--gil", "own", "--config", "legacy"])

    bad_utf8 = os.path.join(os.fsencode(scratch), b"p\xff.py")
    with open(bad_utf8, "wb") as f, open(os.path.join(fixtures, "echo.py"), "rb") as src:
        f.write(src.read())
    control_name = os.path.join(scratch, "p\x1b[31m.py")
    with open(control_name, "wb") as f, open(os.path.join(fixtures, "echo.py"), "rb") as src:
        f.write(src.read())
    a_file = os.path.join(scratch, "a-file")
    with open(a_file, "w") as f:
        f.write("x")
    workload_files = {
        "empty path": "",
        "missing": "/nonexistent/nope.py",
        "directory": scratch,
        "/dev/null": "/dev/null",
        "not .py": os.path.join(fixtures, "cli_not_json.txt"),
        "syntax error": os.path.join(fixtures, "cli_syntax_error.py"),
        "no driver": os.path.join(fixtures, "cli_no_driver.py"),
        "no functions": os.path.join(fixtures, "no_functions.py"),
        "non-UTF-8 name": bad_utf8,
        "ESC in the name": control_name,
    }
    for name, path in workload_files.items():
        add(f"run --workload-file {name}", ["run", "--workload-file", path, "--backend", "floor"])
    outs = {
        "empty": "",
        "a directory": scratch,
        "missing parent": os.path.join(scratch, "no", "such", "r.json"),
        "under a file": os.path.join(a_file, "r.json"),
        "in /proc": "/proc/interpbench-corpus.json",
        "non-UTF-8 name": os.path.join(os.fsencode(scratch), b"r\xfe.json"),
    }
    for name, path in outs.items():
        add(f"run --out {name}", BASE + ["--out", path])

    add("unknown command", ["bogus"])
    add("unknown option", ["run", "--frobnicate"])
    add("missing value", ["run", "--repetitions"])
    add("no command", [])
    add("env unknown option", ["env", "--bogus"])
    add("list unknown option", ["list", "--bogus"])

    # Files that are not runs, for report and compare.
    with open(os.path.join(fixtures, "report_quick.json")) as f:
        good = json.load(f)
    good_text = json.dumps(good)

    def write(name, content, mode="w"):
        path = os.path.join(scratch, name)
        with open(path, mode) as f:
            f.write(content)
        return path

    def mutated(change):
        doc = json.loads(good_text)
        change(doc)
        return json.dumps(doc)

    def set_in_first_result(key, value):
        def change(doc):
            doc["interpbench"]["rows"][0]["results"][0][key] = value
        return change

    def set_in_first_row(key, value):
        def change(doc):
            doc["interpbench"]["rows"][0][key] = value
        return change

    def set_in_run(key, value):
        def change(doc):
            doc["interpbench"][key] = value
        return change

    files = {
        "empty file": write("empty.json", ""),
        "whitespace": write("space.json", "  \n"),
        "truncated": write("truncated.json", good_text[: len(good_text) // 2]),
        "not JSON": os.path.join(fixtures, "cli_not_json.txt"),
        "wrong schema": os.path.join(fixtures, "cli_wrong_schema.json"),
        "JSON array": write("array.json", "[]"),
        "JSON null": write("null.json", "null"),
        "JSON number": write("number.json", "42"),
        "no interpbench key": write("nokey.json", '{"benchmarks": []}'),
        "interpbench a string": write("ibstring.json", '{"interpbench": "x"}'),
        "rows a string": write("rows.json", mutated(set_in_run("rows", "x"))),
        "rows of numbers": write("rownum.json", mutated(set_in_run("rows", [1, 2]))),
        "string summary": write("summary.json", mutated(set_in_first_result("summary", "fast"))),
        "integer name": write("intname.json", mutated(set_in_first_result("name", 7))),
        "results a dict": write("resdict.json", mutated(set_in_first_row("results", {}))),
        "row name null": write("rownull.json", mutated(set_in_first_row("row", None))),
        "options a list": write("opts.json", mutated(set_in_run("options", []))),
        "invalid UTF-8 inside": write("badutf8.json", good_text.encode().replace(b'"row"', b'"r\xffw"', 1), "wb"),
        "ESC in a result name": write("escname.json", mutated(set_in_first_result("name", "a\x1b[2Jb"))),
        "newline in a row name": write("nlrow.json", mutated(set_in_first_row("row", "sub\ninterp"))),
        "NaN inside": write("nan.json", good_text.replace("0.", "NaN, \"x\": 0.", 1)),
        "a directory": scratch,
        "missing": os.path.join(scratch, "none.json"),
        "/dev/null": "/dev/null",
        "non-UTF-8 name": bad_utf8,
    }
    good_path = os.path.join(fixtures, "report_quick.json")
    for name, path in files.items():
        add(f"report {name}", ["report", path, "--out", os.path.join(scratch, "report-out")])
        add(f"compare {name} as base", ["compare", path, good_path])
        add(f"compare {name} as candidate", ["compare", good_path, path])
    add("report no input", ["report", "--out", os.path.join(scratch, "report-out")])
    add("report no --out", ["report", good_path])
    add("report --format xml", ["report", good_path, "--format", "xml", "--out", os.path.join(scratch, "r")])
    add("report --out missing parent", ["report", good_path, "--out", os.path.join(scratch, "no", "r")])
    add("report --out under a file", ["report", good_path, "--out", os.path.join(a_file, "r")])
    add("report --out non-UTF-8", ["report", good_path, "--out", os.path.join(os.fsencode(scratch), b"r\xfd")])
    for v in ("", "x", "-5%", "nan%", "5%%", "inf"):
        add(f"compare --threshold {v!r}", ["compare", good_path, good_path, "--threshold", v])
    for v in ("0", "1", "2", "-1", "nan", "x", ""):
        add(f"compare --alpha {v!r}", ["compare", good_path, good_path, "--alpha", v])
    add("compare --format xml", ["compare", good_path, good_path, "--format", "xml"])
    add("compare one file", ["compare", good_path])
    add("compare --save-runs without --run", ["compare", good_path, good_path, "--save-runs", scratch])
    add("run --modules with ESC", BASE + ["--modules", "json,a\x1b[2Jb"])
    add("run --backend with ESC", ["run", "--backend", "sub\x1binterp"])
    add("compare --run not executables", ["compare", "--run", good_path, good_path])

    # advise: bad task shapes, bad runs to fit from, no run at all.
    advise = ["advise", "--from", good_path]
    for v in ("", "x", "200", "0us", "-1ms", "nan ms", "infs", "1e300s", "2h", "1.5 parsecs", "us"):
        add(f"advise --compute {v!r}", advise + ["--compute", v])
    for v in ("", "0", "-1", "1.5", "2G", "8XB", "abc"):
        add(f"advise --payload {v!r}", advise + ["--compute", "200us", "--payload", v])
    for option, values in {"--tasks": ("", "0", "-3", "1.5", "x", "99999999999"),
                           "--workers": ("", "0", "-1", "x", "100000"),
                           "--depth": ("", "0", "x"),
                           "--format": ("", "xml")}.items():
        for v in values:
            add(f"advise {option} {v!r}", advise + ["--compute", "200us", option, v])
    for v in ("", "records", ":4096", "records:", "records:0", "records:x", "nosuch:16"):
        add(f"advise --object-graph {v!r}", advise + ["--compute", "200us", "--object-graph", v])
    for name, path in files.items():
        add(f"advise --from {name}", ["advise", "--compute", "200us", "--from", path])
    add("advise --from ''", ["advise", "--compute", "200us", "--from", ""])
    add("advise no --compute", advise)
    add("advise no run in results/", ["advise", "--compute", "200us"])
    return out


def leftovers(pid):
    left = glob.glob(f"/dev/shm/interpbench-{pid}-*")
    left += glob.glob(os.path.join(tempfile.gettempdir(), f"interpbench-*-{pid}-*"))
    return left


def check(exe, scratch, name, argv, code):
    """The failures of one case (empty: passed)."""
    before = set(os.listdir(scratch))
    try:
        p = subprocess.Popen([exe] + argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             stdin=subprocess.DEVNULL, cwd=scratch)
        out, err = p.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        return [f"still running after {TIMEOUT_S} s (the input was accepted?)"]
    problems = []
    text = err.decode("utf-8", "replace")
    lines = text.splitlines()
    if p.returncode < 0:
        problems.append(f"killed by signal {-p.returncode}")
    elif p.returncode != code:
        problems.append(f"exit {p.returncode}, expected {code}")
    if len(lines) != 1:
        problems.append(f"{len(lines)} lines on stderr")
    if not lines or not lines[0].startswith("interpbench: "):
        problems.append("stderr does not start with 'interpbench: '")
    for bad in ("Traceback", "terminate called", "what():", "Aborted", "json.exception", "UBSan",
                "runtime error:", "AddressSanitizer"):
        if bad in text:
            problems.append(f"stderr holds {bad!r}")
    if code == 2 and out:
        problems.append(f"{len(out)} bytes on stdout")
    after = set(os.listdir(scratch))
    new = sorted(after - before)
    if new:
        problems.append(f"left in its directory: {new}")
        for n in new:
            path = os.path.join(scratch, n)
            shutil.rmtree(path) if os.path.isdir(path) and not os.path.islink(path) else os.remove(path)
    left = leftovers(p.pid)
    if left:
        problems.append(f"left behind: {left}")
    if problems:
        problems.append("stderr: " + " | ".join(lines[:3]))
    return problems


def main():
    exe, fixtures = sys.argv[1], sys.argv[2]
    scratch = tempfile.mkdtemp(prefix="bad_input_corpus_")
    try:
        all_cases = cases(scratch, fixtures)
        passed = failed = disabled = 0
        for name, argv, code in all_cases:
            problems = check(exe, scratch, name, argv, code)
            reason = DISABLED.get(name)
            if reason is not None:
                disabled += 1
                state = "passes now (enable it)" if not problems else "fails as expected"
                print(f"DISABLED {name}: {state}; {reason}")
                continue
            if problems:
                failed += 1
                print(f"FAILED {name}: {'; '.join(problems)}")
            else:
                passed += 1
        print(f"bad input corpus: {len(all_cases)} cases, {passed} passed, {failed} failed, "
              f"{disabled} disabled")
        return 1 if failed else 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
