#!/usr/bin/python3
"""Renders interpbench runs into a report a person reads (the package reports/render/).

    render_report.py --out DIR VIEW.json

VIEW.json: {"runs": [...]}, the run reports with the labels and figures C++ gives them
(reports/report_view.h), written by `interpbench report` (reports/report_command.cc).

Writes DIR/index.html (self-contained: CSS inline, plots beside it as relative links, opens from
disk without network), DIR/report.md, and a PNG + SVG per plot. Several runs overlay in each
plot, labelled by run. A plot whose data is absent from every run is still written, showing
"no data for ... in this run", and the HTML says so.

Run by `interpbench report` with Debian's python3 (python3-matplotlib), not the embedded Python.
Input has been validated by the C++ side (load_report); the script trusts the schema.
Output is deterministic: Agg backend, fixed svg.hashsalt, no dates in the file metadata.
"""
import argparse
import copy
import os
import sys

try:
    import matplotlib
    matplotlib.use("Agg")
except ImportError as e:  # exit 3: the C++ side names the fix
    print(f"matplotlib is not available for {sys.executable}: {e}; "
          "install python3-matplotlib (scripts/setup)", file=sys.stderr)
    sys.exit(3)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # -I leaves the script's dir out
from render.html import write_html  # noqa: E402
from render.markdown import write_markdown  # noqa: E402
from render.model import load_runs  # noqa: E402
from render.plots import PLOTTERS  # noqa: E402


# A plot with thousands of series is unreadable, and its legend makes matplotlib's image too large
# to draw (a 6,120-row run: "image 69410 px too large"). Plots show a run's first rows; the tables
# and results.csv keep every row.
MAX_PLOTTED_ROWS = 40


def capped_for_plots(run):
    """(the run with only its first MAX_PLOTTED_ROWS rows' results, its number of rows)."""
    names = list(dict.fromkeys(r["row"] for r in run.results))
    if len(names) <= MAX_PLOTTED_ROWS:
        return run, len(names)
    keep = set(names[:MAX_PLOTTED_ROWS])
    capped = copy.copy(run)
    capped.results = [r for r in run.results if r["row"] in keep]
    return capped, len(names)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="output directory (created)")
    ap.add_argument("view", help="the report view (interpbench report writes it)")
    args = ap.parse_args(argv)
    try:
        runs = load_runs(args.view)
    except (OSError, ValueError, KeyError) as e:
        print(f"{args.view}: {e}", file=sys.stderr)
        return 2
    os.makedirs(args.out, exist_ok=True)
    capped = [capped_for_plots(run) for run in runs]
    plots = [plotter([run for run, _ in capped], args.out) for plotter in PLOTTERS]
    for run, (_, rows) in zip(runs, capped):
        if rows > MAX_PLOTTED_ROWS:
            note = (f"the plots show the first {MAX_PLOTTED_ROWS} of the {rows} rows of "
                    f"{run.label or 'the run'}; the tables and results.csv hold every row")
            print(f"note: {note}", file=sys.stderr)
            for p in plots:
                p.notes.append(note)
    write_html(runs, plots, args.out)
    write_markdown(runs, plots, args.out)
    for p in plots:
        if not p.has_data:
            print(f"note: no data for {p.what}; {p.key}.png says so", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
