"""The applications' scaling (workloads/apps.py): a panel per application, speedup over one
worker vs workers, a line per row. Strong scaling: the same tasks shared by N workers, so
speedup = tasks/s at N / tasks/s at 1, and a row that holds one GIL stays near 1x."""
import math

import matplotlib.ticker

from render.model import APP_WORKLOADS, num
from render.plot_frame import (RUN_MARKERS, Plot, finish_with_legend_room, gid, new_figure,
                               no_data, row_colour, row_style, row_suffix, run_colour)


def application_series(run):
    """{app: {(row, kind): {workers: mean tasks/s}}} of one run."""
    out = {}
    for w in APP_WORKLOADS:
        for r in run.of("task_throughput", workload=w):
            app = r["params"].get("app")
            n = num(r["params"], "workers")
            if not isinstance(app, str) or n is None:
                continue
            out.setdefault(app, {}).setdefault((r["row"], r["kind"]), {})[n] = \
                r["summary"].get("mean", 0)
    return out


def plot_applications(runs, out_dir):
    p = Plot("applications", "Applications: speedup vs workers (strong scaling)", "applications")
    per_run = [application_series(run) for run in runs]
    apps = []
    for series in per_run:
        apps += [a for a in series if a not in apps]
    for run, series in zip(runs, per_run):
        if not series:
            p.missing.append(run.label)
    if not apps:
        fig = new_figure(8.5, 5.2)
        no_data(fig, p, runs)
        finish_with_legend_room(fig, p, runs, out_dir)
        return p
    p.has_data = True
    ncols = min(4, len(apps))
    nrows = math.ceil(len(apps) / ncols)
    fig = new_figure(3.6 * ncols + 2.2, 3.1 * nrows + 0.6)
    handles = {}
    cores = {run.env.get("num_cpus") for run in runs if run.env.get("num_cpus")}
    for i, app in enumerate(apps):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        top = 1
        for ri, (run, series) in enumerate(zip(runs, per_run)):
            for (row, kind), thr in (series.get(app) or {}).items():
                if not thr.get(1):
                    continue
                ws = sorted(thr)
                top = max(top, ws[-1])
                label = row + row_suffix(runs, run)
                (line,) = ax.plot(ws, [thr[w] / thr[1] for w in ws], row_style(kind),
                                  color=run_colour(row_colour(row), ri),
                                  marker=RUN_MARKERS[ri % len(RUN_MARKERS)], markersize=4, lw=1.4,
                                  label=label, gid=gid(label, app))
                handles.setdefault(label, line)
        ideal = list(range(1, int(top) + 1))
        ax.plot(ideal, ideal, color="black", lw=0.8, alpha=0.5)
        for c in sorted(cores):
            ax.axvline(c, color="#999999", lw=0.8, ls="-.")
        ax.set_title(app, fontsize=11)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.set_xlim(left=0.8)
        ax.set_ylim(bottom=0)
        ax.tick_params(labelsize=8)
        if i % ncols == 0:
            ax.set_ylabel("speedup over 1 worker (x)", fontsize=9)
        if i >= len(apps) - ncols:
            ax.set_xlabel("workers", fontsize=9)
    fig.suptitle("Applications on the standard library's sources: tasks/s at N / tasks/s at 1 "
                 "(the same tasks shared by N workers; black: ideal)", fontsize=11)
    fig.legend(list(handles.values()), list(handles), loc="upper right", fontsize=8)
    p.notes.append("Rows that hold one GIL stay near 1x unless the work releases it (compress: "
                   "zlib and hashlib; sqlite: statements); dash-dot: the number of cores.")
    finish_with_legend_room(fig, p, runs, out_dir)
    return p
