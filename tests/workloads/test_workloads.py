"""Every workload runs on every reference row at tiny sizes, and its results are well formed and
plausible (docs/design.md, RESULT). One class per row so that a row's failure names it."""
import unittest

from checks import WorkloadChecks
from rows import FIXTURES, run_reference, workload

APPS_WRONG = f"{FIXTURES}/apps_wrong.py"

TINY = {"sizes": [8, 4096], "repetitions": 2, "warmup": 2, "iterations": 5, "workers": [1, 2],
        "timeout": 20, "suite": "test"}
PER_WORKLOAD = {
    "objects": {"sizes": [4, 64], "iterations": 3},
    "startup": {"iterations": 2},
    "memory": {"workers": [1, 2, 3], "repetitions": 1},
    "scaling": {"workers": [1, 2], "loops": 20000, "iterations": 1},
    "taskfarm": {"compute_us": [10, 200], "sizes": [8, 4096], "workers": [2],
                 "iterations": 6},
    # Three small files of the standard library, tiny kernels.
    "apps": {"corpus_files": 3, "corpus_max_bytes": 8192, "nbody_steps": 50, "nbody_tasks": 3,
             "mandelbrot_size": 24, "mandelbrot_rows": 8, "mandelbrot_iterations": 10,
             "workers": [1, 2], "repetitions": 1},
}
APPS = ("parse", "regex", "compress", "json", "sqlite", "nbody", "mandelbrot")


class WorkloadsOnRow(WorkloadChecks):
    row = method = None

    def run_workload(self, name):
        params = dict(TINY, **PER_WORKLOAD.get(name, {}))
        code, doc, err = run_reference(self.row, workload(name), params, self.method)
        self.assertIsNotNone(doc, err)
        if doc.get("skipped"):
            self.skipTest(doc["skipped"])
        self.assertIsNone(doc["error"], err)
        self.assertEqual(code, 0, err)
        self.assertEqual(doc["worker_errors"], [])
        self.assertEqual(doc["workload"], name)
        self.assert_well_formed(doc["results"])
        getattr(self, f"check_{name}")(doc["results"], self.row, self.row == "py-threading")
        return doc["results"]

    def test_pingpong(self):
        results = self.run_workload("pingpong")
        self.assertEqual([r["params"]["size_bytes"] for r in results], TINY["sizes"])

    def test_stream(self):
        results = self.run_workload("stream")
        self.assertEqual([r["params"]["size_bytes"] for r in results], TINY["sizes"])

    def test_objects(self):
        results = self.run_workload("objects")
        self.assertEqual({r["params"]["elements"] for r in results}, {4, 64})

    def test_startup(self):
        results = self.run_workload("startup")
        self.assertEqual([len(rep) for rep in results[0]["repetitions"]], [2, 2])

    def test_memory(self):
        results = self.run_workload("memory")
        self.assertEqual({r["params"]["workers"] for r in results}, {1, 2, 3})

    def test_scaling(self):
        results = self.run_workload("scaling")
        self.assertEqual([r["params"]["workers"] for r in results], [1, 2])

    def test_taskfarm(self):
        results = self.run_workload("taskfarm")
        self.assertEqual({(r["params"]["compute_us"], r["params"]["payload_bytes"])
                          for r in results}, {(c, p) for c in (0, 10, 200) for p in (8, 4096)})
        self.assertEqual({r["params"]["workers"] for r in results}, {2})

    def test_apps(self):
        # The driver checks every worker's summary against its own: a passing run agrees.
        results = self.run_workload("apps")
        self.assertEqual({r["params"]["app"] for r in results}, set(APPS))
        self.assertEqual({r["params"]["workers"] for r in results}, {1, 2})

    def test_apps_fails_when_a_worker_computes_something_else(self):
        params = dict(TINY, **PER_WORKLOAD["apps"], apps=["compress"])
        code, doc, err = run_reference(self.row, APPS_WRONG, params, self.method)
        if doc and doc.get("skipped"):
            self.skipTest(doc["skipped"])
        self.assertEqual(code, 1, err)
        self.assertIn("differs from the driver's reference", doc["error"])


class Threading(WorkloadsOnRow, unittest.TestCase):
    row = "py-threading"


class MultiprocessingFork(WorkloadsOnRow, unittest.TestCase):
    row, method = "py-multiprocessing", "fork"


class InterpretersPoll(WorkloadsOnRow, unittest.TestCase):
    row = "py-interpreters-poll"


class OnExecutor(WorkloadsOnRow):
    """An executor runs the workloads that define task(message) (scaling, taskfarm, apps: every
    application, its summaries checked against the driver's, and apps_wrong's lying task() fails
    the row) and skips the others, saying why."""

    def run_workload(self, name):
        if name in ("scaling", "taskfarm", "apps"):
            return super().run_workload(name)
        code, doc, err = run_reference(self.row, workload(name), TINY, self.method)
        self.assertEqual(code, 0, err)
        self.assertRegex(doc["skipped"], r"defines no task\(message\)|needs 3\.14")
        self.skipTest(doc["skipped"])


class ExecutorThread(OnExecutor, unittest.TestCase):
    row = "py-executor-thread"


class ExecutorProcessFork(OnExecutor, unittest.TestCase):
    row, method = "py-executor-process", "fork"


class ExecutorProcessSpawn(OnExecutor, unittest.TestCase):
    row, method = "py-executor-process", "spawn"


class ExecutorInterp(OnExecutor, unittest.TestCase):
    row = "py-executor-interp"  # 3.14+; skipped with its reason before


if __name__ == "__main__":
    unittest.main()
