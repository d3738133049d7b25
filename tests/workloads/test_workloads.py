"""Every workload runs on every reference row at tiny sizes, and its results are well formed and
plausible (docs/design.md, RESULT). One class per row so that a row's failure names it."""
import os
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

    def run_workload(self, name, **overrides):
        params = dict(TINY, **dict(PER_WORKLOAD.get(name, {}), **overrides))
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
                          for r in results},
                         {(c, p) for c in (0, 10, 200) for p in (8, 4096)} | {(20, 8)})  # + wake
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

    def test_taskfarm_over_two_worker_counts(self):
        """`run --workers 1,2`: each count's cells and dispatch cells, their names ending in it."""
        results = self.run_workload("taskfarm", workers=[1, 2])
        self.assertIn("taskfarm/dispatch/8B/1", [r["name"] for r in results])


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



def load_workload(name):
    """workloads/NAME.py as a module of this process (its driver-side functions are plain
    Python)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(f"{name}_under_test", workload(name))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class AppsRunCache(unittest.TestCase):
    """apps.py keeps the corpus, the tasks and the driver's reference summaries in the run's
    directory (params["run_dir"]): the first child computes them, the others load them, and a
    loaded copy that the driver's own check contradicts is computed again."""

    @classmethod
    def setUpClass(cls):
        cls.apps = load_workload("apps")

    def setUp(self):
        import tempfile
        self.tmp = tempfile.TemporaryDirectory(prefix="interpbench-test-")
        self.params = dict(PER_WORKLOAD["apps"], run_dir=self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def test_second_child_loads_what_the_first_computed(self):
        apps = self.apps
        first = apps.RunCache(self.params)
        files = apps.cached_corpus(first, self.params)
        tasks, reference = apps.cached_tasks_and_reference(first, "parse", files, self.params)
        self.assertEqual(files, apps.corpus(self.params))
        self.assertEqual(reference, apps.reference_summaries("parse", apps.app_tasks(
            "parse", files, self.params)))
        kept = sorted(os.listdir(self.tmp.name))
        self.assertEqual(len(kept), 2, kept)  # the corpus and parse's (tasks, reference)
        second = apps.RunCache(dict(self.params))
        self.assertEqual(second.get("corpus"), [list(f) for f in files])
        again = apps.cached_tasks_and_reference(second, "parse", files, self.params)
        self.assertEqual(again, (tasks, reference))

    def test_a_copy_the_check_contradicts_is_computed_again(self):
        apps = self.apps
        cache = apps.RunCache(self.params)
        files = apps.cached_corpus(cache, self.params)
        tasks, reference = apps.cached_tasks_and_reference(cache, "compress", files, self.params)
        cache.put("compress", [[list(t) for t in tasks], [{"wrong": 1}] * len(reference)])
        got_tasks, got_reference = apps.cached_tasks_and_reference(cache, "compress", files,
                                                                   self.params)
        self.assertEqual(got_reference, reference)
        self.assertEqual(cache.get("compress")[1], reference)  # and the file is mended

    def test_other_inputs_other_files_and_no_dir_no_files(self):
        apps = self.apps
        a = apps.RunCache(self.params)
        b = apps.RunCache(dict(self.params, nbody_steps=self.params["nbody_steps"] + 1))
        self.assertNotEqual(a._path("nbody"), b._path("nbody"))
        # Per-child keys (the row, the round's pinning) do not change what is kept.
        c = apps.RunCache(dict(self.params, backend="subprocess", pin="off"))
        self.assertEqual(a._path("nbody"), c._path("nbody"))
        alone = apps.RunCache({k: v for k, v in self.params.items() if k != "run_dir"})
        alone.put("corpus", [["x", b"y"]])
        self.assertIsNone(alone.get("corpus"))
        self.assertEqual(os.listdir(self.tmp.name), [])

    def test_a_damaged_file_is_computed_again(self):
        apps = self.apps
        cache = apps.RunCache(self.params)
        with open(cache._path("corpus"), "wb") as f:
            f.write(b"\x00not marshal")
        self.assertEqual(apps.cached_corpus(cache, self.params), apps.corpus(self.params))


class TaskfarmWarmUp(unittest.TestCase):
    """A cell's untimed warm-up: the first cell of a payload size runs the farm at full depth,
    (depth + 1) tasks per worker, so that no timed cell is the first to fault in its messages'
    memory; every cell then runs one task per worker."""

    def setUp(self):
        self.taskfarm = load_workload("taskfarm")
        self.calls = []

        def farm(ctx, channels, message, tasks, depth, timeout):
            self.calls.append((len(message), tasks, depth))
            return 1000  # elapsed ns

        self.taskfarm.farm = farm

    def test_a_new_size_is_warmed_at_full_depth_once(self):
        warm_up, warmed = self.taskfarm.warm_up, set()
        channels = ["worker 0", "worker 1"]
        warm_up(None, channels, b"x" * 1032, 2, 5, warmed)
        warm_up(None, channels, b"x" * 1032, 2, 5, warmed)
        warm_up(None, channels, b"x" * 16, 2, 5, warmed)
        self.assertEqual(self.calls, [(1032, 6, 2), (1032, 2, 1), (1032, 2, 1),
                                      (16, 6, 2), (16, 2, 1)])

    def test_the_driver_warms_each_size_at_its_dispatch_cell(self):
        class Ctx:
            cores = 2

            def start(self, n):
                return [Channel() for _ in range(n)]

            def stop(self):
                pass

        class Channel:
            def recv(self, timeout=None):
                return b"ready"

        self.taskfarm.driver(Ctx(), {"sizes": [8, 64], "compute_us": [10], "workers": [2],
                                     "repetitions": 1, "loops_per_us": 1, "depth": 2})
        full_depth = [(size, tasks) for size, tasks, depth in self.calls if tasks == 6]
        self.assertEqual(full_depth, [(16, 6), (72, 6)])


class StreamWarmUp(unittest.TestCase):
    """stream's untimed warm-up batch: at least params["warmup"] messages (at most a batch), and
    up to four batches until params["warmup_bytes"] moved, so that a round's three batches of
    16 MiB messages are not the first copies into the process's fresh memory."""

    def batches(self, **params):
        stream = load_workload("stream")
        calls = []

        def run_batch(ch, payload, n, timeout):
            calls.append((len(payload), n))
            return 1.0

        stream.run_batch = run_batch

        class Ctx:
            def start(self, n):
                return [None] * n

            def stop(self):
                pass

        stream.driver(Ctx(), dict({"iterations": 100, "bytes_budget": 4 << 20, "warmup": 20,
                                   "batches": 2, "repetitions": 1}, **params))
        return calls

    def test_without_warmup_bytes_one_batch_of_warmup_messages(self):
        self.assertEqual(self.batches(sizes=[64, 16 << 20]),
                         [(64, 20), (64, 100), (64, 100), (16 << 20, 4), (16 << 20, 4), (16 << 20, 4)])

    def test_warmup_bytes_lengthen_the_warm_up_to_four_batches_at_most(self):
        calls = self.batches(sizes=[64, 1 << 20, 16 << 20], warmup_bytes=8 << 20)
        warm = [n for i, (_, n) in enumerate(calls) if i % 3 == 0]
        # 64 B: 8 MiB would be 131072 messages, capped at 4 x 100; 1 MiB: 8 messages; 16 MiB:
        # one message would do, the batch of 4 stays.
        self.assertEqual(warm, [400, 8, 4])


class StreamWorkerDropsEachMessage(unittest.TestCase):
    """stream's worker holds no message while it waits for the next: a subinterpreter's receive
    then copies into the memory the last message freed (docs/performance.md, "The third pass")."""

    def test_no_message_is_alive_during_the_next_recv(self):
        import weakref
        stream = load_workload("stream")
        sizes = [8, 8, 0, 2 << 20, 2 << 20, 0]
        alive_at_recv, sent = [], []

        class Channel:
            def __init__(self):
                self.last = None

            def _next(self, timeout=None):
                alive_at_recv.append(self.last is not None and self.last() is not None)
                if not sizes:
                    raise EOFError
                view = memoryview(bytes(sizes.pop(0)))
                self.last = weakref.ref(view)
                return view

            recv = recv_view = _next

            def send(self, data, timeout=None):
                sent.append(stream.COUNT.unpack(data)[0])

        stream.worker(Channel(), {})
        self.assertEqual(sent, [2, 2])
        self.assertEqual(alive_at_recv, [False] * 7)


if __name__ == "__main__":
    unittest.main()
