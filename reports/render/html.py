"""index.html: self-contained (CSS inline, plots beside it as relative links), opens from disk."""
import html
import os

from render.model import run_suffix
from render.sections import (PLOT_WORKLOAD, answer, applications, compact_table, environment_facts,
                             model_table, ext_matrices, headline_rows, result_rows, run_problems, run_warnings,
                             target_rows, verdict_lines, workload_order)

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
td.ok{color:#262}td.bad{color:#a22}tr.diff td{background:#fff3c4}\ntable.answer{font-size:13px}table.answer td{vertical-align:top}p.paragraph{max-width:980px}\nsummary{cursor:pointer;margin:18px 0 6px;font-size:16px}
"""


def esc(s):
    return html.escape(str(s), quote=True)


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
                cell = r.get("cell", "-") if r else "-"
                cls = "ok" if cell == "ok" else "bad"
                tds.append(f"<td class={cls} title='{esc((r or {}).get('detail', ''))}'>{esc(cell)}</td>")
            h.append(f"<tr{' class=diff' if m in differ else ''}><td>{esc(m)}</td>{''.join(tds)}</tr>")
        h.append("</table>")
    return h



def figure_html(p, runs):
    h = [f"<figure id={esc(p.key)}><h3>{esc(p.title)}</h3>",
         f"<a href='{esc(p.key)}.svg'><img src='{esc(p.key)}.png' alt='{esc(p.title)}'></a>"]
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
    return h


def answer_html(runs):
    h = []
    for run in runs:
        rows, paragraph = answer(run)
        if not rows:
            continue
        h.append(f"<h2>The answer{esc(run_suffix(runs, run))}</h2><table class=answer><tr>"
                 "<th>question</th><th>winner</th><th>best vs runner-up [95% interval]</th>"
                 "<th>what the figures say</th></tr>")
        h += ["<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in rows]
        h.append(f"</table><p class=paragraph>{esc(paragraph)}</p>")
        h += applications_html(runs, run)
    return h


def applications_html(runs, run):
    """The summary table of the application workloads: application x row, speedup at N = cores."""
    table = applications(run)
    if not table:
        return []
    cores, rows, lines = table
    h = [f"<h3 id=applications>Applications: speedup at N = {esc(cores)} (cores){esc(run_suffix(runs, run))}</h3>"
         "<p>tasks/s at N over tasks/s at 1, the median of per-round ratios [95% interval] "
         "(workloads/apps.py; the plot is in the apps section).</p><table class=compact><tr><th>application</th>"
         + "".join(f"<th>{esc(r)}</th>" for r in rows) + "</tr>"]
    h += [f"<tr><td>{esc(app)}</td>" + "".join(f"<td class=n>{esc(c)}</td>" for c in cells) + "</tr>"
          for app, cells in lines]
    h.append("</table>")
    return h


def model_html(runs):
    """The cost model's error per taskfarm cell and row (reports/cost_model.h)."""
    h = []
    for run in runs:
        cols, lines = model_table(run)
        if not lines:
            continue
        h.append(f"<p>Cost model{esc(run_suffix(runs, run))}: each taskfarm cell predicted from "
                 "this run's primitives (round trip, one-way, scaling; docs/design.md, \"The cost "
                 "model\"), predicted / measured - 1; ! a noisy cell; in brackets the bound that set "
                 "the prediction.</p><table class=compact><tr><th>cell</th>"
                 + "".join(f"<th>{esc(c)}</th>" for c in cols) + "</tr>")
        h += ["<tr>" + f"<td>{esc(line[0])}</td>" + "".join(f"<td class=n>{esc(c)}</td>" for c in line[1:])
              + "</tr>" for line in lines]
        h.append("</table>")
    return h


def run_notes_html(runs):
    h = []
    for run in runs:
        warns = run_warnings(run)
        if warns:
            h.append(f"<div class=warn><b>Warnings{esc(run_suffix(runs, run))}</b><ul>")
            h += [f"<li>{esc(x)}</li>" for x in warns]
            h.append("</ul></div>")
        probs = run_problems(run)
        if probs:
            h.append(f"<div class=err><b>Rows with errors or skipped{esc(run_suffix(runs, run))}</b><ul>")
            h += [f"<li>{esc(kind)}: {esc(x)}</li>" for kind, x in probs]
            h.append("</ul></div>")
    return h


def findings_html(runs):
    h = []
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
    return h


def workload_html(runs, plots, workload):
    h = [f"<h3 id=workload-{esc(workload)}>{esc(workload)}</h3>"]
    for p in plots:
        if PLOT_WORKLOAD.get(p.key) == workload and p.key != "crossover":
            h += figure_html(p, runs)
    for run in runs:
        rows, lines = compact_table(run, workload)
        if not lines:
            continue
        h.append(f"<table class=compact><tr><th>p50{esc(run_suffix(runs, run))}</th>"
                 + "".join(f"<th>{esc(r)}</th>" for r in rows) + "</tr>")
        h += [f"<tr><td>{esc(n)}</td>" + "".join(f"<td class=n>{esc(c)}</td>" for c in cells) + "</tr>"
              for n, cells in lines]
        h.append("</table>")
    return h


def write_html(runs, plots, out_dir):
    h = ["<!DOCTYPE html><html lang=en><head><meta charset=utf-8>",
         "<meta name=viewport content='width=device-width,initial-scale=1'>",
         "<title>interpbench report</title><style>", CSS, "</style></head><body>",
         "<h1>interpbench report</h1>"]
    for run in runs:
        h.append(f"<p class=meta><b>{esc(run.label)}</b> ({esc(run.file)}): "
                 f"{esc(run.caption())}</p>")
    # The answer first, then the map of where each model wins, then what may make them wrong.
    h.append("<section id=answer>")
    h += answer_html(runs)
    h.append("</section>")
    h += [x for p in plots if p.key == "crossover" for x in figure_html(p, runs)]
    h += model_html(runs)
    h += run_notes_html(runs)
    h.append("<h2>By workload</h2><p>Solid lines: interpbench backends; dashed (hatched bars): "
             "standard-library reference rows; dotted: the C++ floor (no Python) and, in the "
             "throughput plot, the memcpy reference line (one thread's memory bandwidth). "
             "Click a plot for its SVG. Tables: the median over rounds of each result.</p>")
    for workload in workload_order(runs, plots):
        h += workload_html(runs, plots, workload)
    ext = [x for run in runs for x in ext_html(run, runs)]
    if ext:
        h.append("<h2>Extension modules</h2>")
        h += ext
    h += findings_html(runs)
    h.append("<details><summary><b>All results</b></summary>")
    if os.path.exists(os.path.join(out_dir, "results.csv")):
        h.append("<p>As a spreadsheet: <a href='results.csv'>results.csv</a></p>")
    for run in runs:
        h.append(f"<h3>{esc(run.label)}</h3><table><tr><th>row</th><th>workload</th><th>name</th>"
                 "<th>metric</th><th>n</th><th>mean</th><th>σ</th><th>median</th><th>p99</th></tr>")
        for r, cells in result_rows(run):
            h.append(f"<tr class={esc(r['kind'])}><td>{esc(cells[0])}</td><td>{esc(cells[1])}</td>"
                     f"<td>{esc(cells[2])}</td><td>{esc(cells[3])}</td><td class=n>{esc(cells[5])}</td>"
                     f"<td class=n>{esc(cells[6])}</td><td class=n>{esc(cells[7])}</td>"
                     f"<td class=n>{esc(cells[8])}</td><td class=n>{esc(cells[9])}</td></tr>")
        h.append("</table>")
    h.append("</details><details><summary><b>Environment</b></summary><table><tr><th></th>"
             + "".join(f"<th>{esc(run.label)}</th>" for run in runs) + "</tr>")
    facts = [environment_facts(run) for run in runs]
    for i, (name, _) in enumerate(facts[0]):
        h.append(f"<tr><th>{esc(name)}</th>" + "".join(f"<td>{esc(f[i][1])}</td>" for f in facts)
                 + "</tr>")
    h.append("</table></details>")
    h.append("</body></html>\n")
    with open(os.path.join(out_dir, "index.html"), "w", encoding="utf-8") as f:
        f.write("\n".join(h))
