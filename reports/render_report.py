#!/usr/bin/python3
"""Renders interpbench run JSON files (docs/json-schema.md) into a report a person reads.

    render_report.py --out DIR RUN.json [RUN2.json ...]

Writes DIR/index.html (self-contained: CSS inline, plots beside it as relative links, opens from
disk without network), DIR/report.md, and a PNG + SVG per plot. Several runs overlay in each
plot, labelled by run. A plot whose data is absent from every run is still written, showing
"no data for ... in this run", and the HTML says so.

Run by `interpbench report` with Debian's python3 (python3-matplotlib), not the embedded Python.
Input has been validated by the C++ side (load_report); this script trusts the schema.
Output is deterministic: Agg backend, fixed svg.hashsalt, no dates in the file metadata.
"""
import argparse
import html
import json
import math
import os
import textwrap
import sys

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
except ImportError as e:  # exit 3: the C++ side names the fix
    print(f"matplotlib is not available for {sys.executable}: {e}; "
          "install python3-matplotlib (scripts/setup)", file=sys.stderr)
    sys.exit(3)

plt.rcParams.update({
    "svg.hashsalt": "interpbench",   # stable ids in the SVG
    "svg.fonttype": "none",          # text stays text: smaller, searchable SVG
    "figure.dpi": 100,
    "savefig.dpi": 110,
    "font.size": 9.5,
    "axes.titlesize": 11,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.fontsize": 8,
    "legend.framealpha": 0.85,
})
PNG_METADATA = {"Software": None}
SVG_METADATA = {"Date": None, "Creator": None}

# One colour per row name across every plot and run, so a backend is recognisable everywhere.
ROW_COLOURS = {
    "subinterp": "#1f77b4", "subprocess": "#d62728", "thread": "#2ca02c",
    "py-threading": "#9467bd", "py-interpreters": "#17becf", "py-multiprocessing-fork": "#ff7f0e",
    "py-multiprocessing-forkserver": "#8c564b", "py-multiprocessing-spawn": "#e377c2",
    "floor": "#7f7f7f", "memcpy": "#000000",
}
FALLBACK_COLOURS = ["#bcbd22", "#393b79", "#843c39", "#637939", "#7b4173", "#3182bd"]
RUN_MARKERS = ["o", "s", "^", "D", "v", "P"]


def row_colour(row, _cache={}):
    # "subinterp (shared GIL: Python 3.11)", "subinterp · 3.12": the subinterp family
    row = row.split(" (")[0].split(" · ")[0]
    if row in ROW_COLOURS:
        return ROW_COLOURS[row]
    if row not in _cache:
        # py-multiprocessing-fork / -forkserver / -spawn and other rows: stable order of arrival.
        _cache[row] = FALLBACK_COLOURS[len(_cache) % len(FALLBACK_COLOURS)]
    return _cache[row]


def tint(colour, amount):
    """`colour` moved `amount` (0..1) of the way to white."""
    r, g, b = matplotlib.colors.to_rgb(colour)
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)


def shade(colour, amount):
    """`colour` moved `amount` (0..1) of the way to black."""
    r, g, b = matplotlib.colors.to_rgb(colour)
    return (r * (1 - amount), g * (1 - amount), b * (1 - amount))


def run_colour(colour, ri):
    """Overlaid runs: the first in the row's colour, the others lighter or darker, plus their own
    marker, so that before/after read as one family of lines."""
    if ri == 0:
        return colour
    return tint(colour, 0.45) if ri % 2 else shade(colour, 0.35)


def bar_colour(row, ri):
    """Bars of overlaid runs: darker per run (lighter tints already mean a phase)."""
    return row_colour(row) if ri == 0 else shade(row_colour(row), min(0.3 * ri, 0.7))


def row_style(kind):
    """Backends solid, reference rows dashed, the C++ floor dotted."""
    return {"reference": "--", "floor": ":"}.get(kind, "-")


def bar_hatch(kind):
    return {"reference": "//", "floor": ".."}.get(kind, None)


# ---------------------------------------------------------------------------------------------
# Input

def shared_gil_reason(row):
    """Why a subinterp row's subinterpreters share one GIL: "Python 3.11" (no per-interpreter GIL),
    "--gil shared" (subinterp-shared), "--config legacy" (subinterp-legacy) or "--shared-gil" (a
    subinterp row from before the modes had names); "" otherwise. The rule of
    reports/shared_gil.cc."""
    name = str(row.get("row") or "")
    if not name.startswith("subinterp") or row.get("gil") != "shared":
        return ""
    try:
        major, minor = (int(x) for x in str(row.get("python") or "").split(".")[:2])
        if (major, minor) < (3, 12):
            return f"Python {major}.{minor}"
    except ValueError:
        pass
    return {"subinterp-shared": "--gil shared", "subinterp-legacy": "--config legacy"}.get(
        name, "--shared-gil")


def display_row(row, python_label=""):
    """The row's name, plus " · 3.12" when runs of several Pythons share the report (python_label,
    the rule of reports/python_label.cc), plus "(shared GIL: ...)" for a `subinterp` row whose
    subinterpreters share one GIL: their figures are not those of own-GIL subinterpreters and must
    not read as such (subinterp-shared and subinterp-legacy say it in their names)."""
    why = shared_gil_reason(row)
    name = row.get("row", "?")
    return (name + (f" · {python_label}" if python_label else "")
            + (f" (shared GIL: {why})" if why and name == "subinterp" else ""))


