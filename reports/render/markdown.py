"""report.md: the same sections as index.html, in Markdown."""
import os

from render.model import run_suffix
from render.sections import (PLOT_WORKLOAD, answer, applications, compact_table, environment_facts,
                             model_table, ext_matrices, headline_rows, result_rows, run_problems, run_warnings,
                             target_rows, verdict_lines, workload_order)


def md_cell(s):
    """Text for a Markdown line or table cell: HTML and control characters shown, not obeyed."""
    s = str(s).replace("\n", " ").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = "".join(c if c >= " " and not "\x7f" <= c <= "\x9f" else f"\\x{ord(c):02x}" for c in s)
    return s.replace("|", "\\|")


def ext_markdown(run, runs):
    m = []
    for workload, rows, modules, cells, differ in ext_matrices(run):
        same = [x for x in modules if len(cells[x]) == len(rows)
                and all(r.get("cell") == "ok" for r in cells[x].values())]
        m += [f"### {workload}{run_suffix(runs, run)}: {len(modules)} modules x {len(rows)} rows", "",
              "Modules whose outcome differs between rows; **bold**: imports differently in "
              "subprocess and in an isolated own-GIL subinterpreter (subinterp).", "",
              "| module | " + " | ".join(md_cell(r) for r in rows) + " |",
              "|---|" + "---|" * len(rows)]
        for x in sorted((x for x in modules if x not in same), key=lambda x: (x not in differ, x)):
            name = f"**{md_cell(x)}**" if x in differ else md_cell(x)
            texts = [cells[x][r].get("cell", "-") if r in cells[x] else "-" for r in rows]
            m.append(f"| {name} | " + " | ".join(md_cell(t) for t in texts) + " |")
        details = {}
        for x in modules:
            for r in cells[x].values():
                if r.get("status") != "ok":
                    details.setdefault(str(r.get("detail", "")).replace(f"module {x} ", "module "), set()).add(x)
        m += [""] + [f"- {md_cell(t)}: {md_cell(', '.join(sorted(ms)))}" for t, ms in details.items()]
        m += [f"- ok on every row ({len(same)}): {md_cell(', '.join(same))}", ""]
    return m



def figure_markdown(p, runs):
    m = [f"#### {p.title}", "", f"![{p.title}]({p.key}.png)", ""]
    if not p.has_data:
        m += [f"_No data for {p.what} in {'this run' if len(runs) == 1 else 'these runs'}._", ""]
    elif p.missing:
        m += [f"_No data for {p.what} in: {', '.join(p.missing)}._", ""]
    m += [md_cell(x) for x in p.notes] + ([""] if p.notes else [])
    return m + [f"[SVG]({p.key}.svg)", ""]


def write_markdown(runs, plots, out_dir):
    """The order of index.html: the answer, the crossover map, warnings, one section per
    workload, the verdict and targets, then every result and the environment."""
    m = ["# interpbench report", ""]
    for run in runs:
        m.append(f"- **{md_cell(run.label)}** (`{md_cell(run.file)}`): "
                 f"{md_cell(run.caption())}")
    m.append("")
    for run in runs:
        rows, paragraph = answer(run)
        if rows:
            m += [f"## The answer{run_suffix(runs, run)}", "",
                  "| question | winner | best vs runner-up [95% interval] | what the figures say |",
                  "|---|---|---:|---|"]
            m += ["| " + " | ".join(md_cell(c) for c in r) + " |" for r in rows]
            m += ["", md_cell(paragraph), ""]
        table = applications(run)
        if table:
            cores, rows, lines = table
            m += [f"### Applications: speedup at N = {cores} (cores){run_suffix(runs, run)}", "",
                  "tasks/s at N over tasks/s at 1, the median of per-round ratios [95% interval].", "",
                  "| application | " + " | ".join(md_cell(r) for r in rows) + " |",
                  "|---|" + "---:|" * len(rows)]
            m += ["| " + " | ".join(md_cell(c) for c in [app] + cells) + " |" for app, cells in lines]
            m.append("")
    m += [x for p in plots if p.key == "crossover" for x in figure_markdown(p, runs)]
    for run in runs:
        cols, lines = model_table(run)
        if lines:
            m += [f"Cost model{run_suffix(runs, run)}: each taskfarm cell predicted from this run's "
                  "primitives (round trip, one-way, scaling; docs/design.md, \"The cost model\"), "
                  "predicted / measured - 1; ! a noisy cell; in brackets the bound that set the "
                  "prediction.", "",
                  "| cell | " + " | ".join(md_cell(c) for c in cols) + " |", "|---|" + "---:|" * len(cols)]
            m += ["| " + " | ".join(md_cell(c) for c in line) + " |" for line in lines]
            m.append("")
    for run in runs:
        warns = run_warnings(run)
        if warns:
            m += [f"## Warnings{run_suffix(runs, run)}", ""] + [f"- ⚠ {md_cell(x)}" for x in warns] + [""]
        probs = run_problems(run)
        if probs:
            m += [f"## Rows with errors or skipped{run_suffix(runs, run)}", ""]
            m += [f"- {kind}: {md_cell(x)}" for kind, x in probs] + [""]
    m += ["## By workload", ""]
    for workload in workload_order(runs, plots):
        m += [f"### {md_cell(workload)}", ""]
        for p in plots:
            if PLOT_WORKLOAD.get(p.key) == workload and p.key != "crossover":
                m += figure_markdown(p, runs)
        for run in runs:
            rows, lines = compact_table(run, workload)
            if lines:
                m += [f"| p50{run_suffix(runs, run)} | " + " | ".join(md_cell(r) for r in rows) + " |",
                      "|---|" + "---:|" * len(rows)]
                m += [f"| {md_cell(n)} | " + " | ".join(md_cell(c) for c in cells) + " |" for n, cells in lines]
                m.append("")
    ext = [x for run in runs for x in ext_markdown(run, runs)]
    if ext:
        m += ["## Extension modules", ""] + ext
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
    m += ["## All results", ""]
    if os.path.exists(os.path.join(out_dir, "results.csv")):
        m += ["As a spreadsheet: [results.csv](results.csv)", ""]
    for run in runs:
        m += [f"### {md_cell(run.label)}", "",
              "| row | workload | name | metric | n | mean | σ | median | p99 |",
              "|---|---|---|---|---:|---:|---:|---:|---:|"]
        for r, cells in result_rows(run):
            m.append("| " + " | ".join(md_cell(x) for x in (
                cells[0], cells[1], cells[2], cells[3], *cells[5:])) + " |")
        m.append("")
    m += ["## Environment", "", "| | " + " | ".join(md_cell(run.label) for run in runs) + " |",
          "|---|" + "---|" * len(runs)]
    facts = [environment_facts(run) for run in runs]
    for i, (name, _) in enumerate(facts[0]):
        m.append(f"| {md_cell(name)} | " + " | ".join(md_cell(f[i][1]) for f in facts) + " |")
    m.append("")
    with open(os.path.join(out_dir, "report.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(m))
