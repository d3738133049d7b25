// The supervisor against a fake child (tests/fixtures/cli_fake_child.py standing in for
// runners/reference): results are collected, a crash or a hang becomes an error row, a stop
// request ends the run, and nothing is left running.
#include "runners/supervisor.h"
#include "runners/signals.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace interpbench {
namespace {

using namespace std::chrono_literals;

class SupervisorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.python = INTERPBENCH_PYTHON_EXECUTABLE;
    options_.reference_script = std::filesystem::path(CLI_FIXTURES_DIR) / "cli_fake_child.py";
    options_.self_exe = "/nonexistent/interpbench";
    options_.result_dir = dir_.path();
  }

  // A reference-row child whose behaviour is the workload name (see the fixture).
  PlannedChild child(const std::string& what, double wall_s = 30) {
    PlannedChild c;
    c.row = {"py-threading", RowKind::kReference, ""};
    c.workload = {what, dir_.path() / (what + ".py")};
    c.params = {{"pid_file", (dir_.path() / "grandchild.pid").string()}};
    c.wall_timeout_s = wall_s;
    return c;
  }

  ChildRun run(const PlannedChild& c, bool* stopped = nullptr) {
    return run_child(c, options_, dir_.path() / "result.json", stopped);
  }

  // Gone, or a zombie that is not ours to reap: not running in any case.
  static bool process_gone(pid_t pid) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
      std::string line;
      if (!stat || !std::getline(stat, line)) return true;
      const auto close_paren = line.rfind(')');
      if (close_paren != std::string::npos && line.size() > close_paren + 2 && line[close_paren + 2] == 'Z') {
        return true;
      }
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  TempDir dir_{"supervisor-test"};
  SupervisorOptions options_;
};

TEST_F(SupervisorTest, CollectsTheChildResultFile) {
  const ChildRun r = run(child("ok"));
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.row, "py-threading");
  EXPECT_EQ(r.kind, "reference");
  EXPECT_EQ(r.workload, "ok");
  ASSERT_TRUE(r.exit_code.has_value());
  EXPECT_EQ(*r.exit_code, 0);
  EXPECT_EQ(r.signal, "");
  ASSERT_TRUE(r.child.is_object());
  EXPECT_EQ(r.child["results"].size(), 1u);
  EXPECT_GT(r.wall_s, 0);
}

TEST_F(SupervisorTest, ChildErrorBecomesTheRowError) {
  const ChildRun r = run(child("error"));
  EXPECT_EQ(r.error, "RuntimeError: worker 0: ValueError: boom");
  EXPECT_TRUE(r.child.is_object());
}

TEST_F(SupervisorTest, FailureWithoutResultNamesExitStatusAndLastStderrLine) {
  const ChildRun r = run(child("fail"));
  EXPECT_EQ(r.error, "exit status 1: ValueError: boom");
  EXPECT_TRUE(r.child.is_null());
  EXPECT_NE(r.stderr_tail.find("Traceback"), std::string::npos);
}

TEST_F(SupervisorTest, CrashBecomesAnErrorRowWithTheSignalName) {
  const ChildRun r = run(child("crash"));
  EXPECT_EQ(r.signal, "SIGSEGV");
  EXPECT_FALSE(r.exit_code.has_value());
  EXPECT_NE(r.error.find("SIGSEGV"), std::string::npos) << r.error;
  EXPECT_NE(r.stderr_tail.find("about to crash"), std::string::npos);
}

TEST_F(SupervisorTest, ResultFileThatIsNotJsonIsAnError) {
  const ChildRun r = run(child("garbage"));
  EXPECT_NE(r.error.find("not valid JSON"), std::string::npos) << r.error;
}

TEST_F(SupervisorTest, HangingChildIsKilledAtItsTimeoutWithItsWholeGroup) {
  const ChildRun r = run(child("hang", 3));
  EXPECT_NE(r.error.find("timed out"), std::string::npos) << r.error;
  EXPECT_EQ(r.signal, "SIGKILL");
  std::ifstream pid_file(dir_.path() / "grandchild.pid");
  pid_t grandchild = 0;
  ASSERT_TRUE(pid_file >> grandchild) << "the fake child did not start its grandchild in 3 s";
  EXPECT_TRUE(process_gone(grandchild));
}

TEST_F(SupervisorTest, StopRequestKillsTheCurrentChildAndEndsTheRun) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  options_.stop_fd = fds[0];
  Plan plan;
  plan.children = {child("hang"), child("ok")};
  std::thread stopper([&] {
    // Trigger only: the assertions below do not depend on when it fires.
    std::this_thread::sleep_for(300ms);
    [[maybe_unused]] auto n = ::write(fds[1], "!", 1);
  });
  const SupervisedRun out = supervise(plan, options_);
  stopper.join();
  ::close(fds[0]);
  ::close(fds[1]);
  EXPECT_TRUE(out.stopped);
  ASSERT_EQ(out.children.size(), 1u);  // the second child never ran
  EXPECT_NE(out.children[0].error.find("interrupted"), std::string::npos);
}

TEST_F(SupervisorTest, RunsEveryChildInOrderAndCallsAfterChild) {
  Plan plan;
  plan.children = {child("ok"), child("crash"), child("ok")};
  int after = 0;
  options_.after_child = [&] { ++after; };
  const SupervisedRun out = supervise(plan, options_);
  EXPECT_FALSE(out.stopped);
  ASSERT_EQ(out.children.size(), 3u);
  EXPECT_EQ(out.children[0].error, "");
  EXPECT_EQ(out.children[1].signal, "SIGSEGV");
  EXPECT_EQ(out.children[2].error, "");  // a crash does not stop the run
  EXPECT_EQ(after, 3);
}