class Run:
    def __init__(self, path, doc):
        self.path = path
        self.doc = doc
        ib = doc.get("interpbench", {})
        self.ib = ib
        self.env = ib.get("environment", {}) or {}
        self.rows = ib.get("rows", []) or []
        self.label = os.path.basename(path)
        self.python_label = ""  # "3.12" when the report's runs differ in Python (label_runs)
        # "subinterp-legacy: --config legacy": the row named, so that a run whose only shared-GIL
        # rows are the extcompat matrix's subinterp-legacy does not read as if subinterp were.
        self.shared_gil = sorted({f"{row.get('row')}: {shared_gil_reason(row)}" for row in self.rows
                                  if shared_gil_reason(row)})
        # Flat list of results with their row's identity attached.
        self.results = []
        for row in self.rows:
            for r in row.get("results", []) or []:
                item = dict(r)
                item["row"] = display_row(row)
                item["row_in_run"] = item["row"]  # without " · 3.12": where the run is named already
                item["row_doc"] = row
                item["kind"] = row.get("kind", "backend")
                item["workload"] = row.get("workload", "?")
                item["params"] = r.get("params") or {}
                item["summary"] = r.get("summary") or {}
                self.results.append(item)

    def python_version(self):
        """ "3.13.0", without sys.version's build date and compiler."""
        py = self.env.get("python") or {}
        v = py.get("version_info")
        if isinstance(v, list):
            v = ".".join(str(x) for x in v[:3])
        if not isinstance(v, str) or not v:
            v = str(py.get("version") or "").split(" ")[0]
        if not v:
            v = next((str(row["python"]) for row in self.rows if row.get("python")), "")
        # A free-threaded build is another Python, not a variant of the same one.
        return v + ("t" if v and py.get("gil_disabled") else "")

    def python_build(self):
        """ "Python 3.13.0 (--enable-shared, release, no PGO, no LTO, GIL)" """
        py = self.env.get("python") or {}
        flags = py.get("build_flags")
        if not flags:  # a run JSON from before build_flags existed
            flags = ", ".join(x for x in ("debug" if py.get("debug") else "",
                                          "free-threaded" if py.get("gil_disabled") else "") if x)
        return f"Python {self.python_version() or '?'}" + (f" ({flags})" if flags else "")

    def of(self, *metrics):
        return [r for r in self.results if r.get("metric") in metrics]

    def caption(self):
        e = self.env
        py = e.get("python") or {}
        kern = e.get("kernel") or {}
        virt = e.get("virtualization") or {}
        ibv = e.get("interpbench") or {}
        parts = [
            f"{e.get('host_name', '?')}",
            f"{e.get('cpu_model', '?')} x{e.get('num_cpus', '?')}",
            f"{kern.get('sysname', '')} {kern.get('release', '')}".strip(),
            self.python_build(),
            # The commit too: overlaid runs of different builds differ by code, not only Python.
            f"interpbench {ibv.get('version', '?')} {ibv.get('build_type', '')} "
            f"{str(ibv.get('git_commit') or '')[:7]}".strip(),
            f"suite {self.ib.get('options', {}).get('suite', '?')}",
            f"{e.get('date', '')[:16].replace('T', ' ')}",
        ]
        if self.shared_gil:
            parts.append(f"one shared GIL in {', '.join(self.shared_gil)}")
        if virt.get("detected"):
            parts.append(f"VM: {virt.get('what') or 'yes'}")
        if e.get("cpu_governor") not in (None, "performance"):
            parts.append(f"governor {e.get('cpu_governor')}")
        return " | ".join(p for p in parts if p)


def major_minor(version):
    """ "3.12.1" -> "3.12", "3.13.0t" -> "3.13t" """
    parts = version.split(".")
    return ".".join(parts[:2]) + ("t" if version.endswith("t") and len(parts) > 2 else "")


def python_labels(runs):
    """One label per run, the rule of reports/python_label.cc: all "" unless the runs differ in
    Python version; else each run's major.minor, or its full version when two runs of different
    versions share a major.minor."""
    versions = [r.python_version() for r in runs]
    distinct = set(versions)
    if len(distinct) < 2 or "" in distinct:
        return [""] * len(runs)
    full = len({major_minor(v) for v in distinct}) < len(distinct)
    return [v if full else major_minor(v) for v in versions]


def label_runs(runs):
    """Label runs by Python version (and --shared-gil) when that tells them apart, else by file
    name; rows of runs that differ in Python carry it too ("subinterp · 3.12")."""
    for r, pl in zip(runs, python_labels(runs)):
        r.python_label = pl
        for item in r.results:
            item["row"] = display_row(item["row_doc"], pl)
    versions = [r.python_version() for r in runs]
    labels = [f"Python {v}" + (" --shared-gil" if "--shared-gil" in r.shared_gil else "")
              for r, v in zip(runs, versions)]
    if len(runs) > 1 and all(versions) and len(set(labels)) == len(runs):
        for r, label in zip(runs, labels):
            r.label = label
    elif len(runs) > 1:
        stems = [os.path.splitext(os.path.basename(r.path))[0] for r in runs]
        if len(set(stems)) < len(stems):
            stems = [f"run {i + 1}: {s}" for i, s in enumerate(stems)]
        for r, s in zip(runs, stems):
            r.label = s


# ---------------------------------------------------------------------------------------------
# Units

