"""Plausibility checks of each workload's results, shared by the reference-row tests and the
backend tests. They read what to expect from the results' own params, so any suite fits."""
import math
import os

from rows import samples


def sample_min(r):
    """Smallest sample: from the raw repetitions (a child result file) or the summary (a run's
    JSON, which keeps statistics instead of samples)."""
    return min(samples(r)) if "repetitions" in r else r["summary"]["min"]


def sample_mean(r):
    return sum(samples(r)) / len(samples(r)) if "repetitions" in r else r["summary"]["mean"]

METRICS = {"round_trip", "one_way", "throughput", "startup", "teardown", "encode", "transfer",
           "decode", "memory_rss", "memory_pss", "memory_uss", "wall", "task_throughput", "dispatch"}
UNITS = {"ns", "KiB", "B/s", "items/s"}
GRAPHS = ("ints", "floats", "records", "nested", "blobs")


class WorkloadChecks:
    """Mixin for unittest.TestCase: check_<workload>(results, row, handoff)."""

    def assert_well_formed(self, results):
        self.assertTrue(results)
        names = [(r["name"], r["metric"]) for r in results]
        self.assertEqual(len(names), len(set(names)), "result names repeat")
        for r in results:
            self.assertIn(r["metric"], METRICS, r["name"])
            self.assertIn(r["unit"], UNITS, r["name"])
            self.assertTrue(r["timed"], r["name"])
            self.assertIsInstance(r["params"], dict)
            if "repetitions" not in r:  # a run's JSON: statistics over the samples
                self.assertGreater(r["summary"]["n"], 0, r["name"])
                for key in ("min", "mean", "max"):
                    self.assertTrue(math.isfinite(r["summary"][key]), r["name"])
                continue
            self.assertTrue(r["repetitions"], r["name"])
            for rep in r["repetitions"]:
                self.assertTrue(rep, r["name"])
                for s in rep:
                    self.assertIsInstance(s, (int, float))
                    self.assertTrue(math.isfinite(s), r["name"])

    def assert_positive(self, results):
        for r in results:
            self.assertGreater(sample_min(r), 0, r["name"])

    def check_pingpong(self, results, row, handoff):
        self.assertEqual({r["metric"] for r in results}, {"round_trip"})
        cpus = set(range(os.cpu_count() or 1))
        for r in results:
            self.assertEqual(r["bytes_per_op"], r["params"]["size_bytes"])
            # one [driver_cpu, worker_cpu] per repetition, both read from /proc on Linux
            # (a workload's own result has "repetitions", a run report's "repetition_counts")
            reps = r["repetitions"] if "repetitions" in r else r["repetition_counts"]
            self.assertEqual(len(r["cpus"]), len(reps), r["name"])
            for pair in r["cpus"]:
                self.assertEqual(len(pair), 2)
                self.assertTrue(set(pair) <= cpus, pair)
        self.assert_positive(results)

    def check_stream(self, results, row, handoff):
        self.assertEqual({r["metric"] for r in results}, {"one_way"})
        for r in results:
            self.assertEqual(r["bytes_per_op"], r["params"]["size_bytes"])
        self.assert_positive(results)  # ns per message > 0: a finite, positive throughput

    def check_objects(self, results, row, handoff):
        by = {(r["params"]["graph"], r["params"]["elements"], r["params"]["codec"], r["metric"])
              for r in results}
        sizes = sorted({r["params"]["elements"] for r in results})
        for n in sizes:
            for graph in GRAPHS:
                for codec in ("pickle5", "marshal"):
                    for metric in ("encode", "transfer", "decode"):
                        self.assertIn((graph, n, codec, metric), by)
                self.assertIn((graph, n, "raw", "transfer"), by)
                self.assertNotIn((graph, n, "raw", "encode"), by)
            self.assertIn(("blobs", n, "pickle5-oob", "decode"), by)
            self.assertEqual(("blobs", n, "pickle5-oob-handoff", "transfer") in by, handoff)
        self.assertEqual(any(codec.endswith("handoff") for _, _, codec, _ in by), handoff)
        for r in results:
            self.assertGreater(r["bytes_per_op"], 0)
            if r["metric"] == "transfer":
                self.assertGreater(sample_min(r), 0, r["name"])
            else:
                self.assertGreaterEqual(sample_min(r), 0, r["name"])

    def check_startup(self, results, row, handoff):
        self.assertEqual(sorted(r["metric"] for r in results), ["startup", "teardown"])
        self.assert_positive(results)
        starts = results[0]["params"]["starts"]
        for r in results:
            if "repetitions" in r:
                self.assertEqual({len(rep) for rep in r["repetitions"]}, {starts})

    def check_memory(self, results, row, handoff):
        per_worker = {}
        for r in results:
            self.assertEqual(r["unit"], "KiB")
            per_worker.setdefault(r["metric"], {})[r["params"]["workers"]] = sample_mean(r)
        self.assertEqual(set(per_worker), {"memory_rss", "memory_pss", "memory_uss"})
        rss = per_worker["memory_rss"]
        self.assertGreaterEqual(len(rss), 2)
        scope = results[0]["params"]["scope"]
        self.assertIn(scope, ("process", "host"))
        if scope == "process":
            # Each worker is a process of its own, measured in its own smaps: more of them never
            # take less in total.
            totals = [rss[n] * n for n in sorted(rss)]
            self.assertEqual(totals, sorted(totals))
            self.assertGreater(rss[min(rss)], 0)
        elif row in ("py-interpreters", "py-interpreters-poll", "subinterp"):
            # Host deltas: the first start in a process pays one-time costs (hundreds of KiB)
            # that later starts reuse, so totals over N are not monotonic (this check was: it
            # failed in 3 to 6 of 10 runs); but the first interpreters cost the host something.
            self.assertGreater(rss[min(rss)], 0)

    def check_scaling(self, results, row, handoff):
        counts = [r["params"]["workers"] for r in results]
        self.assertEqual(counts[0], 1)
        self.assertEqual(counts, sorted(counts))
        self.assert_positive(results)
        if "speedup" not in results[0]:
            return  # a run's JSON keeps the RESULT's standard fields only
        self.assertEqual(results[0]["speedup"], 1.0)
        self.assertEqual(results[0]["efficiency"], 1.0)
        for r in results:
            self.assertGreater(r["speedup"], 0)
            self.assertAlmostEqual(r["efficiency"], r["speedup"] / r["params"]["workers"])

    def check_apps(self, results, row, handoff):
        """Every application at every N: tasks/s, startup and USS per worker. The workload
        itself fails the row when a worker's summary differs from the driver's reference."""
        apps = {r["params"]["app"] for r in results}
        counts = {r["params"]["workers"] for r in results}
        self.assertIn(1, counts)
        names = {(r["name"], r["metric"]) for r in results}
        expected = set()
        for app in apps:
            for n in counts:
                expected |= {(f"apps/{app}/{n}", "task_throughput"),
                             (f"apps/{app}/{n}/startup", "startup"),
                             (f"apps/{app}/{n}/uss", "memory_uss")}
        self.assertEqual(names, expected)
        for r in results:
            self.assertGreater(r["params"]["tasks"], 0, r["name"])
            if r["metric"] != "memory_uss":  # a host-scope delta may be 0 or below
                self.assertGreater(sample_min(r), 0, r["name"])
            if r["metric"] == "task_throughput":
                self.assertTrue(r["higher_is_better"])
                if "speedup" in r and r["params"]["workers"] == 1:
                    self.assertEqual(r["speedup"], 1.0)

    def check_taskfarm(self, results, row, handoff):
        wake = [r for r in results if r["name"].startswith("taskfarm/wake/")]
        dispatch = [r for r in results if r["metric"] == "dispatch" and r not in wake]
        results = [r for r in results if r["metric"] != "dispatch"]
        counts = {r["params"]["workers"] for r in results}
        suffix = (lambda r: f"/{r['params']['workers']}") if len(counts) > 1 else (lambda r: "")
        for r in results:
            self.assertEqual(r["name"], f"taskfarm/{r['params']['compute_us']}us/"
                                        f"{r['params']['payload_bytes']}B{suffix(r)}")
        cells = {(r["params"]["compute_us"], r["params"]["payload_bytes"], r["params"]["workers"])
                 for r in results}
        computes = {c for c, _, _ in cells}
        payloads = {p for _, p, _ in cells}
        self.assertEqual(cells, {(c, p, n) for c in computes for p in payloads for n in counts})
        # A dispatch cell (no compute: ns per task) per payload of the grid and worker count.
        self.assertEqual({(r["params"]["payload_bytes"], r["params"]["workers"]) for r in dispatch},
                         {(p, n) for p in payloads for n in counts})
        for r in dispatch:
            self.assertEqual((r["name"], r["unit"], r["params"]["loops"]),
                             (f"taskfarm/dispatch/{r['params']['payload_bytes']}B{suffix(r)}",
                              "ns", 0))
            self.assertFalse(r["higher_is_better"])
            self.assertGreater(sample_min(r), 0, r["name"])
        # One wake cell per worker count: the smallest payload, 20 us of compute per task.
        self.assertEqual(sorted((r["name"], r["params"]["compute_us"], r["params"]["workers"])
                                for r in wake),
                         sorted((f"taskfarm/wake/{min(payloads)}B{suffix(r)}", 20,
                                 r["params"]["workers"]) for r in wake))
        self.assertEqual(sorted(r["params"]["workers"] for r in wake), sorted(counts))
        for r in wake:
            self.assertGreater(r["params"]["loops"], 0)
            self.assertGreater(sample_min(r), 0, r["name"])
        for r in results:
            self.assertEqual(r["metric"], "task_throughput")
            self.assertTrue(r["higher_is_better"])
            self.assertGreater(sample_min(r), 0, r["name"])
            self.assertGreater(r.get("ideal_items_per_s", 1), 0)
