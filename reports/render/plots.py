"""The eight plots: round trip, throughput, object-graph costs, startup, memory, scaling, the
task farm's crossover map (crossover.py) and the applications' scaling (applications.py). Every plotted series carries gid "series:<its legend label>", so a
test reads from the SVG which rows each plot shows and how many points each has."""
import math

import matplotlib
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from render.crossover import plot_crossover
from render.applications import plot_applications
from render.model import APP_WORKLOADS, num, start_method
from render.plot_frame import (RUN_MARKERS, Plot, bar_colour, bar_hatch, finish,
                               finish_with_legend_room, gid, legend_below_or_beside, new_figure,
                               no_data, param_texts, row_colour, row_style, row_suffix, run_colour,
                               series_label, size_ticks, time_scale, tint, variant_styles)


def plot_round_trip(runs, out_dir):
    p = Plot("round_trip", "Round trip vs message size (p50, band to p99)", "round trips")
    fig = new_figure(8.5, 5.2)
    ax = fig.add_subplot(1, 1, 1)
    series = []
    for ri, run in enumerate(runs):
        rows = {}
        for r in run.of("round_trip"):
            size = num(r["params"], "size_bytes", "payload_bytes")
            if size is None:
                continue
            rows.setdefault((series_label(r, size), r["row"], r["kind"]), []).append(
                (size, r["summary"]))
        if not rows:
            p.missing.append(run.label)
        for (label, row, kind), pts in rows.items():
            pts.sort(key=lambda t: t[0])
            series.append((ri, run, label, row, kind, pts))
    if not series:
        no_data(fig, p, runs)
    else:
        p.has_data = True
        unit, f = time_scale([s.get("p99", 0) for *_, pts in series for _, s in pts])
        styles = variant_styles(dict.fromkeys((label, row, kind) for _, _, label, row, kind, _ in series))
        for ri, run, label, row, kind, pts in series:
            xs = [x for x, _ in pts]
            p50 = [s.get("p50", s.get("median", 0)) / f for _, s in pts]
            p99 = [s.get("p99", 0) / f for _, s in pts]
            c, ls = styles[(label, row, kind)]
            c = run_colour(c, ri)
            ax.plot(xs, p50, linestyle=ls, color=c, marker=RUN_MARKERS[ri % len(RUN_MARKERS)],
                    markersize=4, label=label + row_suffix(runs, run), lw=1.6,
                    gid=gid(label + row_suffix(runs, run)))
            # The p99 edge as a thin line: many overlapping translucent bands alone turn to mud,
            # and with several runs overlaid even the bands do, so then only the edge is drawn.
            if len(runs) == 1:
                ax.fill_between(xs, p50, p99, color=c, alpha=0.07, lw=0)
            ax.plot(xs, p99, linestyle=ls, color=c, lw=0.6, alpha=0.6)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        sizes = {x for *_, pts in series for x, _ in pts}
        size_ticks(ax.xaxis, param_texts(runs, sizes, "size_bytes", "payload_bytes"))
        ax.set_xlabel("message size (bytes, log scale)")
        ax.set_ylabel(f"round trip ({unit}, log scale)")
        if len(series) > 8:  # the legend goes beside the axes: make room for it
            fig.set_size_inches(11.5, 5.4)
        ax.set_title(("Round trip vs message size: p50 line, shaded up to p99\n" if len(runs) == 1
                      else "Round trip vs message size: p50 (thick), p99 (thin)\n")
                     + "(driver sends, worker echoes; driver clock; lower is better)")
        legend_below_or_beside(ax, len(series))
    finish(fig, p, runs, out_dir)
    return p


def throughput_points(run):
    """(row, kind, size, B/s) from throughput results, else from one_way results' throughput."""
    pts = []
    for r in run.of("throughput"):
        size = num(r["params"], "size_bytes", "payload_bytes")
        if size is None or r.get("unit") != "B/s":
            continue
        s = r["summary"]
        pts.append((series_label(r, size), r["row"], r["kind"], size,
                    s.get("median", s.get("mean", 0))))
    if pts:
        return pts
    for r in run.of("one_way"):
        size = num(r["params"], "size_bytes", "payload_bytes")
        t = r.get("throughput")
        if size is None or not t:
            continue
        pts.append((series_label(r, size), r["row"], r["kind"], size,
                    t.get("median", t.get("mean", 0))))
    return pts


