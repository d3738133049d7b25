#!/usr/bin/env bash
# scripts/find-python with INTERPBENCH_PYTHON set: accepted, accepted with the 3.11 warning,
# rejected with one line and exit 2 (missing, too old, built without --enable-shared). Then, over
# a pyenv-like fixture directory ($INTERPBENCH_PYTHON_SEARCH): --all lists the usable ones, a
# version resolves to the newest match, the default is the newest >= 3.12, and scripts/run
# --python refuses a bad choice with one line and exit 2 before building anything.
# Usage: find_python_test.sh SOURCE_DIR PYTHON   (PYTHON: the embedded one, shared libpython)
# The too-old, 3.11 and non-shared pythons are PYTHON behind a wrapper that patches what the
# probe reads (sys.version_info through sitecustomize, the sysconfig data through
# _PYTHON_SYSCONFIGDATA_NAME), so the test needs no other Python installed.
set -uo pipefail
find_python=$1/scripts/find-python
real=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# wrapper NAME [VERSION] [SHARED]: a python that reports VERSION (3.12 or 3.12.4) and
# Py_ENABLE_SHARED; NAME may be a path below the temporary directory.
wrapper() {
  local dir=$tmp/$1; mkdir -p "$dir"
  if [[ -n "${2:-}" ]]; then
    local v=$2; [[ "$v" == *.*.* ]] || v=$v.0
    echo "import sys; sys.version_info = (${v//./, }, 'final', 0)" >"$dir/sitecustomize.py"
  fi
  local sysconfig_env=""
  if [[ -n "${3:-}" ]]; then
    echo "build_time_vars = {'Py_ENABLE_SHARED': $3}" >"$dir/_fake_sysconfigdata.py"
    sysconfig_env="_PYTHON_SYSCONFIGDATA_NAME=_fake_sysconfigdata"
  fi
  printf '#!/bin/sh\nPYTHONPATH=%s %s exec %s "$@"\n' "$dir" "$sysconfig_env" "$real" >"$dir/python3"
  chmod +x "$dir/python3"
  echo "$dir/python3"
}

# run PYTHON: sets rc, out, err
run() {
  out=$(INTERPBENCH_PYTHON=$1 "$find_python" 2>"$tmp/err"); rc=$?
  err=$(cat "$tmp/err")
}
expect_rejected() {  # PYTHON WORD-IN-MESSAGE
  run "$1"
  [[ $rc -eq 2 ]] || fail "$1: exit $rc, expected 2"
  [[ -z "$out" ]] || fail "$1: printed '$out' on stdout"
  [[ $(wc -l <<<"$err") -eq 1 && -n "$err" ]] || fail "$1: stderr is not one line: '$err'"
  [[ "$err" == *"$2"* ]] || fail "$1: stderr '$err' does not mention '$2'"
}

run "$real"
[[ $rc -eq 0 && -x "$out" ]] || fail "the embedded python: exit $rc, stdout '$out'"

expect_rejected "$tmp/missing/python3" "not an executable"
expect_rejected "$(wrapper old 3.10)" "Python 3.10"
expect_rejected "$(wrapper static "" 0)" "--enable-shared"

run "$(wrapper py311 3.11)"
[[ $rc -eq 0 && -x "$out" ]] || fail "3.11: exit $rc, stdout '$out'"
[[ "$err" == *"share one GIL"* ]] || fail "3.11: no shared-GIL warning on stderr: '$err'"

run "$(wrapper py313 3.13)"
[[ $rc -eq 0 && -z "$err" ]] || fail "3.13: exit $rc, stderr '$err'"

# A pyenv-like tree: three usable minors (two patch versions of 3.12), one too old, one static.
for v in 3.10.13 3.11.7 3.12.1 3.12.4 3.13.0; do wrapper "versions/$v/bin" "$v" >/dev/null; done
wrapper versions/3.12.9-static/bin 3.12.9 0 >/dev/null
export INTERPBENCH_PYTHON_SEARCH="$tmp/versions/*/bin/python3"
unset INTERPBENCH_PYTHON
listing=$("$find_python" --all 2>"$tmp/err"); rc=$?
expected=$(printf '%s\n' "3.11.7 $tmp/versions/3.11.7/bin/python3" "3.12.1 $tmp/versions/3.12.1/bin/python3" \
                         "3.12.4 $tmp/versions/3.12.4/bin/python3" "3.13.0 $tmp/versions/3.13.0/bin/python3")
[[ $rc -eq 0 && "$listing" == "$expected" ]] || fail "--all: exit $rc, listed '$listing', expected '$expected'"

resolves() {  # SPEC EXPECTED-VERSION-DIR
  out=$("$find_python" "$1" 2>"$tmp/err"); rc=$?
  [[ $rc -eq 0 && "$out" == "$tmp/versions/$2/bin/python3" ]] || fail "'$1': exit $rc, got '$out', expected $2"
}
resolves 3.12 3.12.4     # the newest 3.12.x
resolves 3.12.1 3.12.1   # exactly that one
resolves 3.13 3.13.0
resolves 3.11 3.11.7
grep -q "share one GIL" "$tmp/err" || fail "'3.11': no shared-GIL warning: $(cat "$tmp/err")"
out=$("$find_python" 2>"$tmp/err"); rc=$?
[[ $rc -eq 0 && "$out" == "$tmp/versions/3.13.0/bin/python3" ]] || fail "default: exit $rc, got '$out'"
out=$("$find_python" --tag "$tmp/versions/3.12.1/bin/python3"); [[ "$out" == 3.12* ]] || fail "--tag: '$out'"

refused() {  # COMMAND... : exit 2, nothing on stdout, one line on stderr
  out=$("$@" 2>"$tmp/err"); rc=$?
  err=$(cat "$tmp/err")
  [[ $rc -eq 2 ]] || fail "$*: exit $rc, expected 2"
  [[ -z "$out" ]] || fail "$*: printed '$out' on stdout"
  [[ $(wc -l <<<"$err") -eq 1 && -n "$err" ]] || fail "$*: stderr is not one line: '$err'"
}
refused "$find_python" 3.10          # too old: not among the usable ones
refused "$find_python" 3.14
refused "$find_python" bogus
[[ "$err" == *"'bogus'"* ]] || fail "bogus: the message does not name it: '$err'"
# scripts/run resolves every --python before it installs or builds anything.
run_script=$1/scripts/run
refused "$run_script" --python bogus
refused "$run_script" --python 3.12,3.10
[[ "$err" == *"3.10"* ]] || fail "scripts/run --python 3.12,3.10: the message does not name 3.10: '$err'"
refused "$run_script" --python
refused "$run_script" --python 3.12,,3.13

if ((failures)); then exit 1; fi
echo "find-python: all cases behave"
