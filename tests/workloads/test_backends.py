"""Every workload runs on the C++ backends (subinterp, subprocess, thread) through the CLI's quick
suite, and its results pass the same checks as on the reference rows. Needs the built CLI:
$INTERPBENCH_EXE (set by ctest); skipped without it."""
import json
import os
import subprocess
import tempfile
import unittest

from checks import WorkloadChecks

WORKLOADS = ("pingpong", "stream", "objects", "startup", "memory", "scaling", "taskfarm")
BACKENDS = ("subinterp", "subprocess", "thread")
RUN_TIMEOUT_S = 240


class WorkloadsOnBackends(WorkloadChecks, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        exe = os.environ.get("INTERPBENCH_EXE")
        if not exe or not os.access(exe, os.X_OK):
            raise unittest.SkipTest("INTERPBENCH_EXE is not set to the built interpbench")
        argv = [exe, "run", "--suite", "quick", "--workload", ",".join(WORKLOADS),
                "--backend", ",".join(BACKENDS), "--sizes", "8,4K", "--repetitions", "2",
                "--format", "json", "--quiet"]
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
        cls.stderr = proc.stderr
        cls.children = {}
        if proc.stdout.strip():
            for child in json.loads(proc.stdout)["interpbench"]["rows"]:
                cls.children[(child["row"], child["workload"])] = child

    def check_workload(self, name):
        for backend in BACKENDS:
            with self.subTest(backend=backend):
                child = self.children.get((backend, name))
                self.assertIsNotNone(child, f"no {backend} x {name} child: {self.stderr}")
                self.assertIsNone(child.get("skipped"))
                self.assertIsNone(child["error"], child)
                self.assertEqual(child["worker_errors"], [])
                self.assert_well_formed(child["results"])
                getattr(self, f"check_{name}")(child["results"], backend, True)

    def test_pingpong(self):
        self.check_workload("pingpong")

    def test_stream(self):
        self.check_workload("stream")

    def test_objects(self):
        self.check_workload("objects")

    def test_startup(self):
        self.check_workload("startup")

    def test_memory(self):
        self.check_workload("memory")

    def test_scaling(self):
        self.check_workload("scaling")

    def test_taskfarm(self):
        self.check_workload("taskfarm")


def run_cli(*args):
    exe = os.environ.get("INTERPBENCH_EXE")
    if not exe or not os.access(exe, os.X_OK):
        raise unittest.SkipTest("INTERPBENCH_EXE is not set to the built interpbench")
    return subprocess.run([exe, "run", *args], capture_output=True, text=True,
                          timeout=RUN_TIMEOUT_S)


class AppsOnBackends(WorkloadChecks, unittest.TestCase):
    """workloads/apps.py, every application on the quick suite's corpus share, one round: the
    driver checks every worker's summary against its own single-threaded reference."""

    def test_every_application_on_every_backend(self):
        proc = run_cli("--suite", "quick", "--workload", "apps", "--backend", ",".join(BACKENDS),
                       "--rounds", "1", "--repetitions", "1", "--format", "json", "--quiet")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        children = {c["row"]: c for c in json.loads(proc.stdout)["interpbench"]["rows"]}
        for backend in BACKENDS:
            with self.subTest(backend=backend):
                child = children[backend]
                self.assertIsNone(child["error"], child)
                self.assertEqual(child["worker_errors"], [])
                self.assert_well_formed(child["results"])
                self.check_apps(child["results"], backend, True)
                self.assertEqual({r["params"]["app"] for r in child["results"]},
                                 {"parse", "regex", "compress", "json", "sqlite", "nbody",
                                  "mandelbrot"})

    def test_every_application_on_every_row_of_the_quick_suite(self):
        # No --backend: every row whose catalogue entry runs apps, the executor rows included
        # (they submit apps' task()); py-executor-interp is skipped before 3.14, with its reason.
        proc = run_cli("--suite", "quick", "--workload", "apps", "--rounds", "1",
                       "--repetitions", "1", "--format", "json", "--quiet")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        children = {c["row"]: c for c in json.loads(proc.stdout)["interpbench"]["rows"]}
        self.assertTrue({"subinterp", "subprocess", "thread", "py-threading",
                         "py-multiprocessing-fork", "py-interpreters-poll", "py-executor-thread",
                         "py-executor-process-fork", "py-executor-interp"} <= set(children),
                        sorted(children))
        for row, child in children.items():
            with self.subTest(row=row):
                if child.get("skipped"):
                    self.assertEqual(row, "py-executor-interp")
                    self.assertIn("3.14", child["skipped"])
                    continue
                self.assertIsNone(child["error"], child)
                self.assertEqual(child["worker_errors"], [])
                self.assert_well_formed(child["results"])
                self.check_apps(child["results"], row, row == "py-threading")
                self.assertEqual({r["params"]["app"] for r in child["results"]},
                                 {"parse", "regex", "compress", "json", "sqlite", "nbody",
                                  "mandelbrot"})

    def test_a_wrong_summary_fails_the_run(self):
        # The lie is in task(): the worker loop (subinterp) and the executors submit it alike.
        # The catalogue gives the executor rows the workload named apps, so the fixture runs as
        # a file of that name.
        tests = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        apps_py = os.path.join(os.path.dirname(tests), "workloads", "apps.py")
        with open(os.path.join(tests, "fixtures", "apps_wrong.py"), encoding="utf-8") as f:
            wrong_source = f.read()
        rows = ("subinterp", "py-executor-thread", "py-executor-process-fork")  # quick: fork
        with tempfile.TemporaryDirectory(prefix="interpbench-test-") as tmp:
            wrong = os.path.join(tmp, "apps.py")
            with open(wrong, "w", encoding="utf-8") as f:
                f.write(f"_APPS_PATH = {apps_py!r}\n{wrong_source}")
            proc = run_cli("--suite", "quick", "--workload-file", wrong, "--backend",
                           "subinterp,py-executor-thread,py-executor-process",
                           "--rounds", "1", "--repetitions", "1", "--format", "json", "--quiet")
        self.assertEqual(proc.returncode, 1, proc.stderr)
        children = {c["row"]: c for c in json.loads(proc.stdout)["interpbench"]["rows"]}
        self.assertEqual(set(children), set(rows))
        for row in rows:
            with self.subTest(row=row):
                self.assertIn("differs from the driver's reference", children[row]["error"])


class AdviseTaskExample(unittest.TestCase):
    """docs/examples/advise_task.py, the task farm set beside `interpbench advise`, runs as its
    docstring says, with the run's calibration: the fastest of its probes, the slowest kept."""

    def test_runs_one_task_shape_with_the_runs_calibration(self):
        example = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__)))), "docs", "examples", "advise_task.py")
        env = dict(os.environ, ADVISE_TASK="20,64")
        exe = os.environ.get("INTERPBENCH_EXE")
        if not exe or not os.access(exe, os.X_OK):
            raise unittest.SkipTest("INTERPBENCH_EXE is not set to the built interpbench")
        proc = subprocess.run([exe, "run", "--workload-file", example, "--backend", "subinterp,thread",
                               "--rounds", "1", "--repetitions", "1", "--format", "json", "--quiet"],
                              capture_output=True, text=True, timeout=RUN_TIMEOUT_S, env=env)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        report = json.loads(proc.stdout)["interpbench"]
        calibration = report["options"]["calibration"]["advise_task"]
        self.assertGreaterEqual(calibration["loops_per_us"], calibration["loops_per_us_slowest_probe"])
        for row in report["rows"]:
            self.assertIsNone(row["error"], row)
            (result,) = row["results"]
            self.assertEqual(result["name"], "advise_task/20us/64B")
            self.assertEqual(result["params"]["loops"],
                             max(1, round(20 * calibration["loops_per_us"])))
            self.assertGreater(result["rounds"]["median"], 0)