def fmt_bytes(n, _pos=None):
    n = float(n)
    for unit, f in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= f:
            v = n / f
            return f"{v:.0f} {unit}" if v == int(v) else f"{v:.3g} {unit}"
    return f"{n:.0f} B"


def time_scale(values_ns):
    """Pick one display unit for a set of nanosecond figures."""
    finite = [v for v in values_ns if v and v > 0 and math.isfinite(v)]
    top = max(finite) if finite else 1
    for unit, f in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if top >= f * 2:
            return unit, f
    return "ns", 1.0


def fmt_time(ns):
    for unit, f in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if abs(ns) >= f:
            return f"{ns / f:.3g} {unit}"
    return f"{ns:.3g} ns"


def fmt_value(v, unit):
    if unit == "ns":
        return fmt_time(v)
    if unit == "KiB":
        return fmt_bytes(v * 1024)
    if unit == "B/s":
        for u, f in (("GB/s", 1e9), ("MB/s", 1e6), ("kB/s", 1e3)):
            if abs(v) >= f:
                return f"{v / f:.3g} {u}"
        return f"{v:.3g} B/s"
    if unit == "items/s":
        for u, f in (("M/s", 1e6), ("k/s", 1e3)):
            if abs(v) >= f:
                return f"{v / f:.3g} {u}"
        return f"{v:.3g} /s"
    return f"{v:.3g} {unit}"


def num(params, *keys):
    for k in keys:
        v = params.get(k)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return v
    return None


def series_label(r, size):
    """Row name plus what else tells a result's series apart, e.g. the floor's "shm" variant of
    pingpong/8/shm; the workload and the size are left out."""
    parts = r.get("name", "").split("/")[1:]
    rest = [x for x in parts if x not in (str(size), r.get("metric"))]
    return r["row"] + (f" ({'/'.join(rest)})" if rest else "")


def variant_styles(series_keys):
    """(colour, linestyle) per (label, row, kind): a row's first series in its colour and style,
    its other variants (the floor's "shm" next to its in-process ring) darker and dash-dotted."""
    out, seen = {}, {}
    for label, row, kind in series_keys:
        k = seen.get(row, 0)
        seen[row] = k + 1
        colour = row_colour(row) if k == 0 else shade(row_colour(row), min(0.3 * k, 0.7))
        out[(label, row, kind)] = (colour, row_style(kind) if k == 0 else "-.")
    return out


def size_ticks(axis, sizes):
    """Ticks at the sizes measured (when few), labelled in bytes."""
    sizes = sorted(set(sizes))
    if 0 < len(sizes) <= 9:
        axis.set_ticks(sizes)
    log_bytes_axis(axis)


def start_method(r):
    p = r["params"]
    for k in ("method", "start_method"):
        if isinstance(p.get(k), str):
            return p[k]
    return None


# ---------------------------------------------------------------------------------------------
# Figure helpers

class Plot:
    """One figure: what it shows, and whether the runs had data for it."""

    def __init__(self, key, title, what):
        self.key = key
        self.title = title
        self.what = what          # "round trips", used in the no-data message
        self.missing = []         # run labels without data
        self.has_data = False
        self.notes = []           # extra lines under the plot in the HTML


def new_figure(width=8.0, height=4.8):
    return plt.figure(figsize=(width, height))


def put_caption(fig, runs):
    """Each run's environment line at the foot of the figure, wrapped by hand (7 pt text: about 17
    characters per inch) so that the bottom margin fits it; returns its number of lines."""
    caption = "\n".join(f"{r.label}: {r.caption()}" if len(runs) > 1 else r.caption()
                        for r in runs)
    width_chars = max(60, int(fig.get_figwidth() * 17))
    caption = "\n".join(textwrap.fill(line, width_chars) for line in caption.split("\n"))
    fig.text(0.01, 0.005, caption, fontsize=7, color="#555555", va="bottom", ha="left")
    return caption.count("\n") + 1


def finish(fig, plot, runs, out_dir):
    n_lines = put_caption(fig, runs)
    bottom = 0.035 + 0.03 * n_lines
    # A legend beside the axes (long labels of overlaid runs: "subinterp [Python 3.13.0]") must
    # not squeeze the axes and their title: widen the figure by what sticks out.
    fig.canvas.draw()
    overflow = max([0.0] + [(ax.get_legend().get_window_extent().x1 - fig.bbox.x1) / fig.dpi
                            for ax in fig.axes if ax.get_legend() is not None])
    if overflow > 0:
        fig.set_figwidth(fig.get_figwidth() + overflow + 0.15)
    fig.tight_layout(rect=(0, bottom, 1, 1))
    fig.savefig(os.path.join(out_dir, plot.key + ".png"), metadata=PNG_METADATA)
    fig.savefig(os.path.join(out_dir, plot.key + ".svg"), metadata=SVG_METADATA)
    plt.close(fig)


def no_data(fig, plot, runs):
    fig.clf()
    ax = fig.add_subplot(1, 1, 1)
    ax.set_axis_off()
    ax.set_title(plot.title)
    ax.text(0.5, 0.5, f"no data for {plot.what} in this run"
            + ("" if len(runs) == 1 else "s"),
            ha="center", va="center", fontsize=14, color="#888888", transform=ax.transAxes)


def log_bytes_axis(axis):
    axis.set_major_formatter(FuncFormatter(fmt_bytes))
    axis.set_minor_formatter(NullFormatter())


def legend_below_or_beside(ax, n_entries):
    if n_entries > 8:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    elif n_entries:
        ax.legend(loc="best")