def plot_throughput(runs, out_dir):
    p = Plot("throughput", "One-way throughput vs message size", "throughput")
    fig = new_figure(8.5, 5.2)
    ax = fig.add_subplot(1, 1, 1)
    n = 0
    all_vals = []
    points = [throughput_points(run) for run in runs]
    styles = variant_styles(dict.fromkeys(t[:3] for pts in points for t in pts))
    for ri, run in enumerate(runs):
        by_row = {}
        for label, row, kind, size, v in points[ri]:
            by_row.setdefault((label, row, kind), []).append((size, v))
        if not by_row:
            p.missing.append(run.label)
        for (label, row, kind), pts in by_row.items():
            pts.sort()
            xs = [x for x, _ in pts]
            ys = [v / 1e6 for _, v in pts]
            all_vals += xs
            c, ls = styles[(label, row, kind)]
            c = run_colour(c, ri)
            ax.plot(xs, ys, linestyle=ls, color=c,
                    marker=RUN_MARKERS[ri % len(RUN_MARKERS)], markersize=4,
                    label=label + row_suffix(runs, run), lw=1.6,
                    gid=gid(label + row_suffix(runs, run)))
            n += 1
    if not n:
        no_data(fig, p, runs)
    else:
        p.has_data = True
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        size_ticks(ax.xaxis, param_texts(runs, set(all_vals), "size_bytes", "payload_bytes"))
        ax.set_xlabel("message size (bytes, log scale)")
        ax.set_ylabel("throughput (MB/s = 10⁶ B/s, median, log scale)")
        ax.set_title("One-way throughput vs message size\n"
                     "(one producer to one consumer; higher is better; py-threading passes "
                     "references, it copies no bytes)", fontsize=10.5)
        if n > 8:
            fig.set_size_inches(11.5, 5.4)
        legend_below_or_beside(ax, n)
    finish(fig, p, runs, out_dir)
    return p


def object_variant(r):
    """(codec, graph, size) of an objects result, from params or from its name."""
    params = r["params"]
    parts = [x for x in r.get("name", "").split("/") if x != r.get("metric")]
    codec = params.get("codec") if isinstance(params.get("codec"), str) else (
        parts[1] if len(parts) > 1 else "?")
    graph = None
    for k in ("graph", "shape", "object", "kind", "type"):
        if isinstance(params.get(k), str):
            graph = params[k]
            break
    if graph is None:
        graph = parts[2] if len(parts) > 2 else ""
    size = num(params, "elements", "items", "count", "n", "size", "length", "size_bytes")
    return codec, graph, size if size is not None else 0


