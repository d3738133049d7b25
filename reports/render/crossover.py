"""The crossover map: which row wins the task farm in each compute x payload cell, by the
verdict's per-round ratios (reports/verdict.cc), with the cost model's predicted boundaries
(reports/cost_model.h: where the predicted winner among subinterp, subprocess and thread
changes) drawn over the measured cells."""
import matplotlib
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from render.model import APP_WORKLOADS, num
from render.plot_frame import (Plot, bar_hatch, finish, finish_with_legend_room, new_figure,
                               no_data, param_texts, row_colour, tint)


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
        farm = run.of("task_throughput", exclude=APP_WORKLOADS)
        # A run with several worker counts (--workers 1,2) maps the largest, as the default
        # suites map N = cores: one grid, each row once per cell.
        most = max((num(r["params"], "workers") or 0 for r in farm), default=0)
        for r in farm:
            if (num(r["params"], "workers") or 0) != most:
                continue
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
    compared = {}  # every row of a cell: the ones that won none are listed too
    for gi, (run, cells) in enumerate(grids):
        ax = fig.add_subplot(1, ncols, gi + 1)
        cus = sorted({c for c, _ in cells})
        pbs = sorted({b for _, b in cells})
        for (cu, pb), entries in cells.items():
            compared.update((e[1], e[2]) for e in entries)
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
        draw_predicted_boundaries(ax, run, cus, pbs)
        ax.set_xlim(-0.5, len(pbs) - 0.5)
        ax.set_ylim(-0.5, len(cus) - 0.5)
        ax.set_xticks(range(len(pbs)))
        ax.set_xticklabels([param_texts(runs, pbs, "payload_bytes", "size_bytes")[b] for b in pbs])
        ax.set_yticks(range(len(cus)))
        ax.set_yticklabels([param_texts(runs, cus, "compute_us")[c] for c in cus])
        ax.set_xlabel("payload per task (bytes each way)")
        ax.set_ylabel("Python compute per task")
        ax.grid(False)
        ax.set_title(run.label if len(grids) > 1 else "")
    handles = [Patch(facecolor=row_colour(row), hatch=bar_hatch(kind), label=row)
               for row, kind in sorted(winners_all.items())]
    # Rows measured in the cells that won none (the executors, often): the map compared them.
    handles += [Patch(facecolor="white", edgecolor=row_colour(row), hatch=bar_hatch(kind),
                      label=f"{row}: won no cell")
                for row, kind in sorted(compared.items()) if row not in winners_all]
    if any(predicted_winners(run) for run, _ in grids):
        handles.append(Line2D([], [], color="black", ls="--", lw=2.2,
                              label="predicted boundary\n(cost model)"))
    fig.legend(handles=handles, title="winner", loc="center right", fontsize=8)
    fig.suptitle("Crossover map: row with the highest task throughput in each cell and its ratio\n"
                 "over the runner-up (task farm on all cores; median of per-round ratios; pale: its\n"
                 "95% interval holds 1); dashed: where the cost model's predicted winner changes",
                 fontsize=10.5)
    finish_with_legend_room(fig, p, runs, out_dir)
    return p


def predicted_winners(run):
    """{(compute_us, payload_bytes): (predicted, measured)} of the run's cost model
    (interpbench.cost_model.validation.winners, as C++ computed them)."""
    v = ((run.ib.get("cost_model") or {}).get("validation") or {})
    return {(w.get("compute_us"), w.get("payload_bytes")): (w.get("predicted"), w.get("measured"))
            for w in (v.get("winners") or [])}


def draw_predicted_boundaries(ax, run, cus, pbs):
    """Dashed lines between neighbouring cells whose predicted winners differ; a cell whose
    predicted winner is not the measured one says which the model picked."""
    pred = predicted_winners(run)
    if not pred:
        return
    line = {"color": "black", "ls": "--", "lw": 2.2, "zorder": 5}
    for (cu, pb), (winner, measured) in pred.items():
        if cu not in cus or pb not in pbs:
            continue
        x, y = pbs.index(pb), cus.index(cu)
        if x + 1 < len(pbs) and pred.get((cu, pbs[x + 1]), (winner,))[0] != winner:
            ax.plot([x + 0.5, x + 0.5], [y - 0.5, y + 0.5], **line)
        if y + 1 < len(cus) and pred.get((cus[y + 1], pb), (winner,))[0] != winner:
            ax.plot([x - 0.5, x + 0.5], [y + 0.5, y + 0.5], **line)
        if winner != measured:
            ax.text(x, y - 0.42, f"model: {winner}", ha="center", va="bottom", fontsize=7,
                    style="italic", color="black", zorder=6)