def run_suffix(runs, run):
    return f" [{run.label}]" if len(runs) > 1 else ""


def row_suffix(runs, run):
    """What a legend entry adds to a row's name to tell overlaid runs apart: nothing when the rows
    already name their Python ("subinterp · 3.12"), else the run's label."""
    return "" if run.python_label else run_suffix(runs, run)


# ---------------------------------------------------------------------------------------------
# The seven plots

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
                    markersize=4, label=label + row_suffix(runs, run), lw=1.6)
            # The p99 edge as a thin line: many overlapping translucent bands alone turn to mud,
            # and with several runs overlaid even the bands do, so then only the edge is drawn.
            if len(runs) == 1:
                ax.fill_between(xs, p50, p99, color=c, alpha=0.07, lw=0)
            ax.plot(xs, p99, linestyle=ls, color=c, lw=0.6, alpha=0.6)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        size_ticks(ax.xaxis, [x for *_, pts in series for x, _ in pts])
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
                    label=label + row_suffix(runs, run), lw=1.6)
            n += 1
    if not n:
        no_data(fig, p, runs)
    else:
        p.has_data = True
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        size_ticks(ax.xaxis, all_vals)
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
                           edgecolor=bar_colour(row, ri), linewidth=0.6)
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


def finish_with_legend_room(fig, p, runs, out_dir, right=0.84):
    """finish() for figures whose legend sits at the right edge of the figure."""
    n_lines = put_caption(fig, runs)
    if fig.legends:
        # Overlaid runs lengthen the labels ("subinterp [Python 3.13.0]"): keep the axes clear
        # of the legend, however wide it is.
        fig.canvas.draw()
        width = max(lg.get_window_extent().width for lg in fig.legends) / fig.bbox.width
        right = min(right, 0.99 - width)
    bottom = 0.035 + 0.03 * n_lines
    fig.tight_layout(rect=(0, bottom, right, 0.95))
    fig.savefig(os.path.join(out_dir, p.key + ".png"), metadata=PNG_METADATA)
    fig.savefig(os.path.join(out_dir, p.key + ".svg"), metadata=SVG_METADATA)
    plt.close(fig)


def plot_startup(runs, out_dir):
    p = Plot("startup", "Startup and teardown per row and start method", "startup and teardown")
    entries = {}  # (run index, row, kind, method) -> {metric: summary}
    for ri, run in enumerate(runs):
        rs = run.of("startup", "teardown")
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
                   error_kw={"elinewidth": 0.8, "ecolor": "#333333"})
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
            for r in run.of(metric):
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
                 "in-process rows (subinterp, thread, py-threading, py-interpreters): "
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
        for r in run.of("wall"):
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
                    label=row + row_suffix(runs, run), lw=1.6)
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


def plot_crossover(runs, out_dir):
    p = Plot("crossover", "Crossover map: which row wins per compute x payload cell",
             "the task farm (crossover map)")
    grids = []
    for run in runs:
        cells = {}
        # The verdict's winner per cell (reports/verdict.cc): the row the per-round ratios favour,
        # the median per-round ratio over the runner-up and whether its 95% interval excludes 1.
        winners = {f.get("variant"): f for f in
                   ((run.ib.get("verdict") or {}).get("findings") or [])
                   if f.get("kind") == "winner" and f.get("workload") == "taskfarm"}
        for r in run.of("task_throughput"):
            cu = num(r["params"], "compute_us")
            pb = num(r["params"], "payload_bytes", "size_bytes")
            if cu is None or pb is None:
                continue
            s = r["summary"]
            # One panel per run, titled with it: the cells need no " · 3.12".
            cells.setdefault((cu, pb), []).append(
                (s.get("mean", 0), r["row_in_run"], r["kind"], s.get("stddev", 0), r["row"],
                 winners.get(r["name"])))
        if not cells:
            p.missing.append(run.label)
        else:
            grids.append((run, cells))
    ncols = max(1, len(grids))
    fig = new_figure(min(7.2 * ncols + 2.2, 22), 5.6)
    if not grids:
        no_data(fig, p, runs)
        finish(fig, p, runs, out_dir)
        return p
    p.has_data = True
    winners_all = {}
    for gi, (run, cells) in enumerate(grids):
        ax = fig.add_subplot(1, ncols, gi + 1)
        cus = sorted({c for c, _ in cells})
        pbs = sorted({b for _, b in cells})
        for (cu, pb), entries in cells.items():
            entries.sort(key=lambda e: e[:4], reverse=True)
            best = entries[0]
            second = entries[1] if len(entries) > 1 else None
            finding = best[5]
            ratio = best[0] / second[0] if second and second[0] > 0 else None
            # A win counts only when the median per-round ratio's 95% interval excludes 1 (the
            # verdict's finding); otherwise the cell is pale and says "not significant".
            clear = not second
            if finding and len(finding.get("rows", [])) == 2:
                by_row = {e[4]: e for e in entries}
                if finding["rows"][0] in by_row and finding["rows"][1] in by_row:
                    best, second = by_row[finding["rows"][0]], by_row[finding["rows"][1]]
                    ratio = (finding.get("numbers") or {}).get("ratio", ratio)
                    clear = bool(finding.get("significant"))
            x, y = pbs.index(pb), cus.index(cu)
            colour = row_colour(best[1]) if clear else tint(row_colour(best[1]), 0.65)
            winners_all[best[1]] = best[2]
            ax.add_patch(matplotlib.patches.Rectangle((x - 0.5, y - 0.5), 1, 1, fc=colour,
                                                      hatch=bar_hatch(best[2]), ec="white",
                                                      lw=1.5))
            # "subinterp (shared GIL: Python 3.11)" on two lines: it fits the cell.
            wrap = lambda name: name.replace(" (shared GIL", "\n(shared GIL")
            text = wrap(best[1])
            if second and ratio:
                text += f"\n{ratio:.2f}x" + ("" if clear else " (not significant)")
                text += f"\nvs {wrap(second[1])}"
            ax.text(x, y, text, ha="center", va="center",
                    fontsize=8.5 if len(cells) <= 16 else 6.5, color="black",
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "alpha": 0.75, "lw": 0})
        ax.set_xlim(-0.5, len(pbs) - 0.5)
        ax.set_ylim(-0.5, len(cus) - 0.5)
        ax.set_xticks(range(len(pbs)))
        ax.set_xticklabels([fmt_bytes(b) for b in pbs])
        ax.set_yticks(range(len(cus)))
        ax.set_yticklabels([fmt_time(c * 1000) for c in cus])
        ax.set_xlabel("payload per task (bytes each way)")
        ax.set_ylabel("Python compute per task")
        ax.grid(False)
        ax.set_title(run.label if len(grids) > 1 else "")
    handles = [Patch(facecolor=row_colour(row), hatch=bar_hatch(kind), label=row)
               for row, kind in sorted(winners_all.items())]
    fig.legend(handles=handles, title="winner", loc="center right", fontsize=8)
    fig.suptitle("Crossover map: row with the highest task throughput in each cell and its ratio\n"
                 "over the runner-up (task farm on all cores; median of per-round ratios; pale: its\n"
                 "95% interval holds 1)",
                 fontsize=10.5)
    finish_with_legend_room(fig, p, runs, out_dir)
    return p


