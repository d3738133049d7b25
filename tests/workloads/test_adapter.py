"""The reference rows' channel adapters behave as docs/design.md says, on every row; bad input
exits 2 with one line; a row that can't run writes "skipped" with a reason."""
import contextlib
import io
import json
import os
import sys
import tempfile
import types
import unittest
from unittest import mock

from rows import HERE, REFERENCE, ROWS, run_reference, workload

SEMANTICS = os.path.join(HERE, "semantics_workload.py")


class ChannelSemantics:
    row = method = None

    @classmethod
    def setUpClass(cls):
        code, doc, err = run_reference(cls.row, SEMANTICS, {"timeout": 10}, cls.method)
        cls.code, cls.doc, cls.err = code, doc, err

    def obs(self):
        if self.doc.get("skipped"):
            self.skipTest(self.doc["skipped"])
        self.assertIsNone(self.doc["error"], self.err)
        return self.doc["results"][0]["params"]

    def test_runs_and_writes_the_child_schema(self):
        self.assertEqual(self.code, 0, self.err)
        self.assertEqual(self.doc["schema"], "interpbench-child/1")
        self.assertEqual(self.doc["kind"], "reference")
        self.assertEqual(self.doc["workload"], "semantics_workload")
        self.assertIn(self.doc["gil"], ("shared", "process", "own"))

    def test_recv_and_select_time_out(self):
        obs = self.obs()
        self.assertEqual(obs["recv_timeout"], "TimeoutError")
        self.assertEqual(obs["select_timeout"], "TimeoutError")
        self.assertEqual(obs["worker_recv_timeout"], "TimeoutError")
        self.assertEqual(obs["try_recv_empty"], "None")

    def test_messages_arrive(self):
        obs = self.obs()
        self.assertEqual(obs["try_send"], "True")
        self.assertEqual(obs["echo"], "hello")
        self.assertEqual(obs["worker_ids"], [0, 1])

    def test_closed_and_drained_raises_eof_every_time(self):
        obs = self.obs()
        self.assertTrue(obs["select_closed"])
        self.assertEqual(obs["eof"], "EOFError")
        self.assertEqual(obs["eof_again"], "EOFError")
        self.assertEqual(obs["try_recv_eof"], "EOFError")

    def test_select_serves_ready_channels_in_turn(self):
        order = self.obs()["select_order"]
        self.assertIn(order, ([0, 1, 0, 1], [1, 0, 1, 0]))

    def test_send_after_close_raises_broken_pipe(self):
        self.assertEqual(self.obs()["send_after_close"], "BrokenPipeError")

    def test_worker_error_surfaces_in_stop_and_result_file(self):
        obs = self.obs()
        self.assertEqual(obs["stop_error"], "RuntimeError")
        self.assertEqual(obs["stop_again"], "ok")  # a stopped group is gone
        errors = self.doc["worker_errors"]
        self.assertEqual(len(errors), 1)
        self.assertEqual(errors[0]["worker"], 0)
        self.assertEqual(errors[0]["error"], "ValueError: boom")


class ThreadingSemantics(ChannelSemantics, unittest.TestCase):
    row = "py-threading"

    def test_threads_hand_buffers_off(self):
        self.assertTrue(self.obs()["handoff"])
        self.assertEqual(self.obs()["scope"], "host")


class MultiprocessingForkSemantics(ChannelSemantics, unittest.TestCase):
    row, method = "py-multiprocessing", "fork"

    def test_row_name_carries_the_method_and_memory_is_per_process(self):
        self.assertEqual(self.doc["row"], "py-multiprocessing-fork")
        self.assertEqual(self.obs()["scope"], "process")

    def test_the_driver_forks_with_one_thread_as_its_twin(self):
        """Its timeouts are an interval timer's, not a watchdog thread's: a second thread at
        fork time made each forked worker's USS 60-70 KiB larger (twins_test)."""
        self.assertEqual(self.obs()["os_threads_before_start"], 1)
        self.assertIn("SIGALRM", " ".join(self.doc["notes"]))


