"""Every workload runs on the C++ backends (subinterp, subprocess, thread) through the CLI's quick
suite, and its results pass the same checks as on the reference rows. Needs the built CLI:
$INTERPBENCH_EXE (set by ctest); skipped without it."""
import json
import os
import subprocess
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


if __name__ == "__main__":
    unittest.main()
