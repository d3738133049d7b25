"""What the HTML and the Markdown both show, as data: problems, verdict, warnings, targets,
headline ratios, environment facts, the extension matrices and the result rows."""


def run_problems(run):
    """Error and skipped rows, each one line."""
    out = []
    for row in run.rows:
        name = row.get("display_name", "?")
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
        ("Python", py.get("version") or run.version or "?"),
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
                  and cells[m]["subprocess"].get("cell") != cells[m]["subinterp"].get("cell")}
        result.append((workload, rows, modules, cells, differ))
    return result



def run_warnings(run):
    """The run's warnings, what the subinterp figures mean (one shared GIL) first, an incomplete
    run before everything."""
    warns = sorted(run.ib.get("warnings") or [], key=lambda w: "share one GIL" not in w)
    if run.ib.get("incomplete"):
        warns.insert(0, "this run is incomplete: " + (run.ib.get("incomplete_reason") or "interrupted"))
    return warns


def result_rows(run):
    """(result, [row, workload, name, metric, unit, n, mean, σ, median, p99]) per measurement,
    its figures as C++ wrote them ("1.83 µs")."""
    for r in run.results:
        if isinstance(r.get("status"), str):
            continue  # an outcome, not a figure: the extension matrix shows it
        f = r.get("figures") or {}
        yield r, [r["row"], r["workload"], r.get("name", ""), r.get("metric", ""),
                  r.get("unit", ""), r["summary"].get("n", ""), f.get("mean", ""),
                  f.get("stddev", ""), f.get("median", ""), f.get("p99", "")]


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


def answer(run):
    """([(question, winner, ratio [95% interval], sentence)], paragraph) of the run's answer
    (reports/answer.h), as C++ wrote them."""
    a = run.ib.get("answer") or {}
    rows = [(r.get("question", ""), r.get("winner_text", ""), r.get("ratio_text", ""),
             r.get("sentence", "")) for r in (a.get("rows") or [])]
    return rows, a.get("paragraph", "")


def model_table(run):
    """(row labels, [[cell, error per row]]) of the cost model's check against the task farm
    (interpbench.cost_model.validation.table), as C++ formatted it; ([], []) without one."""
    v = ((run.ib.get("cost_model") or {}).get("validation") or {})
    t = v.get("table") or {}
    return t.get("columns") or [], t.get("lines") or []


def applications(run):
    """(N, [row], [(application, [speedup text per row])]) of the answer's applications table
    (reports/applications.h), as C++ wrote it; None when the run has no application results."""
    a = (run.ib.get("answer") or {}).get("applications") or {}
    if not a.get("apps"):
        return None
    rows = a.get("rows") or []
    lines = []
    for app in a["apps"]:
        name = app.get("app", "")
        if app.get("workers") != a.get("cores"):
            name += f" (N = {app.get('workers')})"
        cells = app.get("cells") or {}
        lines.append((name, [(cells.get(r) or {}).get("text", "") for r in rows]))
    return a.get("cores"), rows, lines


# Each plot shows one workload; the report puts it in that workload's section.
PLOT_WORKLOAD = {"round_trip": "pingpong", "throughput": "stream", "objects": "objects",
                 "startup": "startup", "memory": "memory", "scaling": "scaling",
                 "crossover": "taskfarm", "applications": "apps"}
# Workloads whose every variant crowds a compact table: only these metrics are shown there.
COMPACT_METRICS = {"objects": {"transfer"}}


def workload_order(runs, plots):
    """The workloads of the runs, in run order, then those of plots with no data (each plot
    stands in its workload's section, saying so)."""
    order = []
    for run in runs:
        for r in run.results:
            if r["workload"] not in order:
                order.append(r["workload"])
    for p in plots:
        w = PLOT_WORKLOAD.get(p.key)
        if w and p.key != "crossover" and w not in order:
            order.append(w)
    return order


def compact_table(run, workload):
    """(row labels, [(result name, [median per row])]) of one workload: medians as C++ wrote
    them; "" where a row has no such result."""
    rows, names, cells = [], [], {}
    keep = COMPACT_METRICS.get(workload)
    for r, c in result_rows(run):
        if r["workload"] != workload or (keep and r.get("metric") not in keep):
            continue
        if c[0] not in rows:
            rows.append(c[0])
        if c[2] not in names:
            names.append(c[2])
        cells[(c[2], c[0])] = c[8]
    return rows, [(n, [cells.get((n, row), "") for row in rows]) for n in names]
