// The runner under SIGINT, SIGTERM and SIGKILL, through the built binary: it stops its child,
// leaves no process and no shared memory behind, writes a partial report marked incomplete and
// exits 130 / 143; after a SIGKILL the next run removes the stale segments and says so.
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "platform/child_process.h"
#include "tests/process_checks.h"
#include "tests/time_scale.h"

namespace interpbench {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::gone_within;
using testing::segments_of;

class FaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("fault_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    marker_ = dir_ / "driver.pid";
    out_ = dir_ / "out.json";
  }
  void TearDown() override { fs::remove_all(dir_); }

  // `interpbench run` on the hanging fixture; returns once its driver is up (or fails the test).
  std::unique_ptr<ChildProcess> start_hanging_run(const std::string& backend) {
    SpawnOptions s;
    s.executable = INTERPBENCH_BIN;
    s.args = {"run", "--workload-file", fs::path(CLI_FIXTURES_DIR) / "cli_hang.py", "--backend", backend,
              "--suite", "quick", "--out", out_.string()};
    s.env = {"CLI_HANG_MARKER=" + marker_.string()};
    s.stdout_mode = SpawnOptions::Output::kNull;
    s.stderr_tail_lines = 50;
    auto p = std::make_unique<ChildProcess>(s);
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (!fs::exists(marker_) && p->running() && std::chrono::steady_clock::now() < deadline) {
      p->wait(Deadline::after(20ms));
    }
    return p;
  }

  pid_t driver_pid() {
    std::ifstream in(marker_);
    pid_t pid = 0;
    in >> pid;
    return pid;
  }

  void expect_stopped_cleanly(int signal_number, int exit_code, const std::string& backend) {
    auto runner = start_hanging_run(backend);
    ASSERT_TRUE(fs::exists(marker_)) << runner->stderr_tail();
    const pid_t driver = driver_pid();
    ASSERT_GT(driver, 0);
    runner->kill(signal_number);  // the runner only, as a terminal or a CI job would
    auto status = runner->wait(Deadline::after(60s));
    ASSERT_TRUE(status.has_value()) << "the runner did not stop";
    EXPECT_EQ(status->signal, 0);
    EXPECT_EQ(status->exit_code, exit_code) << runner->stderr_tail();
    const std::string reason = "interrupted by " + signal_name(signal_number);
    EXPECT_NE(runner->stderr_tail().find(reason), std::string::npos) << runner->stderr_tail();
    EXPECT_TRUE(gone_within(driver, 10s)) << "the child outlived the run";
    EXPECT_EQ(segments_of(driver), std::vector<std::string>{});

    std::ifstream in(out_);
    ASSERT_TRUE(in) << "no partial report";
    const auto report = nlohmann::json::parse(in);
    EXPECT_EQ(report["interpbench"]["incomplete"], true);
    EXPECT_EQ(report["interpbench"]["incomplete_reason"], reason);
    ASSERT_EQ(report["interpbench"]["rows"].size(), 1u);
    EXPECT_EQ(report["interpbench"]["rows"][0]["error"], reason);
  }

  fs::path dir_, marker_, out_;
};

TEST_F(FaultTest, SigintStopsTheRunWritesAnIncompleteReportAndExits130) {
  expect_stopped_cleanly(SIGINT, 130, "subprocess");
}

TEST_F(FaultTest, SigtermStopsTheRunAndExits143) { expect_stopped_cleanly(SIGTERM, 143, "thread"); }