TEST_F(SupervisorTest, BackendRowsRunTheHiddenChildCommandWithoutAShell) {
  PlannedChild c;
  c.row = {"subinterp", RowKind::kBackend, "legacy"};
  c.workload = {"pingpong", "/w/pingpong.py"};
  c.params = {{"sizes", {8}}};
  c.timeout_s = 7;
  const SpawnOptions s = child_command(c, options_, "/r/out.json");
  EXPECT_EQ(s.executable, options_.self_exe);
  const std::string params = nlohmann::json{{"sizes", {8}}, {"run_dir", options_.result_dir.string()}}.dump();
  const std::vector<std::string> want = {"_child", "--row", "subinterp", "--workload", "/w/pingpong.py",
                                         "--module", "pingpong", "--params", params,
                                         "--result", "/r/out.json", "--timeout", "7", "--mode", "legacy"};
  EXPECT_EQ(s.args, want);
  EXPECT_TRUE(s.own_process_group);
}

// Every child, a reference row's too, gets the run's own directory as params["run_dir"] (apps
// keeps there what each child would compute alike); without one, the params are the plan's.
TEST_F(SupervisorTest, EveryChildGetsTheRunsDirectoryInItsParams) {
  PlannedChild c = child("ok");
  c.row = {"py-threading", RowKind::kReference, ""};
  c.params = {{"sizes", {8}}};
  auto params_of = [](const SpawnOptions& s) {
    auto it = std::find(s.args.begin(), s.args.end(), "--params");
    return it == s.args.end() ? nlohmann::json() : nlohmann::json::parse(*(it + 1));
  };
  const nlohmann::json given = params_of(child_command(c, options_, "/r/out.json"));
  EXPECT_EQ(given.value("run_dir", ""), options_.result_dir.string());
  EXPECT_EQ(given["sizes"], c.params["sizes"]);
  options_.result_dir.clear();
  EXPECT_FALSE(params_of(child_command(c, options_, "/r/out.json")).contains("run_dir"));
}

TEST_F(SupervisorTest, MultiprocessingRowsPassTheirStartMethod) {
  PlannedChild c = child("ok");
  c.row = {"py-multiprocessing", RowKind::kReference, "spawn"};
  const SpawnOptions s = child_command(c, options_, "/r/out.json");
  EXPECT_EQ(s.executable, options_.python);
  auto it = std::find(s.args.begin(), s.args.end(), "--method");
  ASSERT_NE(it, s.args.end());
  EXPECT_EQ(*(it + 1), "spawn");
  // Tied to the runner: the same command behind `interpbench _exec`.
  options_.tie_reference_rows = true;
  const SpawnOptions tied = child_command(c, options_, "/r/out.json");
  EXPECT_EQ(tied.executable, options_.self_exe);
  ASSERT_GE(tied.args.size(), 2u);
  EXPECT_EQ(tied.args[0], "_exec");
  EXPECT_EQ(tied.args[1], options_.python.string());
  EXPECT_EQ(std::vector<std::string>(tied.args.begin() + 2, tied.args.end()), s.args);
}

TEST(TempDirTest, IsRemovedWithItsContents) {
  std::filesystem::path p;
  {
    TempDir d("tempdir-test");
    p = d.path();
    std::ofstream(p / "f") << "x";
    EXPECT_TRUE(std::filesystem::is_directory(p));
  }
  EXPECT_FALSE(std::filesystem::exists(p));
}

TEST(TempDirTest, SweepRemovesOnlyDirectoriesOfDeadOwners) {
  SpawnOptions t;
  t.executable = "/bin/true";
  ChildProcess dead(t);
  ASSERT_TRUE(dead.wait(Deadline::after(std::chrono::seconds(30))).has_value());
  const std::string prefix = "tempdir-sweep-test-" + std::to_string(::getpid());
  const auto base = std::filesystem::temp_directory_path();
  const auto stale = base / (prefix + "-" + std::to_string(dead.pid()) + "-abcdef");
  std::filesystem::create_directories(stale / "sub");
  TempDir live(prefix);
  EXPECT_EQ(TempDir::sweep_stale(prefix), 1);
  EXPECT_FALSE(std::filesystem::exists(stale));
  EXPECT_TRUE(std::filesystem::exists(live.path()));
}

// A SIGINT that comes while `run` parses its command line (blocked by run_cli, so pending) is
// handled as soon as the handlers are in: StopSignals records it and its fd turns readable, so the
// run stops before its first child with exit 130 instead of dying by the signal. Afterwards the
// signal is unblocked again.
TEST(StopSignalsTest, ASignalPendingBeforeTheHandlersStopsTheRun) {
  block_stop_signals();
  ASSERT_EQ(::raise(SIGINT), 0);  // this thread has it blocked: pending, nothing happens yet
  {
    StopSignals signals;
    EXPECT_EQ(StopSignals::received(), SIGINT);
    pollfd p{signals.fd(), POLLIN, 0};
    EXPECT_EQ(::poll(&p, 1, 0), 1);
  }
  sigset_t now;
  ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, nullptr, &now), 0);
  EXPECT_FALSE(sigismember(&now, SIGINT));
  EXPECT_FALSE(sigismember(&now, SIGTERM));
}

}  // namespace
}  // namespace interpbench
