"""The include layering of docs/design.md ("Layers"), checked on every C++ file.

    core/      includes core/ only
    platform/  core/, platform/
    backends/  core/, platform/, backends/
    reports/   core/, platform/, reports/
    runners/   all of the above: the CLI hands runs to the reporters

Usage: layering_check.py ROOT       exit 1 listing each include that crosses a layer the wrong way
       layering_check.py --self-test  plants a wrong-way include in a scratch tree: must be caught
"""
import os
import re
import sys
import tempfile

ALLOWED = {
    "core": {"core"},
    "platform": {"core", "platform"},
    "backends": {"core", "platform", "backends"},
    "reports": {"core", "platform", "reports"},
    "runners": {"core", "platform", "backends", "reports", "runners"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"/]+)/[^"]*"')


def violations(root):
    found = []
    for layer, allowed in ALLOWED.items():
        for dirpath, _, files in os.walk(os.path.join(root, layer)):
            for name in sorted(files):
                if not name.endswith((".h", ".cc")):
                    continue
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8", errors="replace") as f:
                    for number, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if m and m.group(1) in ALLOWED and m.group(1) not in allowed:
                            found.append(f"{os.path.relpath(path, root)}:{number}: {layer}/ includes "
                                         f"{m.group(1)}/ ({layer}/ may include {', '.join(sorted(allowed))})")
    return found


def self_test():
    with tempfile.TemporaryDirectory(prefix="layering-") as root:
        os.makedirs(os.path.join(root, "core"))
        os.makedirs(os.path.join(root, "reports"))
        with open(os.path.join(root, "core", "statistics.h"), "w") as f:
            f.write('#pragma once\n#include "core/errors.h"\n#include "reports/verdict.h"\n')
        with open(os.path.join(root, "reports", "verdict.cc"), "w") as f:
            f.write('#include "core/statistics.h"\n')
        found = violations(root)
    expected = ["core/statistics.h:3: core/ includes reports/ (core/ may include core)"]
    if found != expected:
        print(f"self-test: expected {expected}, got {found}", file=sys.stderr)
        return 1
    return 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    found = violations(argv[1])
    for v in found:
        print(v, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