// SIGINT 50 ms and 200 ms after `run` starts (while it checks its input and calibrates): the
// handlers are the first thing the run command installs, so it still exits 130 with a report
// marked incomplete, instead of dying without a word. Both delays are scaled by the build's
// slowdown (tests/time_scale.h): an ASan build takes ~250 ms to reach main's run command, and at
// 50 ms its SIGINT arrived before any handler (killed by SIGINT, ctest --preset asan).
TEST_F(FaultTest, AnEarlySigintStillExits130WithAnIncompleteReport) {
  for (const auto nominal : {50ms, 200ms}) {
    const auto delay = testing::scaled(nominal);
    SCOPED_TRACE(delay.count());
    fs::remove(out_);
    SpawnOptions s;
    s.executable = INTERPBENCH_BIN;
    // 40 rounds (a few seconds): the quick suite's 4 end in about 200 ms, which raced the signal.
    s.args = {"run", "--suite", "quick", "--workload", "pingpong", "--backend", "thread", "--rounds",
              "40", "--out", out_.string()};
    s.stdout_mode = SpawnOptions::Output::kNull;
    s.stderr_tail_lines = 50;
    ChildProcess runner(s);
    std::this_thread::sleep_for(delay);
    runner.kill(SIGINT);
    auto status = runner.wait(Deadline::after(60s));
    ASSERT_TRUE(status.has_value()) << "the runner did not stop";
    EXPECT_EQ(status->signal, 0) << status->describe();
    EXPECT_EQ(status->exit_code, 130) << runner.stderr_tail();
    EXPECT_NE(runner.stderr_tail().find("interrupted by SIGINT; the report is marked incomplete"),
              std::string::npos) << runner.stderr_tail();
    std::ifstream in(out_);
    ASSERT_TRUE(in) << "no partial report";
    const auto report = nlohmann::json::parse(in);
    EXPECT_EQ(report["interpbench"]["incomplete"], true);
    EXPECT_EQ(report["interpbench"]["incomplete_reason"], "interrupted by SIGINT");
  }
}