def plot_objects(runs, out_dir):
    p = Plot("objects", "Object-graph cost: encode / transfer / decode", "object-graph costs")
    phases = ["encode", "transfer", "decode"]
    # (graph) -> (codec, row, kind, run index) -> phase -> mean ns, at the largest size
    data = {}
    for ri, run in enumerate(runs):
        found = False
        largest = {}
        rs = run.of(*phases)
        for r in rs:
            codec, graph, size = object_variant(r)
            largest[(codec, graph)] = max(largest.get((codec, graph), 0), size)
        for r in rs:
            codec, graph, size = object_variant(r)
            if size != largest[(codec, graph)]:
                continue
            found = True
            key = (codec, r["row"], r["kind"], ri)
            data.setdefault((graph, size), {}).setdefault(key, {})[r["metric"]] = \
                r["summary"].get("mean", 0)
        if not found:
            p.missing.append(run.label)
    graphs = sorted(data)
    ncols = max(1, min(2, len(graphs)))
    nrows = max(1, math.ceil(len(graphs) / ncols))
    fig = new_figure(6.0 * ncols + 1.8, 3.9 * nrows + 0.9)
    if not graphs:
        no_data(fig, p, runs)
        finish(fig, p, runs, out_dir)
        return p
    p.has_data = True
    unit, f = time_scale([sum(v.values()) for g in graphs for v in data[g].values()])
    # Phases as shades of the row's colour (full, 45% and 75% towards white), outlined in it.
    phase_tint = {"encode": 0.0, "transfer": 0.45, "decode": 0.75}
    rows_seen = {}
    for gi, g in enumerate(graphs):
        ax = fig.add_subplot(nrows, ncols, gi + 1)
        bars = data[g]
        codecs = sorted({k[0] for k in bars})
        members = sorted({k[1:] for k in bars}, key=lambda t: (t[2], t[1] != "backend", t[0]))
        width = 0.8 / max(1, len(members))
        for ci, codec in enumerate(codecs):
            for mi, (row, kind, ri) in enumerate(members):
                phases_ns = bars.get((codec, row, kind, ri))
                if not phases_ns:
                    continue
                x = ci - 0.4 + width * (mi + 0.5)
                bottom = 0
                for ph in phases:
                    v = phases_ns.get(ph, 0) / f
                    ax.bar(x, v, width * 0.92, bottom=bottom,
                           color=tint(bar_colour(row, ri), phase_tint[ph]), hatch=bar_hatch(kind),
                           edgecolor=bar_colour(row, ri), linewidth=0.6,
                           gid=gid(row + row_suffix(runs, runs[ri]), g[0] or "graph", codec, ph))
                    bottom += v
                rows_seen[(row, kind, ri)] = True
        ax.set_xticks(range(len(codecs)))
        long_names = sum(len(c) for c in codecs) > 40
        ax.set_xticklabels(codecs, rotation=20 if long_names else 0,
                           ha="right" if long_names else "center")
        ax.set_xlabel("codec")
        ax.set_ylabel(f"time per message ({unit})")
        graph, size = g
        ax.set_title(f"{graph or 'object graph'}" + (f", {size:g} elements" if size else ""))
        ax.grid(axis="x", visible=False)
    handles = [Patch(facecolor=tint("#555555", phase_tint[ph]), edgecolor="#555555", label=ph)
               for ph in phases]
    handles += [Patch(facecolor=bar_colour(row, ri), hatch=bar_hatch(kind),
                      label=row + row_suffix(runs, runs[ri]))
                for (row, kind, ri) in sorted(rows_seen, key=lambda t: (t[2], t[1] != "backend", t[0]))]
    if len(graphs) < nrows * ncols:  # an empty panel: the legend goes there
        lax = fig.add_subplot(nrows, ncols, len(graphs) + 1)
        lax.set_axis_off()
        lax.legend(handles=handles, loc="center", fontsize=9, ncol=2 if len(handles) > 8 else 1)
    else:
        fig.legend(handles=handles, loc="center right", fontsize=8)
    fig.suptitle("Cost of passing one object graph, split into encode / transfer / decode "
                 "(mean per message; stacked bottom to top; lower is better)", fontsize=10.5)
    finish_with_legend_room(fig, p, runs, out_dir,
                            right=1.0 if len(graphs) < nrows * ncols else 0.84)
    return p


