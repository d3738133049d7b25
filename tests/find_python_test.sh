#!/usr/bin/env bash
# scripts/find-python with INTERPBENCH_PYTHON set: accepted, accepted with the 3.11 warning,
# rejected with one line and exit 2 (missing, too old, built without --enable-shared).
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

# wrapper NAME [VERSION] [SHARED]: a python that reports VERSION (major.minor) and Py_ENABLE_SHARED
wrapper() {
  local dir=$tmp/$1; mkdir -p "$dir"
  if [[ -n "${2:-}" ]]; then
    echo "import sys; sys.version_info = (${2%%.*}, ${2##*.}, 0, 'final', 0)" >"$dir/sitecustomize.py"
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

if ((failures)); then exit 1; fi
echo "find-python: all cases behave"