class ViewsOnEveryRow(unittest.TestCase):
    """ch.recv_view gives a memoryview of each message, on every row; on the subprocess backend
    a message above the pool threshold stays in shared memory, and no view's bytes change while
    the worker holds it (tests/fixtures/views.py)."""

    def test_views_hold_the_messages_as_sent(self):
        fixture = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                               "fixtures", "views.py")
        rows = ("subinterp", "subprocess", "thread", "py-threading", "py-multiprocessing",
                "py-interpreters-poll")
        proc = run_cli("--suite", "quick", "--workload-file", fixture, "--backend", ",".join(rows),
                       "--rounds", "1", "--format", "json", "--quiet")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        children = {c["row"]: c for c in json.loads(proc.stdout)["interpbench"]["rows"]}
        # py-multiprocessing runs as its quick-suite start method, fork.
        self.assertEqual(set(children), set(rows) - {"py-multiprocessing"} |
                         {"py-multiprocessing-fork"})
        for row, child in children.items():
            with self.subTest(row=row):
                self.assertIsNone(child["error"], child)
                self.assertEqual(child["worker_errors"], [])
                obs = child["results"][0]["params"]
                self.assertTrue(obs["as_sent"], obs["got"])
                self.assertTrue(obs["unchanged"], obs["got"])


if __name__ == "__main__":
    unittest.main()
