// The fault matrix of issue 6, end to end through the built binary: one fixture workload per
// fault (tests/fixtures/fault_*.py), run on every row where it applies, next to a healthy
// workload (ping.py) that must still have results. After each run: it finished, exit 1, each
// row's error says what happened (in the JSON and on the console), and nothing of the run is
// left: no process (alive or zombie), no /dev/shm segment.
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "platform/child_process.h"
#include "tests/process_checks.h"
#include "tests/time_scale.h"

namespace interpbench {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;
using namespace interpbench::testing;

struct RowExpect {
  std::string row;
  std::vector<std::string> needles;  // each must appear in the row's error
  // Instead, where subinterpreters share one GIL (Python < 3.12): they behave like threads.
  std::vector<std::string> needles_if_shared_gil = {};
  // Each must appear in the row's stderr tail (exit.stderr_tail): where the crash happened.
  std::vector<std::string> stderr_needles = {};
};

struct FaultCase {
  std::string name;      // the test's name
  std::string fixture;   // tests/fixtures/<fixture>.py
  std::string phase;     // $FAULT_PHASE: "send" or "recv" (crash fixtures)
  std::string backends;  // --backend
  std::vector<std::string> extra;  // more options (--wall-limit)
  std::string timeout;             // --timeout: seconds per blocking wait
  std::vector<RowExpect> rows;
  std::string signal = "";  // $FAULT_SIGNAL for fault_signal.py: SIGSEGV, SIGABRT, SIGKILL
};

std::ostream& operator<<(std::ostream& os, const FaultCase& c) { return os << c.name; }

const json* find_row(const json& report, const std::string& workload, const std::string& row) {
  for (const json& r : report["interpbench"]["rows"]) {
    if (r.value("workload", "") == workload && r.value("row", "") == row) return &r;
  }
  return nullptr;
}

class FaultMatrixTest : public ::testing::TestWithParam<FaultCase> {
 protected:
  static void SetUpTestSuite() {
    become_subreaper();
    const rlimit no_core{0, 0};  // crashing on purpose: no core files in the build tree
    ::setrlimit(RLIMIT_CORE, &no_core);
  }
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("fault_matrix_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    reap_leftover_children();
    fs::remove_all(dir_);
  }
  fs::path dir_;
};

TEST_P(FaultMatrixTest, RowReportsTheFaultTheRunGoesOnAndNothingIsLeft) {
  const FaultCase& c = GetParam();
  const fs::path out = dir_ / "r.json";
  const std::string tag = "INTERPBENCH_FAULT_MATRIX_TAG=" + std::to_string(::getpid()) + "-" + c.name;
  const auto segments_before = interpbench_segments();

  // Under a sanitizer (INTERPBENCH_TEST_TIME_SCALE) every row, the healthy ping included, runs
  // several times slower: the case's timeout and wall limit grow by the scale, and the messages
  // that name them are expected with the grown values.
  const double k = testing::time_scale();
  const auto grown = [&](const std::string& value) { return fmt::format("{:g}", std::stod(value) * k); };
  SpawnOptions s;
  s.executable = INTERPBENCH_BIN;
  s.args = {"run", "--workload-file", fs::path(CLI_FIXTURES_DIR) / (c.fixture + ".py"),
            "--workload-file", fs::path(CLI_FIXTURES_DIR) / "ping.py", "--backend", c.backends,
            "--suite", "quick", "--repetitions", "1", "--iterations", "5", "--timeout", grown(c.timeout),
            "--out", out.string(), "--quiet"};
  for (std::size_t i = 0; i < c.extra.size(); ++i)
    s.args.push_back(i > 0 && c.extra[i - 1] == "--wall-limit" ? grown(c.extra[i]) : c.extra[i]);
  // Under ASan or TSan (the sanitizer presets) a SIGSEGV would become the sanitizer's report and
  // its exit status (ASan 1, TSan 66: "ThreadSanitizer: nested bug in the same thread"): let the
  // signal kill the process as it does in a release build.
  const auto no_segv_handler = [](const char* variable) {
    const char* options = std::getenv(variable);
    return std::string(variable) + "=" + (options ? options : "") + (options && *options ? ":" : "") +
           "handle_segv=0";
  };
  s.env = {tag, "FAULT_PHASE=" + c.phase, "FAULT_SIGNAL=" + c.signal, no_segv_handler("ASAN_OPTIONS"),
           no_segv_handler("TSAN_OPTIONS")};
  s.stdout_mode = SpawnOptions::Output::kCapture;
  s.stderr_tail_lines = 50;
  ChildProcess run(s);
  // Every row has a 2 s timeout per wait (or a wall limit of a few seconds): a run that takes
  // this long hangs.
  auto status = run.wait(Deadline::after(testing::scaled(90s)));
  if (!status) {
    run.kill_and_reap();
    FAIL() << "the run hung";
  }
  EXPECT_EQ(status->signal, 0);
  EXPECT_EQ(status->exit_code, 1) << run.stderr_tail();
  const std::string console = run.captured_stdout();

  std::ifstream in(out);
  ASSERT_TRUE(in) << "no report: " << run.stderr_tail();
  const json report = json::parse(in);
  EXPECT_EQ(report["interpbench"]["incomplete"], false);
  const std::string python = report["interpbench"]["environment"]["python"].value("version_info", "");
  const bool shared_gil = python.rfind("3.11", 0) == 0;
  for (const RowExpect& want : c.rows) {
    SCOPED_TRACE(want.row);
    const json* row = find_row(report, c.fixture, want.row);
    ASSERT_NE(row, nullptr) << report["interpbench"]["rows"].dump();
    ASSERT_TRUE((*row)["error"].is_string()) << row->dump();
    const std::string error = (*row)["error"];
    const auto& needles = shared_gil && !want.needles_if_shared_gil.empty() ? want.needles_if_shared_gil
                                                                            : want.needles;
    for (std::string needle : needles) {
      if (k != 1.0) {
        // "within 1s" and "timed out after 10" name the timeout and the wall limit, which grew
        // (the C++ rows say the grown timeout, the reference rows their own 1 s join): the words
        // are checked, not the numbers.
        if (const auto at = needle.find("within 1s"); at != std::string::npos) needle.resize(at + 7);  // "... within "
        if (needle.rfind("timed out after ", 0) == 0) needle = "timed out after ";
      }
      EXPECT_NE(error.find(needle), std::string::npos) << error;
    }
    for (const std::string& needle : want.stderr_needles) {
      EXPECT_NE((*row)["exit"].value("stderr_tail", "").find(needle), std::string::npos) << row->dump();
    }
    // The console says the same, under the row's name.
    EXPECT_NE(console.find("[" + want.row + "]"), std::string::npos) << console;
    EXPECT_NE(console.find(error), std::string::npos) << console;
    // And the healthy workload still ran on this row, after the fault.
    const json* healthy = find_row(report, "ping", want.row);
    ASSERT_NE(healthy, nullptr);
    EXPECT_TRUE((*healthy)["error"].is_null()) << healthy->dump();
    EXPECT_GT((*healthy)["results"].size(), 0u) << healthy->dump();
  }

  // Nothing of the run is left: every process that carried the tag is gone, nothing was
  // orphaned to us (we are the subreaper: a leaked worker would be our child now, alive or
  // zombie), and no new segment is left without a living owner.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!processes_tagged(tag).empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(processes_tagged(tag), std::vector<pid_t>{});
  EXPECT_EQ(zombie_children(), std::vector<pid_t>{});
  EXPECT_EQ(children(), std::vector<pid_t>{});
  for (const std::string& name : interpbench_segments()) {
    if (segments_before.count(name)) continue;
    const pid_t owner = static_cast<pid_t>(std::atol(name.c_str() + std::string("interpbench-").size()));
    const char state = proc_state(owner).state;
    EXPECT_TRUE(state != 0 && state != 'Z') << "left behind: /dev/shm/" << name;
  }
}

// The rows: interpbench's three backends and the two reference rows that match them (the
// subprocess backend with each start method, see cases()).
const std::string kAllRows = "subinterp,subprocess,thread,py-threading,py-multiprocessing";

// driver_saw / mp_saw: what the driver's blocked call raised on the subprocess row and on
// py-multiprocessing, where the crash takes only worker 1 down.
std::vector<RowExpect> crash_rows(const std::string& sig, const std::string& driver_saw,
                                  const std::string& mp_saw) {
  const std::vector<std::string> in_process = {
      "killed by " + sig, "the crash took down all 2 workers of this row (they share one process)"};
  return {{"subinterp", in_process},
          {"thread", in_process},
          {"subprocess", {"worker 1 killed by " + sig, "worker 0 kept running", "the driver then failed: " + driver_saw}},
          // The reference rows' process runs faulthandler: a crash it can catch leaves the
          // Python stacks, the faulty worker's line among them.
          {"py-threading",
           {"killed by " + sig, "took down the driver and every worker"},
           {},
           sig == "SIGKILL" ? std::vector<std::string>{}
                            : std::vector<std::string>{"Fatal Python error", "fault_signal.py\", line"}},
          {"py-multiprocessing-fork",
           {"worker 1 killed by " + sig, "worker 0 kept running", "the driver then failed: " + mp_saw}}};
}

std::vector<FaultCase> cases() {
  std::vector<FaultCase> out;
  for (const std::string sig : {"SIGSEGV", "SIGABRT", "SIGKILL"}) {
    out.push_back({sig + "_in_recv", "fault_signal", "recv", kAllRows, {}, "2",
                   crash_rows(sig, "EndOfStream", "EOFError"), sig});
    out.push_back({sig + "_in_send", "fault_signal", "send", kAllRows, {}, "2",
                   crash_rows(sig, "ChannelClosedError", "BrokenPipeError"), sig});
  }
  // Every row leads with the worker's exception; the reference rows' driver saw EOFError.
  const auto boom = [](const std::string& driver_saw) {
    return std::vector<std::string>{"worker 1: ValueError: boom", "worker 0 kept running",
                                    "the driver then failed: " + driver_saw};
  };
  out.push_back({"fault_raises", "fault_raises", "recv", kAllRows, {}, "2",
                 {{"subinterp", boom("EndOfStream")}, {"thread", boom("EndOfStream")},
                  {"subprocess", boom("EndOfStream")},
                  {"py-threading", boom("EOFError: channel closed")},
                  {"py-multiprocessing-fork", boom("EOFError: channel closed")}}});
  for (const std::string fixture : {"fault_early_exit", "fault_closes"}) {
    out.push_back({fixture, fixture, "recv", kAllRows, {}, "2",
                   {{"subinterp", {"EndOfStream: channel closed"}},
                    {"thread", {"EndOfStream: channel closed"}},
                    {"subprocess", {"EndOfStream: channel closed"}},
                    {"py-threading", {"EOFError: channel closed"}},
                    {"py-multiprocessing-fork", {"EOFError: channel closed"}}}});
  }
  // A worker in an endless Python loop: the driver's recv times out, stop() gives up on it.
  const std::vector<std::string> abandoned = {"worker 0 did not finish within 1s",
                                              "the driver then failed: ChannelTimeout: recv timed out"};
  // Python 3.11 asks only the waiting interpreter to drop the shared GIL, so a subinterpreter in
  // a pure-Python loop never hands it back: there the wall limit ends the subinterp row.
  out.push_back({"fault_hangs", "fault_hangs", "recv", kAllRows, {"--wall-limit", "10"}, "1",
                 {{"subinterp", abandoned, {"timed out after 10"}},
                  {"thread", abandoned},
                  {"subprocess", {"worker 0 did not finish by the deadline (killed by SIGKILL)", "recv timed out"}},
                  {"py-threading", {"worker 0 did not finish within 1s (thread abandoned)",
                                    "the driver then failed: TimeoutError: recv timed out"}},
                  {"py-multiprocessing-fork", {"worker 0 did not finish within 1s (killed by SIGTERM)",
                                               "the driver then failed: TimeoutError: recv timed out"}}}});
  // A worker that never lets go of the GIL it shares with the driver: only the wall limit ends
  // the thread row's child. With its own GIL the subinterp row's driver still times out.
  out.push_back({"fault_hangs_holding_gil", "fault_hangs_holding_gil", "recv", "subinterp,thread",
                 {"--wall-limit", "3"}, "1",
                 {{"subinterp", abandoned, {"timed out after 3.00 s"}}, {"thread", {"timed out after 3.00 s"}}}});
  // Every start method of the subprocess backend reports a fault the same way: a worker forked
  // from the driver or by the zygote is still one process per worker, owned by the driver.
  for (FaultCase& c : out) {
    if (c.backends.find("subprocess") == std::string::npos) continue;
    c.extra.insert(c.extra.end(), {"--start-method", "exec,fork,zygote"});
    std::vector<RowExpect> more;
    for (const RowExpect& r : c.rows) {
      if (r.row != "subprocess") continue;
      for (const char* label : {"subprocess-fork", "subprocess-zygote"}) {
        more.push_back(r);
        more.back().row = label;
      }
    }
    c.rows.insert(c.rows.end(), more.begin(), more.end());
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Faults, FaultMatrixTest, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace interpbench
