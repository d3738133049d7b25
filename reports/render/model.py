"""The input model: the runs `interpbench report` hands over (reports/report_view.h), with every
label and figure as C++ wrote it. Nothing here derives a label, a unit or a figure's text."""
import json


class Run:
    """One run report, its view fields (docs/json-schema.md, "The report view") and its results
    flattened with their row's identity attached."""

    def __init__(self, doc):
        self.doc = doc
        ib = doc.get("interpbench", {})
        self.ib = ib
        self.env = ib.get("environment", {}) or {}
        self.rows = ib.get("rows", []) or []
        view = ib.get("view") or {}
        self.label = view.get("label", "")       # "Python 3.12.1", "quick", "quick.json"
        self.file = view.get("file", "")         # the run's file name
        self.python_label = view.get("python_label", "")  # "3.12" when the runs' Pythons differ
        self.version = view.get("python_version", "")
        self.shared_gil = view.get("shared_gil") or []   # ["subinterp-legacy: --config legacy"]
        self.results = []
        for row in self.rows:
            for r in row.get("results", []) or []:
                item = dict(r)
                item["row"] = row.get("display_name", "?")
                item["row_in_run"] = row.get("display_name_in_run", "?")  # without " · 3.12"
                item["row_doc"] = row
                item["kind"] = row.get("kind", "backend")
                item["workload"] = row.get("workload", "?")
                item["params"] = r.get("params") or {}
                item["summary"] = r.get("summary") or {}
                self.results.append(item)

    def python_build(self):
        """ "Python 3.13.0 (--enable-shared, release, no PGO, no LTO, GIL)" """
        py = self.env.get("python") or {}
        flags = py.get("build_flags")
        if not flags:  # a run JSON from before build_flags existed
            flags = ", ".join(x for x in ("debug" if py.get("debug") else "",
                                          "free-threaded" if py.get("gil_disabled") else "") if x)
        return f"Python {self.version or '?'}" + (f" ({flags})" if flags else "")

    def of(self, *metrics, workload=None, exclude=()):
        """The results with one of `metrics`; of `workload` only, when given; none of the
        workloads in `exclude` (apps.py reports startup and memory too, for its own plot)."""
        return [r for r in self.results if r.get("metric") in metrics
                and (workload is None or r.get("workload") == workload)
                and r.get("workload") not in exclude]

    def caption(self):
        e = self.env
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


# The workloads whose results have a plot of their own (render/applications.py): the per-metric
# plots (startup, memory, scaling, crossover) leave them out.
APP_WORKLOADS = ("apps",)


def load_runs(path):
    """The runs of the report view file that `interpbench report` wrote."""
    with open(path, encoding="utf-8") as f:
        return [Run(doc) for doc in json.load(f)["runs"]]


def num(params, *keys):
    """The first of `keys` that params holds as a number."""
    for k in keys:
        v = params.get(k)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return v
    return None


def param_text(r, *keys):
    """The text C++ gave the first of `keys` that the result's params hold ("64 KiB")."""
    texts = r.get("params_text") or {}
    return next((texts[k] for k in keys if k in texts), None)


def start_method(r):
    p = r["params"]
    for k in ("method", "start_method"):
        if isinstance(p.get(k), str):
            return p[k]
    return None


def run_suffix(runs, run):
    return f" [{run.label}]" if len(runs) > 1 else ""