class GroupsAreReleasedAtStop(unittest.TestCase):
    """A stopped group releases what it held: its pipes, and its processes' sentinels once the
    caller drops the channels (a py-multiprocessing group lives while the caller holds one of
    them: multiprocessing_row.ProcessGroup.join). 30 starts and stops leave no descriptor."""

    def test_thirty_restarts_leave_no_descriptor(self):
        for row, method in ROWS + (("py-multiprocessing", "spawn"),):
            with self.subTest(row=row, method=method):
                code, doc, err = run_reference(row, os.path.join(HERE, "restart_workload.py"),
                                               {"timeout": 10, "starts": 30}, method)
                if doc and doc.get("skipped"):
                    continue
                self.assertEqual(code, 0, err)
                p = doc["results"][0]["params"]
                self.assertEqual(p["fds_after"], p["fds_before"], p)


class MultiprocessingSpawnSemantics(ChannelSemantics, unittest.TestCase):
    row, method = "py-multiprocessing-spawn", None


class InterpretersSemantics(ChannelSemantics, unittest.TestCase):
    row = "py-interpreters"


class InterpretersPollSemantics(ChannelSemantics, unittest.TestCase):
    row = "py-interpreters-poll"

    def test_a_worker_polls_without_importing_test_support_or_json(self):
        """The first QueueEmpty a 3.13 interpreter raises imports test.support.interpreters.queues
        and unittest (30 ms of every worker's start) unless the row registered its classes; the
        params travel as marshal, since json imports re (7 ms)."""
        code, doc, err = run_reference(self.row, os.path.join(HERE, "worker_imports_workload.py"),
                                       {"timeout": 10, "watch": ["unittest", "test", "json", "re"]})
        if doc and doc.get("skipped"):
            self.skipTest(doc["skipped"])
        self.assertEqual(code, 0, err)
        self.assertEqual(doc["results"][0]["params"]["held"], [])


class RowCatalogue(unittest.TestCase):
    """reference/rows.py names every row and where it lives without importing it; a child imports
    its own row's module only (importing every row cost each reference child ~20 ms)."""

    def test_the_catalogue_matches_the_rows_it_names(self):
        sys.path.insert(0, os.path.dirname(REFERENCE))
        try:
            from reference import rows
            everything = rows.all_rows()
        finally:
            sys.path.remove(os.path.dirname(REFERENCE))
        self.assertEqual(list(everything), list(rows.NAMES))
        for name, row in everything.items():
            self.assertEqual(row.name, name)
            self.assertEqual(bool(row.methods), name in rows.WITH_START_METHODS, name)
            if row.methods:
                self.assertEqual(tuple(row.methods), rows.START_METHODS, name)
                for m in row.methods:
                    self.assertEqual(rows.name_of(row.label(m)), name)
        self.assertIsNone(rows.name_of("py-threading-fork"))
        self.assertIsNone(rows.name_of("py-nothing"))

    def test_a_child_imports_its_own_row_only(self):
        others = ["reference.multiprocessing_row", "reference.interpreters_row",
                  "reference.interpreters_poll_row", "reference.executor_row", "multiprocessing",
                  "concurrent.futures"]
        code, doc, err = run_reference("py-threading",
                                       os.path.join(HERE, "worker_imports_workload.py"),
                                       {"timeout": 10, "watch": [],
                                        "driver_watch": others + ["reference.threading_row"]})
        self.assertEqual(code, 0, err)
        self.assertEqual(doc["results"][0]["params"]["driver_held"], ["reference.threading_row"])