TEST_F(FaultTest, AfterSigkillTheChildDiesAndTheNextRunSweepsStaleSegments) {
  auto runner = start_hanging_run("subprocess");
  ASSERT_TRUE(fs::exists(marker_)) << runner->stderr_tail();
  const pid_t driver = driver_pid();
  const pid_t runner_pid = runner->pid();
  runner->kill(SIGKILL);
  ASSERT_TRUE(runner->wait(Deadline::after(30s)).has_value());
  EXPECT_TRUE(gone_within(driver, 10s)) << "the child outlived its SIGKILLed runner";
  // A zombie still owns its pid (kill(pid, 0) succeeds): wait until init has reaped it, as it
  // has long before any real next run.
  const auto reaped_by = std::chrono::steady_clock::now() + 10s;
  while (fs::exists("/proc/" + std::to_string(driver)) && std::chrono::steady_clock::now() < reaped_by) {
    std::this_thread::sleep_for(20ms);
  }

  // Planted after the hanging runner's start-of-run sweep, named for an owner that is certainly
  // dead: a child we spawned and reaped.
  SpawnOptions t;
  t.executable = "/bin/true";
  ChildProcess dead(t);
  ASSERT_TRUE(dead.wait(Deadline::after(30s)).has_value());
  const std::string planted = "interpbench-" + std::to_string(dead.pid()) + "-00000000faultest-planted";
  const int fd = ::shm_open(("/" + planted).c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
  ASSERT_GE(fd, 0);
  ::close(fd);

  SpawnOptions next;
  next.executable = INTERPBENCH_BIN;
  next.args = {"run", "--workload", "pingpong", "--backend", "thread", "--suite", "quick", "--sizes", "8",
               "--repetitions", "1", "--iterations", "5", "--quiet"};
  next.stdout_mode = SpawnOptions::Output::kNull;
  next.stderr_tail_lines = 50;
  ChildProcess second(next);
  auto status = second.wait(Deadline::after(120s));
  ASSERT_TRUE(status.has_value());
  const std::string err = second.stderr_tail();
  EXPECT_NE(err.find("removed"), std::string::npos) << err;
  EXPECT_NE(err.find(planted), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(fs::path("/dev/shm") / planted));
  EXPECT_EQ(segments_of(driver), std::vector<std::string>{});
  ::shm_unlink(("/" + planted).c_str());  // in case the assertions above failed
  // The killed run's temp dir (child result files) went with the sweep too.
  const std::string temp_prefix = "interpbench-run-" + std::to_string(runner_pid) + "-";
  for (auto& entry : fs::directory_iterator(fs::temp_directory_path())) {
    EXPECT_NE(entry.path().filename().string().rfind(temp_prefix, 0), 0u) << entry.path();
  }
}

TEST_F(FaultTest, AfterSigkillAReferenceRowsPythonDiesToo) {
  auto runner = start_hanging_run("py-threading");
  ASSERT_TRUE(fs::exists(marker_)) << runner->stderr_tail();
  const pid_t driver = driver_pid();
  ASSERT_GT(driver, 0);
  runner->kill(SIGKILL);
  ASSERT_TRUE(runner->wait(Deadline::after(30s)).has_value());
  EXPECT_TRUE(gone_within(driver, 10s)) << "the reference row's Python outlived its SIGKILLed runner";
  // What a next run would sweep: the killed run's temp dir.
  const std::string temp_prefix = "interpbench-run-" + std::to_string(runner->pid()) + "-";
  for (auto& entry : fs::directory_iterator(fs::temp_directory_path())) {
    if (entry.path().filename().string().rfind(temp_prefix, 0) == 0) fs::remove_all(entry.path());
  }
}

TEST_F(FaultTest, WorkerThatAbortsIsAnErrorRowOnEveryRowAndTheRunExits1) {
  SpawnOptions s;
  s.executable = INTERPBENCH_BIN;
  s.args = {"run", "--workload-file", fs::path(CLI_FIXTURES_DIR) / "cli_abort.py", "--suite", "quick",
            "--timeout", "5", "--out", out_.string(), "--quiet"};
  s.stdout_mode = SpawnOptions::Output::kNull;
  ChildProcess run(s);
  auto status = run.wait(Deadline::after(180s));
  ASSERT_TRUE(status.has_value()) << "the run hung";
  EXPECT_EQ(status->exit_code, 1) << run.stderr_tail();
  std::ifstream in(out_);
  ASSERT_TRUE(in);
  const auto report = nlohmann::json::parse(in);
  EXPECT_EQ(report["interpbench"]["incomplete"], false);
  const auto& rows = report["interpbench"]["rows"];
  EXPECT_GE(rows.size(), 4u);
  for (const auto& row : rows) {
    // A row that can't run on this Python says so ("skipped"); every other one reports the crash.
    if (row["skipped"].is_string()) continue;
    EXPECT_TRUE(row["error"].is_string()) << row.dump();
    EXPECT_EQ(row["results"].size(), 0u) << row["row"];
  }
}

// A workload that forks (the sleeper stays in the child's group) or detaches sleepers with setsid
// (out of the group: the runner, a subreaper, finds them as its reparented children): after the
// run none is left, and each row says how many were left behind.
TEST_F(FaultTest, ProcessesAWorkloadLeavesBehindAreKilledAndReported) {
  for (const auto& [fixture, count] : {std::pair<std::string, int>{"leaks_forked.py", 1},
                                       std::pair<std::string, int>{"leaks_setsid.py", 2}}) {
    SCOPED_TRACE(fixture);
    const std::string tag = "INTERPBENCH_LEAK_TEST=" + std::to_string(::getpid()) + "-" + fixture;
    SpawnOptions s;
    s.executable = INTERPBENCH_BIN;
    s.args = {"run", "--workload-file", fs::path(CLI_FIXTURES_DIR) / fixture, "--backend",
              "subprocess,thread,subinterp", "--suite", "quick", "--timeout", "5", "--out",
              out_.string(), "--quiet"};
    s.env = {tag};
    s.stdout_mode = SpawnOptions::Output::kNull;
    s.stderr_tail_lines = 50;
    const auto started = std::chrono::steady_clock::now();
    ChildProcess run(s);
    auto status = run.wait(Deadline::after(120s));
    ASSERT_TRUE(status.has_value()) << "the run hung";
    EXPECT_LT(std::chrono::steady_clock::now() - started, 19s) << "waited for the sleepers";
    EXPECT_EQ(status->exit_code, 1) << run.stderr_tail();
    EXPECT_EQ(testing::processes_tagged(tag), std::vector<pid_t>{}) << "left behind";
    std::ifstream in(out_);
    ASSERT_TRUE(in) << run.stderr_tail();
    const auto report = nlohmann::json::parse(in);
    const auto& rows = report["interpbench"]["rows"];
    ASSERT_EQ(rows.size(), 3u) << rows.dump();
    const std::string said = "left " + std::to_string(count) + " process(es) running";
    for (const auto& row : rows) {
      ASSERT_TRUE(row["error"].is_string()) << row.dump();
      EXPECT_NE(row["error"].get<std::string>().find(said), std::string::npos) << row["error"];
    }
  }
}

}  // namespace
}  // namespace interpbench
