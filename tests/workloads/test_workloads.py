"""Every workload runs on every reference row at tiny sizes, and its results are well formed and
plausible (docs/design.md, RESULT). One class per row so that a row's failure names it."""
import math
import unittest

from rows import run_reference, samples, workload

TINY = {"sizes": [8, 4096], "repetitions": 2, "warmup": 2, "iterations": 5, "workers": [1, 2],
        "timeout": 20, "suite": "test"}
PER_WORKLOAD = {
    "objects": {"sizes": [4, 64], "iterations": 3},
    "startup": {"iterations": 2},
    "memory": {"workers": [1, 2, 3], "repetitions": 1},
    "scaling": {"workers": [1, 2], "loops": 20000, "iterations": 1},
    "taskfarm": {"compute_us": [10, 200], "sizes": [8, 4096], "workers": [2],
                 "iterations": 6},
}
WORKLOADS = ("pingpong", "stream", "objects", "startup", "memory", "scaling", "taskfarm")
METRICS = {"round_trip", "one_way", "throughput", "startup", "teardown", "encode", "transfer",
           "decode", "memory_rss", "memory_pss", "memory_uss", "wall", "task_throughput"}
UNITS = {"ns", "KiB", "B/s", "items/s"}


class WorkloadsOnRow:
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
        return doc["results"]

    def assert_well_formed(self, results):
        self.assertTrue(results)
        names = [(r["name"], r["metric"]) for r in results]
        self.assertEqual(len(names), len(set(names)), "result names repeat")
        for r in results:
            with self.subTest(result=r["name"]):
                self.assertIn(r["metric"], METRICS)
                self.assertIn(r["unit"], UNITS)
                self.assertTrue(r["timed"])
                self.assertIsInstance(r["params"], dict)
                self.assertTrue(r["repetitions"])
                for rep in r["repetitions"]:
                    self.assertTrue(rep)
                    for s in rep:
                        self.assertIsInstance(s, (int, float))
                        self.assertTrue(math.isfinite(s))

    def assert_positive(self, results):
        for r in results:
            self.assertGreater(min(samples(r)), 0, r["name"])

    def test_pingpong(self):
        results = self.run_workload("pingpong")
        self.assertEqual([r["params"]["size_bytes"] for r in results], TINY["sizes"])
        self.assertEqual({r["metric"] for r in results}, {"round_trip"})
        self.assertEqual([r["bytes_per_op"] for r in results], TINY["sizes"])
        self.assert_positive(results)

    def test_stream(self):
        results = self.run_workload("stream")
        self.assertEqual([r["bytes_per_op"] for r in results], TINY["sizes"])
        self.assert_positive(results)  # ns per message > 0: the throughput is finite and > 0

    def test_objects(self):
        results = self.run_workload("objects")
        by = {(r["params"]["graph"], r["params"]["elements"], r["params"]["codec"], r["metric"])
              for r in results}
        for graph in ("ints", "floats", "records", "nested", "blobs"):
            for metric in ("encode", "transfer", "decode"):
                self.assertIn((graph, 64, "pickle5", metric), by)
                self.assertIn((graph, 64, "marshal", metric), by)
            self.assertIn((graph, 4, "raw", "transfer"), by)
            self.assertNotIn((graph, 4, "raw", "encode"), by)
        self.assertIn(("blobs", 64, "pickle5-oob", "decode"), by)
        handoff = any(codec.endswith("handoff") for _, _, codec, _ in by)
        self.assertEqual(handoff, self.row == "py-threading")
        for r in results:
            self.assertGreater(r["bytes_per_op"], 0)
            if r["metric"] == "transfer":
                self.assertGreater(min(samples(r)), 0, r["name"])
            else:
                self.assertGreaterEqual(min(samples(r)), 0, r["name"])

    def test_startup(self):
        results = self.run_workload("startup")
        self.assertEqual(sorted(r["metric"] for r in results), ["startup", "teardown"])
        self.assert_positive(results)
        for r in results:
            self.assertEqual([len(rep) for rep in r["repetitions"]], [2, 2])

    def test_memory(self):
        results = self.run_workload("memory")
        per_worker = {}
        for r in results:
            self.assertEqual(r["unit"], "KiB")
            per_worker.setdefault(r["metric"], {})[r["params"]["workers"]] = \
                sum(samples(r)) / len(samples(r))
        self.assertEqual(set(per_worker), {"memory_rss", "memory_pss", "memory_uss"})
        rss = per_worker["memory_rss"]
        self.assertEqual(sorted(rss), [1, 2, 3])
        if results[0]["params"]["scope"] == "process" or self.row == "py-interpreters":
            # Each worker is a process or an interpreter of its own: more of them never take
            # less in total. (Threads add too little to the host for that to be robust.)
            totals = [rss[n] * n for n in sorted(rss)]
            self.assertEqual(totals, sorted(totals))
            self.assertGreater(rss[1], 0)

    def test_scaling(self):
        results = self.run_workload("scaling")
        self.assertEqual([r["params"]["workers"] for r in results], [1, 2])
        self.assert_positive(results)
        self.assertEqual(results[0]["speedup"], 1.0)
        self.assertEqual(results[0]["efficiency"], 1.0)
        for r in results:
            self.assertGreater(r["speedup"], 0)
            self.assertAlmostEqual(r["efficiency"], r["speedup"] / r["params"]["workers"])

    def test_taskfarm(self):
        results = self.run_workload("taskfarm")
        cells = {(r["params"]["compute_us"], r["params"]["payload_bytes"]) for r in results}
        self.assertEqual(cells, {(c, p) for c in (10, 200) for p in (8, 4096)})
        for r in results:
            self.assertEqual(r["metric"], "task_throughput")
            self.assertTrue(r["higher_is_better"])
            self.assertEqual(r["params"]["workers"], 2)
            self.assertGreater(min(samples(r)), 0)
            self.assertGreater(r["ideal_items_per_s"], 0)


class Threading(WorkloadsOnRow, unittest.TestCase):
    row = "py-threading"


class MultiprocessingFork(WorkloadsOnRow, unittest.TestCase):
    row, method = "py-multiprocessing", "fork"


class Interpreters(WorkloadsOnRow, unittest.TestCase):
    row = "py-interpreters"


if __name__ == "__main__":
    unittest.main()