class DocumentedInterpretersApi(unittest.TestCase):
    """py-interpreters calls the documented blocking queue API: on 3.13 and 3.14 its get() sleeps
    10 ms between polls (CPython gh-143017), and the row says so and caps its iterations."""

    def test_round_trip_shows_the_polling_sleep_and_the_cap(self):
        code, doc, err = run_reference("py-interpreters", workload("pingpong"),
                                       {"sizes": [8], "iterations": 50, "repetitions": 1,
                                        "warmup": 1, "timeout": 10})
        if doc and doc.get("skipped"):
            self.skipTest(doc["skipped"])
        self.assertEqual(code, 0, err)
        self.assertTrue(doc["notes"][0].startswith("calls: the documented high-level API"))
        self.assertIn("gh-143017", " ".join(doc["notes"]))
        (result,) = doc["results"]
        self.assertEqual(result["params"]["iterations"], 4)  # capped from 50


FIXTURES = os.path.join(os.path.dirname(HERE), "fixtures")


class WorkerFaultLeadsTheError(unittest.TestCase):
    """When a worker fails, the row's error says so first, then what the driver saw next (as on
    the C++ rows); worker_errors holds each worker's outcome. The fault matrix
    (tests/fault_matrix_test.cc) covers py-threading and py-multiprocessing-fork through the
    runner; here every row, run by itself. run_reference fails on a process left behind."""

    def run_fault(self, row, fixture, method=None, env=None):
        with mock.patch.dict(os.environ, env or {}):
            code, doc, err = run_reference(row, os.path.join(FIXTURES, f"{fixture}.py"),
                                           {"timeout": 2}, method)
        if doc and doc.get("skipped"):
            self.skipTest(doc["skipped"])
        self.assertEqual(code, 1, err)
        return doc

    def test_a_raising_worker_leads_on_every_row(self):
        for row, method in ROWS + (("py-multiprocessing", "spawn"),):
            with self.subTest(row=row, method=method):
                doc = self.run_fault(row, "fault_raises", method)
                self.assertEqual(doc["error"], "worker 1: ValueError: boom; worker 0 kept "
                                 "running; the driver then failed: EOFError: channel closed")
                self.assertEqual([(e["worker"], e["error"]) for e in doc["worker_errors"]],
                                 [(1, "ValueError: boom")])
                if row != "py-interpreters-poll" or sys.version_info >= (3, 13):  # 3.12: none
                    self.assertIn("boom", doc["worker_errors"][0]["traceback"])

    def test_a_worker_killed_by_a_signal_is_named_by_its_signal(self):
        for phase, driver_saw in (("recv", "EOFError: channel closed"),
                                  ("send", "BrokenPipeError")):
            with self.subTest(phase=phase):
                doc = self.run_fault("py-multiprocessing", "fault_signal", "fork",
                                     {"FAULT_PHASE": phase, "FAULT_SIGNAL": "SIGSEGV"})
                self.assertTrue(doc["error"].startswith(
                    "worker 1 killed by SIGSEGV; worker 0 kept running; the driver then failed: "
                    + driver_saw), doc["error"])
                self.assertEqual([(e["worker"], e["error"]) for e in doc["worker_errors"]],
                                 [(1, "killed by SIGSEGV")])

    def test_a_worker_that_returns_early_is_no_failure(self):
        for row, method in ROWS:
            with self.subTest(row=row, method=method):
                doc = self.run_fault(row, "fault_early_exit", method)
                self.assertEqual(doc["error"], "EOFError: channel closed")
                self.assertEqual(doc["worker_errors"], [])

    def test_a_worker_that_never_ends_is_given_up_after_a_bounded_wait(self):
        # The driver's recv times out (2 s), then its worker gets min(1 s, timeout) to end.
        for row, method, how in (("py-multiprocessing", "fork", "killed by SIGTERM"),
                                 ("py-interpreters", None, "subinterpreter abandoned"),
                                 ("py-interpreters-poll", None, "subinterpreter abandoned")):
            with self.subTest(row=row):
                doc = self.run_fault(row, "fault_hangs", method)
                self.assertEqual(doc["error"], f"worker 0 did not finish within 1s ({how}); the "
                                 "driver then failed: TimeoutError: recv timed out")