PLOTTERS = [plot_round_trip, plot_throughput, plot_objects, plot_startup, plot_memory,
            plot_scaling, plot_crossover]


# ---------------------------------------------------------------------------------------------
# Documents

CSS = """
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:1180px;
padding:0 20px 40px;color:#222}
h1{font-size:24px;margin:22px 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd}
.meta{color:#666;font-size:12px}.verdict{background:#eef6ee;border-left:4px solid #3a3;padding:8px 14px}
.warn{background:#fff6e0;border-left:4px solid #e0a000;padding:8px 14px}
.err{background:#fdecec;border-left:4px solid #c33;padding:8px 14px}
figure{margin:12px 0 26px}figure img{max-width:100%;border:1px solid #eee}
figcaption{color:#555;font-size:12px}.nodata{color:#a60;font-weight:600}
table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ddd;padding:2px 6px}
th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.reference td{color:#555;font-style:italic}
td.ok{color:#262}td.bad{color:#a22}tr.diff td{background:#fff3c4}
"""


def esc(s):
    return html.escape(str(s), quote=True)


def run_problems(run):
    """Error and skipped rows, each one line."""
    out = []
    for row in run.rows:
        name = display_row(row, run.python_label)
        if row.get("error"):
            out.append(("error", f"{name} on {row.get('workload')}: {row['error']}"))
        elif row.get("skipped"):
            out.append(("skipped", f"{name} on {row.get('workload')}: {row['skipped']}"))
        for we in row.get("worker_errors") or []:
            out.append(("error", f"{name} on {row.get('workload')}, worker "
                                 f"{we.get('worker')}: {we.get('error')}"))
    return out


def verdict_lines(run):
    """(is_heading, text) from the verdict's console lines: unindented lines head a group (the
    "Verdict ..." title itself is dropped, the page has its own), indented ones are its items."""
    out = []
    for line in (run.ib.get("verdict") or {}).get("lines") or []:
        if not line.strip() or (not out and line.startswith("Verdict")):
            continue
        out.append((not line.startswith(" "), line.strip()))
    return out


def yes_no(v):
    return "?" if v is None else "yes" if v else "no"


def environment_facts(run):
    """(fact, value) of a run's environment: with several Pythons in one report, a column each."""
    e = run.env
    py = e.get("python") or {}
    kern = e.get("kernel") or {}
    ibv = e.get("interpbench") or {}
    pig = py.get("per_interpreter_gil")
    return [
        ("Python", py.get("version") or run.python_version() or "?"),
        ("build", py.get("build_flags") or "not recorded (a run from before build_flags)"),
        ("per-interpreter GIL (PEP 684)", yes_no(pig) + ("" if pig is not False else
                                                         ": the subinterp row shares one GIL")),
        ("free-threaded (Py_GIL_DISABLED)", yes_no(py.get("gil_disabled"))),
        ("debug (Py_DEBUG)", yes_no(py.get("debug"))),
        ("executable", py.get("executable") or "?"),
        ("configure", py.get("config_args") or "?"),
        ("CPU", f"{e.get('cpu_model', '?')} x{e.get('num_cpus', '?')}"),
        ("kernel", f"{kern.get('sysname', '')} {kern.get('release', '')}".strip() or "?"),
        ("interpbench", f"{ibv.get('version', '?')} {ibv.get('build_type', '')} "
                        f"{str(ibv.get('git_commit') or '')[:7]}".strip()),
        ("suite", str(run.ib.get("options", {}).get("suite", "?"))),
        ("date", str(e.get("date", "?"))),
    ]