def plot_startup(runs, out_dir):
    p = Plot("startup", "Startup and teardown per row and start method", "startup and teardown")
    entries = {}  # (run index, row, kind, method) -> {metric: summary}
    for ri, run in enumerate(runs):
        rs = run.of("startup", "teardown", exclude=APP_WORKLOADS)
        if not rs:
            p.missing.append(run.label)
        for r in rs:
            key = (ri, r["row"], r["kind"], start_method(r))
            entries.setdefault(key, {})[r["metric"]] = r["summary"]
    fig = new_figure(max(7.5, 1.0 + 0.75 * len(entries)), 5.4)
    ax = fig.add_subplot(1, 1, 1)
    if not entries:
        no_data(fig, p, runs)
        finish(fig, p, runs, out_dir)
        return p
    p.has_data = True
    # Runs of one row side by side, so before/after (or two Pythons) read as neighbours.
    keys = sorted(entries, key=lambda k: ({"backend": 0, "reference": 1}.get(k[2], 2), k[1],
                                          k[3] or "", k[0]))
    unit, f = time_scale([s.get("median", s.get("mean", 0)) for v in entries.values()
                          for s in v.values()])
    labels = []
    for i, key in enumerate(keys):
        ri, row, kind, method = key
        for j, (metric, shade) in enumerate((("startup", 1.0), ("teardown", 0.45))):
            s = entries[key].get(metric)
            if not s:
                continue
            # Median with whiskers from min to max: honest for a handful of samples, and never
            # below zero on the log axis (mean - sigma can be).
            med = s.get("median", s.get("mean", 0))
            lo, hi = s.get("min", med), s.get("max", med)
            ax.bar(i + (j - 0.5) * 0.38, med / f, 0.36,
                   yerr=[[max(0, med - lo) / f], [max(0, hi - med) / f]], capsize=2,
                   color=bar_colour(row, ri), alpha=shade,
                   hatch=bar_hatch(kind), edgecolor="white", linewidth=0.4,
                   error_kw={"elinewidth": 0.8, "ecolor": "#333333"},
                   gid=gid(row + row_suffix(runs, runs[ri]), method or "", metric))
    crowded = len(keys) > 4  # long row names collide side by side
    for ri, row, kind, method in keys:
        # Slanted labels on one line, so neighbours' run labels ([Python 3.13.0]) never overlap.
        sep = " " if crowded else "\n"
        run_label = f"{sep}[{runs[ri].label}]" if len(runs) > 1 and not runs[ri].python_label else ""
        labels.append(row + (f" {method}" if method else "") + run_label)
    ax.set_xticks(range(len(keys)))
    ax.set_xticklabels(labels, rotation=30 if crowded else 0, ha="right" if crowded else "center",
                       rotation_mode="anchor", fontsize=8)
    ax.set_yscale("log")
    bottom, top = ax.get_ylim()
    ax.set_ylim(bottom, top * 10)  # headroom for the legend above the tallest bar
    ax.set_ylabel(f"time ({unit}, median, whiskers min to max, log scale)")
    ax.set_xlabel("row and start method")
    ax.grid(axis="x", visible=False)
    ax.legend(handles=[Patch(facecolor="#555555", alpha=1.0, label="startup: spawn to first message"),
                       Patch(facecolor="#555555", alpha=0.45, label="teardown: close to joined")],
              loc="upper left")
    ax.set_title("Starting one worker and tearing it down, per row and start method\n"
                 "(lower is better; hatched bars are standard-library reference rows)")
    finish(fig, p, runs, out_dir)
    return p