def load_reference():
    """The reference package's command line and placement helpers, imported as the runner's
    Python does (runners/reference/__main__.py)."""
    packages = os.path.dirname(REFERENCE)
    if packages not in sys.path:
        sys.path.insert(0, packages)
    from reference import cli, placement
    return types.SimpleNamespace(main=cli.main, sys=sys, pin_this_thread=placement.pin_this_thread,
                                 pin_worker_failed=placement.pin_worker_failed,
                                 pinning_record=placement.pinning_record)


class BackoffAfterASpin(unittest.TestCase):
    """A caller that spun itself first (py-interpreters-poll's recv, as its twin: a spin of
    SPIN_NS, then sleeps) gives the Backoff its start: the Backoff does not spin again, and the
    deadline counts from the start of the wait."""

    def test_a_backoff_started_a_spin_ago_sleeps_on_its_first_wait(self):
        load_reference()
        import time
        from reference.channel_base import SPIN_NS, Backoff
        started = time.perf_counter_ns() - 2 * SPIN_NS
        backoff = Backoff(5.0, "recv", start=started)
        self.assertEqual(backoff.deadline, started + 5_000_000_000)
        backoff.wait()
        self.assertGreater(backoff.delay, 0)  # slept; a fresh Backoff spins SPIN_NS first
        with self.assertRaisesRegex(TimeoutError, "recv timed out"):
            Backoff(1.0, "recv", start=time.perf_counter_ns() - 2_000_000_000).wait()


class Pinning(unittest.TestCase):
    """The reference rows' placement helpers (docs/design.md, "Pinning"). Each call runs on a thread
    of its own, so the test's thread keeps its mask; every row's placement, end to end, is
    tests/pinning_matrix_test.cc."""

    @classmethod
    def setUpClass(cls):
        cls.ref = load_reference()
        cls.cpus = sorted(os.sched_getaffinity(0))[:2]

    def setUp(self):
        if len(self.cpus) < 2:
            self.skipTest("needs 2 CPUs in this process's affinity mask")

    @staticmethod
    def on_a_thread(fn):
        """(fn's result, the thread's CPUs afterwards)."""
        import threading
        out = []
        t = threading.Thread(target=lambda: out.append((fn(), sorted(os.sched_getaffinity(0)))))
        t.start()
        t.join()
        return out[0]

    def test_auto_gives_each_side_a_cpu_only_when_all_fit(self):
        pin = {"mode": "auto", "cpus": self.cpus}
        self.assertEqual(self.on_a_thread(lambda: self.ref.pin_this_thread(pin, 1)),
                         (True, self.cpus[:1]))
        self.assertEqual(self.on_a_thread(lambda: self.ref.pin_this_thread(pin, 1, 0)),
                         (True, self.cpus[1:]))
        self.assertEqual(self.on_a_thread(lambda: self.ref.pin_this_thread(pin, 2, 1)),
                         (False, self.cpus))
        off = {"mode": "off", "cpus": self.cpus}
        self.assertEqual(self.on_a_thread(lambda: self.ref.pin_this_thread(off, 1)),
                         (False, self.cpus))

    def test_a_refused_cpu_is_reported_and_the_thread_runs_on_the_plans_cpus(self):
        pin = {"mode": "auto", "cpus": [self.cpus[0], 4000]}  # no such CPU
        self.assertEqual(self.on_a_thread(lambda: self.ref.pin_worker_failed(pin, 0, 1)),
                         (True, self.cpus[:1]))
        self.assertEqual(self.on_a_thread(lambda: self.ref.pin_worker_failed(None, 0, 1)),
                         (False, sorted(os.sched_getaffinity(0))))

    def test_the_record_names_mode_cpus_and_each_start(self):
        record = self.ref.pinning_record({"mode": "auto", "cpus": [1, 0]}, {2: False, 1: True})
        self.assertEqual(record, {"mode": "auto", "cpus": [0, 1],
                                  "starts": {"1": True, "2": False}})
        self.assertEqual(self.ref.pinning_record(None, {}), {"mode": "off", "cpus": [], "starts": {}})