def ext_cell(r):
    """One cell of the extension matrix (the rule of reports/ext_matrix.cc)."""
    status, detail = r.get("status"), str(r.get("detail") or "")
    if status == "ok":
        return "ok"
    if status == "import_error":
        return "ImportError"
    if status == "hang":
        return "hang"
    if status == "crash":
        return "crash: " + detail.removeprefix("killed by ")
    return "error: " + detail.split(":")[0]


def ext_matrices(run):
    """[(workload, rows, modules, {module: {row: result}}, modules that differ between
    subprocess and subinterp)] from the results that carry a status (workloads/extcompat.py)."""
    out = {}
    for row in run.rows:
        for r in row.get("results", []) or []:
            if not isinstance(r.get("status"), str):
                continue
            w = out.setdefault(row.get("workload", "?"), ([], [], {}))
            label = row.get("row", "?")
            module = (r.get("params") or {}).get("module") or r.get("name", "").split("/", 1)[-1]
            if label not in w[0]:
                w[0].append(label)
            if module not in w[2]:
                w[1].append(module)
            w[2].setdefault(module, {})[label] = r
    result = []
    for workload, (rows, modules, cells) in out.items():
        differ = {m for m in modules if "subprocess" in cells[m] and "subinterp" in cells[m]
                  and ext_cell(cells[m]["subprocess"]) != ext_cell(cells[m]["subinterp"])}
        result.append((workload, rows, modules, cells, differ))
    return result


def ext_html(run, runs):
    h = []
    for workload, rows, modules, cells, differ in ext_matrices(run):
        h.append(f"<h3>{esc(workload)}{esc(run_suffix(runs, run))}: {len(modules)} modules x "
                 f"{len(rows)} rows</h3><p>Highlighted: modules that import differently in a "
                 "process (subprocess) and in an isolated own-GIL subinterpreter (subinterp): "
                 f"{len(differ)}. Hover a cell for the error text.</p>")
        h.append("<table><tr><th>module</th>" + "".join(f"<th>{esc(r)}</th>" for r in rows) + "</tr>")
        for m in sorted(modules, key=lambda m: (m not in differ, m)):
            tds = []
            for row in rows:
                r = cells[m].get(row)
                cell = ext_cell(r) if r else "-"
                cls = "ok" if cell == "ok" else "bad"
                tds.append(f"<td class={cls} title='{esc((r or {}).get('detail', ''))}'>{esc(cell)}</td>")
            h.append(f"<tr{' class=diff' if m in differ else ''}><td>{esc(m)}</td>{''.join(tds)}</tr>")
        h.append("</table>")
    return h


def ext_markdown(run, runs):
    m = []
    for workload, rows, modules, cells, differ in ext_matrices(run):
        same = [x for x in modules if len(cells[x]) == len(rows)
                and all(ext_cell(r) == "ok" for r in cells[x].values())]
        m += [f"### {workload}{run_suffix(runs, run)}: {len(modules)} modules x {len(rows)} rows", "",
              "Modules whose outcome differs between rows; **bold**: imports differently in "
              "subprocess and in an isolated own-GIL subinterpreter (subinterp).", "",
              "| module | " + " | ".join(md_cell(r) for r in rows) + " |",
              "|---|" + "---|" * len(rows)]
        for x in sorted((x for x in modules if x not in same), key=lambda x: (x not in differ, x)):
            name = f"**{md_cell(x)}**" if x in differ else md_cell(x)
            texts = [ext_cell(cells[x][r]) if r in cells[x] else "-" for r in rows]
            m.append(f"| {name} | " + " | ".join(md_cell(t) for t in texts) + " |")
        details = {}
        for x in modules:
            for r in cells[x].values():
                if r.get("status") != "ok":
                    details.setdefault(str(r.get("detail", "")).replace(f"module {x} ", "module "), set()).add(x)
        m += [""] + [f"- {md_cell(t)}: {', '.join(sorted(ms))}" for t, ms in details.items()]
        m += [f"- ok on every row ({len(same)}): {', '.join(same)}", ""]
    return m


def result_rows(run):
    for r in run.results:
        if isinstance(r.get("status"), str):
            continue  # an outcome, not a figure: the extension matrix shows it
        s = r["summary"]
        yield r, [r["row"], r["workload"], r.get("name", ""), r.get("metric", ""),
                  r.get("unit", ""), s.get("n", ""), s.get("mean"), s.get("stddev"),
                  s.get("median"), s.get("p99")]


def headline_rows(run):
    """(what, ratio [95% interval]) for each headline ratio of the run, and the run's
    reproducibility line (reports/targets.h), as the console prints them."""
    t = run.ib.get("targets") or {}
    rows = [(h.get("what", ""), h.get("ratio_text", "")) for h in (t.get("headlines") or [])]
    rep = t.get("reproducibility") or {}
    return rows, rep.get("line", "")


def target_rows(run):
    """(id, what, figures, ratio, goal, verdict) for each target of the run (reports/targets.h),
    with the figures and verdict as the console prints them."""
    out = []
    for t in ((run.ib.get("targets") or {}).get("targets") or []):
        goal = (t.get("goal") or {}).get("text", "")
        if t.get("met") is None:
            out.append((t.get("id", ""), t.get("what", ""), "", "", goal,
                        "not measured: " + t.get("missing", "")))
        else:
            out.append((t.get("id", ""), t.get("what", ""), t.get("figures", ""),
                        t.get("ratio_text") or f"{t['ratio']:.3g}", goal, t.get("verdict", "")))
    return out if any(r[2] for r in out) else []


