"""What every plot shares: matplotlib's settings, one colour per row, line and bar styles, the
figure's caption, legend room and files. Axis text comes from the runs (model.py)."""
import math
import os
import textwrap

import matplotlib
import matplotlib.pyplot as plt
from matplotlib.ticker import NullFormatter

from render.model import num, param_text, run_suffix

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
    "py-threading": "#9467bd", "py-interpreters": "#17becf",
    "py-interpreters-poll": "#bcbd22", "py-executor-thread": "#aec7e8",
    "py-executor-process-fork": "#ffbb78", "py-executor-process-forkserver": "#c49c94",
    "py-executor-process-spawn": "#f7b6d2", "py-executor-interp": "#9edae5", "py-multiprocessing-fork": "#ff7f0e",
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



def time_scale(values_ns):
    """Pick one display unit for a set of nanosecond figures."""
    finite = [v for v in values_ns if v and v > 0 and math.isfinite(v)]
    top = max(finite) if finite else 1
    for unit, f in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if top >= f * 2:
            return unit, f
    return "ns", 1.0



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



def size_ticks(axis, texts):
    """Ticks at the sizes measured, {size: text as C++ writes it}; every k-th of more than 9."""
    sizes = sorted(texts)
    shown = sizes[::max(1, -(-len(sizes) // 9))]
    axis.set_ticks(shown)
    axis.set_ticklabels([texts[s] for s in shown])
    axis.set_minor_formatter(NullFormatter())


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



def legend_below_or_beside(ax, n_entries):
    if n_entries > 8:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    elif n_entries:
        ax.legend(loc="best")



def row_suffix(runs, run):
    """What a legend entry adds to a row's name to tell overlaid runs apart: nothing when the rows
    already name their Python ("subinterp · 3.12"), else the run's label."""
    return "" if run.python_label else run_suffix(runs, run)



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


def param_texts(runs, values, *keys):
    """{value: its text as C++ wrote it ("64 KiB", "100 µs")} for the values plotted."""
    out = {}
    for run in runs:
        for r in run.results:
            v, text = num(r["params"], *keys), param_text(r, *keys)
            if v in values and text:
                out.setdefault(v, text)
    return out


def gid(label, *parts):
    """The SVG id of one plotted series: "series:<legend label>", "/"-joined parts appended."""
    return "series:" + "/".join((label,) + parts)