class BadInput(unittest.TestCase):
    def assert_bad_input(self, row, workload_file, params, *extra):
        code, doc, err = run_reference(row, workload_file, params, extra=extra)
        self.assertEqual(code, 2)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertIsNone(doc)
        return err

    def test_unknown_row(self):
        self.assertIn("nosuch", self.assert_bad_input("nosuch", workload("pingpong"), {}))

    def test_unknown_start_method(self):
        self.assert_bad_input("py-multiprocessing", workload("pingpong"), {}, "--method", "vfork")

    def test_missing_workload_file(self):
        self.assertIn("nosuch.py", self.assert_bad_input("py-threading", "nosuch.py", {}))

    def test_workload_without_driver(self):
        err = self.assert_bad_input("py-threading", os.path.join(HERE, "bad_workload.py"), {})
        self.assertIn("worker", err)

    def test_params_not_an_object(self):
        self.assert_bad_input("py-threading", workload("pingpong"), [1])


class SkippedRow(unittest.TestCase):
    def skipped_run(self, argv, *patches):
        """Runs the command line (plus --workload pingpong --result) under `patches`: the row
        must exit 0 with a result file that says why it skipped; returns that file."""
        ref = load_reference()
        with tempfile.TemporaryDirectory() as tmp:
            result = os.path.join(tmp, "r.json")
            with contextlib.ExitStack() as stack:
                for patch in patches:
                    stack.enter_context(patch(ref))
                code = ref.main([*argv, "--workload", workload("pingpong"), "--result", result])
            with open(result) as f:
                doc = json.load(f)
        self.assertEqual(code, 0)
        return doc

    def test_interpreters_on_311_writes_a_reason(self):
        doc = self.skipped_run(["--row", "py-interpreters-poll"],
                               lambda ref: mock.patch.object(ref.sys, "version_info", (3, 11, 7)))
        self.assertIn("3.11", doc["skipped"])
        self.assertEqual(doc["results"], [])

    def test_documented_interpreters_api_missing_on_312_writes_a_reason(self):
        """3.12 has test.support.interpreters but no queues: the row is skipped with its reason,
        not failed while naming the API it cannot import (it was, with a traceback)."""
        def no_api(_ref):
            from reference import interpreters_row
            return mock.patch.object(interpreters_row, "_api",
                                     side_effect=ImportError("cannot import name 'queues'"))
        doc = self.skipped_run(["--row", "py-interpreters"],
                               lambda ref: mock.patch.object(ref.sys, "version_info", (3, 12, 1)),
                               no_api)
        self.assertIn("3.12", doc["skipped"])
        self.assertEqual(doc["notes"], [])

    def test_unavailable_start_method_writes_a_reason(self):
        doc = self.skipped_run(["--row", "py-multiprocessing", "--method", "fork"],
                               lambda _ref: mock.patch("multiprocessing.get_all_start_methods",
                                                       return_value=["spawn"]))
        self.assertIn("fork", doc["skipped"])


class DriverFailure(unittest.TestCase):
    def test_driver_exception_becomes_the_error_line_exit_1(self):
        ref = load_reference()
        with tempfile.TemporaryDirectory() as tmp:
            bad = os.path.join(tmp, "raising.py")
            with open(bad, "w") as f:
                f.write("TIMED = 'x'\ndef worker(ch, params): pass\n"
                        "def driver(ctx, params):\n    ctx.start(1)\n    raise KeyError('k')\n")
            result = os.path.join(tmp, "r.json")
            with contextlib.redirect_stderr(io.StringIO()):
                code = ref.main(["--row", "py-threading", "--workload", bad, "--result", result])
            with open(result) as f:
                doc = json.load(f)
        self.assertEqual(code, 1)
        self.assertEqual(doc["error"], "KeyError: 'k'")


if __name__ == "__main__":
    unittest.main()