def plot_memory(runs, out_dir):
    p = Plot("memory", "Memory per worker (RSS / PSS / USS) vs workers", "memory")
    metrics = [("memory_rss", "RSS"), ("memory_pss", "PSS"), ("memory_uss", "USS")]
    fig = new_figure(12.5, 4.6)
    axes = [fig.add_subplot(1, 3, i + 1) for i in range(3)]
    n = 0
    handles = {}
    for ri, run in enumerate(runs):
        found = False
        for ax, (metric, label) in zip(axes, metrics):
            by_row = {}
            for r in run.of(metric, exclude=APP_WORKLOADS):
                w = num(r["params"], "workers", "n_workers")
                if w is None:
                    continue
                by_row.setdefault((r["row"], r["kind"]), []).append(
                    (w, r["summary"].get("mean", 0) / 1024.0, r["summary"].get("stddev", 0) / 1024.0))
            for (row, kind), pts in by_row.items():
                pts.sort()
                found = True
                n += 1
                line = ax.errorbar([x for x, _, _ in pts], [y for _, y, _ in pts],
                                   yerr=[e for _, _, e in pts], fmt=row_style(kind),
                                   color=run_colour(row_colour(row), ri),
                                   marker=RUN_MARKERS[ri % len(RUN_MARKERS)],
                                   markersize=4, capsize=2, lw=1.5)
                line.lines[0].set_gid(gid(row + row_suffix(runs, run), label))
                handles[row + row_suffix(runs, run)] = Line2D(
                    [], [], color=run_colour(row_colour(row), ri), linestyle=row_style(kind),
                    marker=RUN_MARKERS[ri % len(RUN_MARKERS)], markersize=4)
        if not found:
            p.missing.append(run.label)
    if not n:
        no_data(fig, p, runs)
        finish(fig, p, runs, out_dir)
        return p
    p.has_data = True
    for ax, (metric, label) in zip(axes, metrics):
        ax.set_xscale("log", base=2)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}"))
        ax.set_xlabel("workers")
        ax.set_ylabel(f"{label} per worker (MiB, mean ± σ)")
        ax.set_title(label)
        ax.set_ylim(bottom=0)
    fig.legend(list(handles.values()), list(handles.keys()), loc="center right", fontsize=8)
    fig.suptitle("Memory per worker vs number of workers (/proc/PID/smaps_rollup; lower is better)\n"
                 "in-process rows (subinterp, thread, py-threading, py-interpreters-poll): "
                 "host-process delta / workers",
                 fontsize=10.5)
    finish_with_legend_room(fig, p, runs, out_dir)
    return p


def plot_scaling(runs, out_dir):
    p = Plot("scaling", "Speedup vs workers (CPU-bound kernel)", "scaling")
    fig = new_figure(8.5, 5.2)
    ax = fig.add_subplot(1, 1, 1)
    n = 0
    top = 1
    cores = set()
    for ri, run in enumerate(runs):
        by_row = {}
        for r in run.of("wall", exclude=APP_WORKLOADS):
            w = num(r["params"], "workers", "n_workers")
            if w is None:
                continue
            by_row.setdefault((r["row"], r["kind"]), {})[w] = r["summary"].get("mean", 0)
        if not by_row:
            p.missing.append(run.label)
        if run.env.get("num_cpus"):
            cores.add(run.env["num_cpus"])
        for (row, kind), walls in by_row.items():
            if 1 not in walls or not walls[1]:
                continue
            ws = sorted(walls)
            # N workers each run the same kernel: speedup = N x wall(1) / wall(N).
            sp = [w * walls[1] / walls[w] if walls[w] else 0 for w in ws]
            top = max(top, max(ws))
            ax.plot(ws, sp, row_style(kind), color=run_colour(row_colour(row), ri),
                    marker=RUN_MARKERS[ri % len(RUN_MARKERS)], markersize=5,
                    label=row + row_suffix(runs, run), lw=1.6, gid=gid(row + row_suffix(runs, run)))
            n += 1
    if not n:
        no_data(fig, p, runs)
    else:
        p.has_data = True
        ideal = list(range(1, int(top) + 1))
        ax.plot(ideal, ideal, color="black", lw=1, alpha=0.6, label="ideal (linear)")
        for c in sorted(cores):
            ax.axvline(c, color="#999999", lw=0.8, ls="-.")
            ax.text(c, 0.02, f"{c} cores ", transform=ax.get_xaxis_transform(), fontsize=8,
                    color="#666666", va="bottom", ha="right")
        ax.set_xlabel("workers")
        ax.set_ylabel("speedup over 1 worker (x)")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.set_xlim(left=0.8)
        ax.set_ylim(bottom=0)
        ax.set_title("Multicore scaling: N workers each running the same CPU-bound kernel\n"
                     "(speedup = N x wall(1) / wall(N); higher is better)")
        legend_below_or_beside(ax, n + 1)
        p.notes.append("Speedup assumes each worker runs the same amount of work "
                       "(weak scaling); rows sharing one GIL stay near 1x.")
    finish(fig, p, runs, out_dir)
    return p


PLOTTERS = [plot_round_trip, plot_throughput, plot_objects, plot_startup, plot_memory,
            plot_scaling, plot_crossover, plot_applications]