def write_html(runs, plots, out_dir):
    h = ["<!DOCTYPE html><html lang=en><head><meta charset=utf-8>",
         "<meta name=viewport content='width=device-width,initial-scale=1'>",
         "<title>interpbench report</title><style>", CSS, "</style></head><body>",
         "<h1>interpbench report</h1>"]
    for run in runs:
        h.append(f"<p class=meta><b>{esc(run.label)}</b> ({esc(os.path.basename(run.path))}): "
                 f"{esc(run.caption())}</p>")
    for run in runs:
        lines = verdict_lines(run)
        if lines:
            h.append(f"<div class=verdict><b>Verdict{esc(run_suffix(runs, run))}</b> "
                     "(from this run's figures only)<ul>")
            h += [f"</ul><b>{esc(x)}</b><ul>" if head else f"<li>{esc(x)}</li>" for head, x in lines]
            h.append("</ul></div>")
        targets = target_rows(run)
        if targets:
            h.append(f"<h2>Targets{esc(run_suffix(runs, run))}</h2><p>Medians of the per-round ratios "
                     "measured in this run, with their 95% intervals (docs/performance.md); goals "
                     "for the framework, not gates.</p><table><tr>"
                     "<th></th><th>what</th><th>medians over rounds</th><th>ratio [95% interval]</th>"
                     "<th>goal</th><th></th></tr>")
            h += ["<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in targets]
            h.append("</table>")
        heads, rep_line = headline_rows(run)
        if heads:
            h.append(f"<h2>Headline ratios{esc(run_suffix(runs, run))}</h2><table><tr><th>what</th>"
                     "<th>median of per-round ratios [95% interval]</th></tr>")
            h += [f"<tr><td>{esc(w)}</td><td>{esc(r)}</td></tr>" for w, r in heads]
            h.append("</table>")
        if rep_line:
            h.append(f"<p class=reproducibility>{esc(rep_line)}</p>")
        warns = list(run.ib.get("warnings") or [])
        warns.sort(key=lambda w: "share one GIL" not in w)  # what the subinterp figures mean: first
        if run.ib.get("incomplete"):
            warns.insert(0, "this run is incomplete: " + (run.ib.get("incomplete_reason") or "interrupted"))
        if warns:
            h.append(f"<div class=warn><b>Warnings{esc(run_suffix(runs, run))}</b><ul>")
            h += [f"<li>{esc(x)}</li>" for x in warns]
            h.append("</ul></div>")
        probs = run_problems(run)
        if probs:
            h.append(f"<div class=err><b>Rows with errors or skipped{esc(run_suffix(runs, run))}</b><ul>")
            h += [f"<li>{esc(kind)}: {esc(x)}</li>" for kind, x in probs]
            h.append("</ul></div>")
    h.append("<h2>Plots</h2><p>Solid lines: interpbench backends; dashed (hatched bars): "
             "standard-library reference rows; dotted: the C++ floor (no Python) and, in the "
             "throughput plot, the memcpy reference line (one thread's memory bandwidth). "
             "Click a plot for its SVG.</p>")
    for p in plots:
        h.append(f"<figure id={esc(p.key)}><h3>{esc(p.title)}</h3>")
        h.append(f"<a href='{esc(p.key)}.svg'><img src='{esc(p.key)}.png' alt='{esc(p.title)}'></a>")
        cap = []
        if not p.has_data:
            cap.append(f"<span class=nodata>No data for {esc(p.what)} in "
                       f"{'this run' if len(runs) == 1 else 'these runs'}.</span>")
        elif p.missing:
            cap.append(f"<span class=nodata>No data for {esc(p.what)} in: "
                       f"{esc(', '.join(p.missing))}.</span>")
        cap += [esc(x) for x in p.notes]
        cap.append(f"<a href='{esc(p.key)}.png'>PNG</a> · <a href='{esc(p.key)}.svg'>SVG</a>")
        h.append("<figcaption>" + " ".join(cap) + "</figcaption></figure>")
    h.append("<h2>Environment</h2><table><tr><th></th>"
             + "".join(f"<th>{esc(run.label)}</th>" for run in runs) + "</tr>")
    facts = [environment_facts(run) for run in runs]
    for i, (name, _) in enumerate(facts[0]):
        h.append(f"<tr><th>{esc(name)}</th>" + "".join(f"<td>{esc(f[i][1])}</td>" for f in facts)
                 + "</tr>")
    h.append("</table>")
    ext = [x for run in runs for x in ext_html(run, runs)]
    if ext:
        h.append("<h2>Extension modules</h2>")
        h += ext
    h.append("<h2>All results</h2>")
    if os.path.exists(os.path.join(out_dir, "results.csv")):
        h.append("<p>As a spreadsheet: <a href='results.csv'>results.csv</a></p>")
    for run in runs:
        h.append(f"<h3>{esc(run.label)}</h3><table><tr><th>row</th><th>workload</th><th>name</th>"
                 "<th>metric</th><th>n</th><th>mean</th><th>σ</th><th>median</th><th>p99</th></tr>")
        for r, cells in result_rows(run):
            unit = r.get("unit", "")
            fmt = lambda v: "" if v is None else fmt_value(v, unit)
            h.append(f"<tr class={esc(r['kind'])}><td>{esc(cells[0])}</td><td>{esc(cells[1])}</td>"
                     f"<td>{esc(cells[2])}</td><td>{esc(cells[3])}</td><td class=n>{esc(cells[5])}</td>"
                     f"<td class=n>{esc(fmt(cells[6]))}</td><td class=n>{esc(fmt(cells[7]))}</td>"
                     f"<td class=n>{esc(fmt(cells[8]))}</td><td class=n>{esc(fmt(cells[9]))}</td></tr>")
        h.append("</table>")
    h.append("</body></html>\n")
    with open(os.path.join(out_dir, "index.html"), "w", encoding="utf-8") as f:
        f.write("\n".join(h))


def md_cell(s):
    return str(s).replace("|", "\\|").replace("\n", " ")


def write_markdown(runs, plots, out_dir):
    m = ["# interpbench report", ""]
    for run in runs:
        m.append(f"- **{md_cell(run.label)}** (`{md_cell(os.path.basename(run.path))}`): "
                 f"{md_cell(run.caption())}")
    m.append("")
    for run in runs:
        lines = verdict_lines(run)
        if lines:
            m += [f"## Verdict{run_suffix(runs, run)}", ""]
            m += [f"\n**{md_cell(x)}**\n" if head else f"- {md_cell(x)}" for head, x in lines] + [""]
        targets = target_rows(run)
        if targets:
            m += [f"## Targets{run_suffix(runs, run)}", "",
                  "Medians of the per-round ratios measured in this run, with their 95% intervals "
                  "(docs/performance.md); goals, not gates.", "",
                  "| | what | medians over rounds | ratio [95% interval] | goal | |",
                  "|---|---|---:|---:|---|---|"]
            m += ["| " + " | ".join(md_cell(c) for c in r) + " |" for r in targets] + [""]
        heads, rep_line = headline_rows(run)
        if heads:
            m += [f"## Headline ratios{run_suffix(runs, run)}", "",
                  "| what | median of per-round ratios [95% interval] |", "|---|---:|"]
            m += [f"| {md_cell(w)} | {md_cell(r)} |" for w, r in heads] + [""]
        if rep_line:
            m += [md_cell(rep_line), ""]
        warns = list(run.ib.get("warnings") or [])
        warns.sort(key=lambda w: "share one GIL" not in w)  # what the subinterp figures mean: first
        if run.ib.get("incomplete"):
            warns.insert(0, "this run is incomplete: " + (run.ib.get("incomplete_reason") or "interrupted"))
        if warns:
            m += [f"## Warnings{run_suffix(runs, run)}", ""] + [f"- ⚠ {md_cell(x)}" for x in warns] + [""]
        probs = run_problems(run)
        if probs:
            m += [f"## Rows with errors or skipped{run_suffix(runs, run)}", ""]
            m += [f"- {kind}: {md_cell(x)}" for kind, x in probs] + [""]
    m += ["## Plots", ""]
    for p in plots:
        m += [f"### {p.title}", "", f"![{p.title}]({p.key}.png)", ""]
        if not p.has_data:
            m += [f"_No data for {p.what} in {'this run' if len(runs) == 1 else 'these runs'}._", ""]
        elif p.missing:
            m += [f"_No data for {p.what} in: {', '.join(p.missing)}._", ""]
        m += [x for x in p.notes] + ([""] if p.notes else [])
        m += [f"[SVG]({p.key}.svg)", ""]
    m += ["## Environment", "", "| | " + " | ".join(md_cell(run.label) for run in runs) + " |",
          "|---|" + "---|" * len(runs)]
    facts = [environment_facts(run) for run in runs]
    for i, (name, _) in enumerate(facts[0]):
        m.append(f"| {md_cell(name)} | " + " | ".join(md_cell(f[i][1]) for f in facts) + " |")
    m.append("")
    ext = [x for run in runs for x in ext_markdown(run, runs)]
    if ext:
        m += ["## Extension modules", ""] + ext
    m += ["## All results", ""]
    if os.path.exists(os.path.join(out_dir, "results.csv")):
        m += ["As a spreadsheet: [results.csv](results.csv)", ""]
    for run in runs:
        m += [f"### {md_cell(run.label)}", "",
              "| row | workload | name | metric | n | mean | σ | median | p99 |",
              "|---|---|---|---|---:|---:|---:|---:|---:|"]
        for r, cells in result_rows(run):
            unit = r.get("unit", "")
            fmt = lambda v: "" if v is None else fmt_value(v, unit)
            m.append("| " + " | ".join(md_cell(x) for x in (
                cells[0], cells[1], cells[2], cells[3], cells[5], fmt(cells[6]), fmt(cells[7]),
                fmt(cells[8]), fmt(cells[9]))) + " |")
        m.append("")
    with open(os.path.join(out_dir, "report.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(m))


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="output directory (created)")
    ap.add_argument("runs", nargs="+", help="run JSON files (interpbench run --out)")
    args = ap.parse_args(argv)
    runs = []
    for path in args.runs:
        try:
            with open(path, encoding="utf-8") as f:
                runs.append(Run(path, json.load(f)))
        except (OSError, ValueError) as e:
            print(f"{path}: {e}", file=sys.stderr)
            return 2
    label_runs(runs)
    os.makedirs(args.out, exist_ok=True)
    plots = [plotter(runs, args.out) for plotter in PLOTTERS]
    write_html(runs, plots, args.out)
    write_markdown(runs, plots, args.out)
    for p in plots:
        if not p.has_data:
            print(f"note: no data for {p.what}; {p.key}.png says so", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
