// Bad input through the real binary: each case exits 2 with exactly one line on stderr that names
// the problem, no stack trace, nothing on stdout and nothing written. --help exits 0.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "platform/child_process.h"
#include "tests/run_cli.h"

namespace interpbench {
namespace {

namespace fs = std::filesystem;

using Outcome = testing::CliOutcome;
using testing::run_cli;

std::string fixture(const std::string& name) { return fs::path(CLI_FIXTURES_DIR) / name; }

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Exit 2, one line "interpbench: ..." containing `needle`, nothing on stdout, no crash or trace.
void expect_bad_input(const std::vector<std::string>& args, const std::string& needle) {
  SCOPED_TRACE(::testing::PrintToString(args));
  const Outcome o = run_cli(args);
  EXPECT_EQ(o.status.signal, 0);
  EXPECT_EQ(o.status.exit_code, 2) << o.err;
  const auto err = lines(o.err);
  ASSERT_EQ(err.size(), 1u) << o.err;
  EXPECT_EQ(err[0].rfind("interpbench: ", 0), 0u) << err[0];
  EXPECT_NE(err[0].find(needle), std::string::npos) << err[0];
  for (const char* bad : {"terminate called", "Traceback", "what():", "Aborted"}) {
    EXPECT_EQ(o.err.find(bad), std::string::npos) << o.err;
  }
  EXPECT_EQ(o.out, "");
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cli_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    out_ = (dir_ / "out.json").string();
  }
  void TearDown() override {
    // Bad input writes nothing, not even half a file.
    EXPECT_FALSE(fs::exists(out_));
    fs::remove_all(dir_);
  }
  fs::path dir_;
  std::string out_;
};

TEST_F(CliTest, EveryCommandHasHelp) {
  for (std::vector<std::string> args : {std::vector<std::string>{"--help"}, {"run", "--help"}, {"env", "--help"},
                                        {"list", "--help"}, {"report", "--help"}, {"compare", "--help"}}) {
    const Outcome o = run_cli(args);
    EXPECT_EQ(o.status.exit_code, 0) << args[0];
    EXPECT_NE(o.out.find("Usage"), std::string::npos) << args[0];
  }
}

TEST_F(CliTest, UnknownCommandOrOption) {
  expect_bad_input({"bogus"}, "'bogus'");
  expect_bad_input({"run", "--frobnicate"}, "--frobnicate");
  expect_bad_input({"run", "--repetitions"}, "--repetitions");
}

TEST_F(CliTest, UnknownBackendListsTheValidOnes) {
  expect_bad_input({"run", "--backend", "nosuch", "--out", out_}, "'nosuch'");
  const Outcome o = run_cli({"run", "--backend", "subinterp,nosuch"});
  EXPECT_NE(o.err.find("subprocess"), std::string::npos) << o.err;
}

TEST_F(CliTest, BadStartMethodListsTheValidOnesAndHelpNamesThem) {
  expect_bad_input({"run", "--start-method", "exec,spawn", "--out", out_}, "--start-method 'spawn'");
  const Outcome o = run_cli({"run", "--start-method", "vfork"});
  EXPECT_NE(o.err.find("exec, fork, zygote"), std::string::npos) << o.err;
  const Outcome help = run_cli({"run", "--help"});
  EXPECT_NE(help.out.find("--start-method"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("zygote"), std::string::npos) << help.out;
  const Outcome list = run_cli({"list"});
  EXPECT_NE(list.out.find("subprocess start methods"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("bare-interp"), std::string::npos) << list.out;
}

TEST_F(CliTest, ListNamesTheSubinterpModesButNotOwnGilWithLegacy) {
  const Outcome text = run_cli({"list"});
  EXPECT_NE(text.out.find("subinterp-legacy     shared GIL, legacy config"), std::string::npos) << text.out;
  const Outcome o = run_cli({"list", "--json"});
  ASSERT_EQ(o.status.exit_code, 0) << o.err;
  const auto modes = nlohmann::json::parse(o.out)["subinterp_modes"];
  ASSERT_EQ(modes.size(), 3u) << modes.dump();
  EXPECT_EQ(modes[0], nlohmann::json({{"row", "subinterp"}, {"gil", "own"}, {"config", "isolated"}}));
  for (const auto& m : modes)
    EXPECT_FALSE(m["gil"] == "own" && m["config"] == "legacy") << m.dump();
}

// fork is refused, as the row's error, where the driver's process runs more than one thread;
// exec and zygote run the same workload.
// A driver result that breaks the contract fails every row alike (backend rows used to say "ok"
// and exit 0 where the reference rows failed): one check, where the supervisor reads the result.
TEST_F(CliTest, MalformedDriverResultsAreErrorRowsOnEveryRow) {
  for (const char* f : {"bad_result_ints.py", "bad_result_no_keys.py", "bad_result_string_samples.py",
                        "bad_result_empty_repetitions.py"}) {
    SCOPED_TRACE(f);
    const Outcome o = run_cli({"run", "--workload-file", fixture(f), "--backend",
                               "subinterp,subprocess,thread,py-threading", "--suite", "quick",
                               "--timeout", "5", "--format", "json", "--quiet"},
                              std::chrono::seconds(120));
    EXPECT_EQ(o.status.exit_code, 1) << o.err;
    const auto report = nlohmann::json::parse(o.out, nullptr, false);
    ASSERT_TRUE(report.is_object()) << o.out;
    const auto& rows = report["interpbench"]["rows"];
    ASSERT_EQ(rows.size(), 4u) << rows.dump();
    for (const auto& row : rows) {
      ASSERT_TRUE(row["error"].is_string()) << row.dump();
      if (row["kind"] != "reference") {
        EXPECT_NE(row["error"].get<std::string>().find("breaks the contract"), std::string::npos)
            << row["error"];
      }
    }
  }
}

// Under `ulimit -f` the report does not fit: the runner used to die by SIGXFSZ (exit 153) without
// a word, leaving OUT.tmp-PID and its temp dir. Now: one line naming the write error, exit 1,
// nothing left behind.
TEST_F(CliTest, AFileSizeLimitIsAWriteErrorNotADeathBySigxfsz) {
  SpawnOptions spawn;
  spawn.executable = "/bin/bash";
  // bash counts ulimit -f in KiB: the child's small result file fits, the run report does not.
  spawn.args = {"-c", "ulimit -f 2; exec \"$0\" \"$@\"", INTERPBENCH_BIN, "run", "--workload-file",
                fixture("echo.py"), "--backend", "thread", "--suite", "quick", "--quiet", "--out", out_};
  spawn.stdout_mode = SpawnOptions::Output::kNull;
  spawn.stderr_tail_lines = 50;
  ChildProcess p(spawn);
  const pid_t pid = p.pid();
  auto status = p.wait(Deadline::after(std::chrono::seconds(60)));
  if (!status) status = p.kill_and_reap();
  EXPECT_EQ(status->signal, 0) << status->describe();
  EXPECT_EQ(status->exit_code, 1) << p.stderr_tail();
  // The environment warnings come first (even with --quiet); then the one line of the error.
  const auto err = lines(p.stderr_tail());
  ASSERT_FALSE(err.empty());
  EXPECT_EQ(err.back().rfind("interpbench: cannot write '" + out_ + "'", 0), 0u) << err.back();
  EXPECT_NE(err.back().find("File too large"), std::string::npos) << err.back();
  for (const auto& line : err) {
    if (&line != &err.back()) {
      EXPECT_EQ(line.rfind("warning: ", 0), 0u) << line;
    }
  }
  for (const auto& entry : fs::directory_iterator(dir_)) ADD_FAILURE() << "left behind: " << entry.path();
  const std::string temp_prefix = "interpbench-run-" + std::to_string(pid) + "-";
  for (const auto& entry : fs::directory_iterator(fs::temp_directory_path())) {
    EXPECT_NE(entry.path().filename().string().rfind(temp_prefix, 0), 0u) << "left behind: " << entry.path();
  }
}

// `--out none` is the default's "no file", not a file named none (one was committed by accident).
TEST_F(CliTest, OutNoneWritesNoFile) {
  SpawnOptions spawn;
  spawn.executable = "/bin/bash";
  spawn.args = {"-c", "cd \"$1\" && exec \"$0\" run --workload-file \"$2\" --backend thread --suite quick "
                "--quiet --out none",
                INTERPBENCH_BIN, dir_.string(), fixture("echo.py")};
  spawn.stdout_mode = SpawnOptions::Output::kNull;
  spawn.stderr_tail_lines = 50;
  ChildProcess p(spawn);
  auto status = p.wait(Deadline::after(std::chrono::seconds(60)));
  if (!status) status = p.kill_and_reap();
  EXPECT_EQ(status->exit_code, 0) << status->describe() << p.stderr_tail();
  for (const auto& entry : fs::directory_iterator(dir_)) ADD_FAILURE() << "written: " << entry.path();
}

// A run that was SIGKILLed leaves its temporary directory; the next run removes it and says so
// (docs/design.md, "Fault model": the runner gets SIGKILL).
TEST_F(CliTest, AKilledRunsTemporaryDirectoryIsRemovedAndSaid) {
  SpawnOptions gone;
  gone.executable = "/bin/true";
  ChildProcess dead(gone);
  ASSERT_TRUE(dead.wait(Deadline::after(std::chrono::seconds(10))));
  // A TMPDIR of its own: a run of a test beside this one sweeps the shared /tmp too.
  const fs::path tmp = dir_ / "tmp";
  const fs::path stale = tmp / ("interpbench-run-" + std::to_string(dead.pid()) + "-abcdef");
  fs::create_directories(stale / "base");
  std::ofstream(stale / "base" / "000-pingpong-floor-r0-s0.json") << "{";
  SpawnOptions spawn;
  spawn.executable = INTERPBENCH_BIN;
  spawn.args = {"run", "--suite", "quick", "--workload", "pingpong", "--backend", "floor", "--quiet"};
  spawn.env = {"TMPDIR=" + tmp.string()};
  spawn.stdout_mode = SpawnOptions::Output::kNull;
  spawn.stderr_tail_lines = 50;
  ChildProcess p(spawn);
  auto status = p.wait(Deadline::after(std::chrono::seconds(60)));
  if (!status) status = p.kill_and_reap();
  EXPECT_EQ(status->exit_code, 0) << p.stderr_tail();
  EXPECT_NE(p.stderr_tail().find("interpbench: removed 1 temporary directory of a run that was killed"),
            std::string::npos)
      << p.stderr_tail();
  EXPECT_FALSE(fs::exists(stale));
}

TEST_F(CliTest, ForkWhereUnsafeIsARowErrorNamingTheReason) {
  const Outcome o = run_cli({"run", "--workload-file", fixture("fork_unsafe.py"), "--backend",
                             "subprocess", "--start-method", "exec,fork,zygote", "--suite", "quick",
                             "--timeout", "5"});
  EXPECT_EQ(o.status.exit_code, 1) << o.err;
  EXPECT_NE(o.out.find("[subprocess-fork]"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("start method fork refused: the driver's process runs"), std::string::npos) << o.out;
  EXPECT_EQ(o.out.find("[subprocess]: error"), std::string::npos) << o.out;
  EXPECT_EQ(o.out.find("[subprocess-zygote]: error"), std::string::npos) << o.out;
}

TEST_F(CliTest, BadSubinterpModes) {
  expect_bad_input({"run", "--gil", "own", "--config", "legacy", "--out", out_}, "unsupported by CPython");
  expect_bad_input({"run", "--gil", "mine", "--out", out_}, "--gil 'mine'");
  expect_bad_input({"run", "--config", "own,sandboxed"}, "--config 'own'");
  expect_bad_input({"run", "--shared-gil", "--gil", "own"}, "contradicts --gil own");
  expect_bad_input({"run", "--modules", ",", "--out", out_}, "--modules");
}

TEST_F(CliTest, UnknownWorkloadOrSuite) {
  expect_bad_input({"run", "--workload", "nbody", "--out", out_}, "'nbody'");
  expect_bad_input({"run", "--suite", "huge", "--out", out_}, "'huge'");
  expect_bad_input({"run", "--format", "xml"}, "'xml'");
}

TEST_F(CliTest, UnknownFormatListsBmfAmongTheValidOnes) {
  expect_bad_input({"run", "--format", "bogus"}, "(valid: table, json, csv, md, bmf)");
  const std::string run = fixture("report_quick.json");
  expect_bad_input({"report", run, "--out", (dir_ / "r").string(), "--format", "bogus"},
                   "expected html, md, csv, bmf or table");
  // BMF names benchmarks as `benchmarks` does: two runs would collide.
  expect_bad_input({"report", run, run, "--out", (dir_ / "r").string(), "--format", "bmf"},
                   "--format bmf exports one run");
  EXPECT_FALSE(fs::exists(dir_ / "r"));
}

// `report RUN --out DIR --format bmf` prints Bencher Metric Format JSON (tests/bmf_export_test.cc
// checks it in detail) and keeps it as DIR/results.bmf.json.
TEST_F(CliTest, ReportFormatBmfPrintsBencherMetricFormatJson) {
  const fs::path dir = dir_ / "bmf-report";
  const Outcome o = run_cli({"report", fixture("report_quick.json"), "--out", dir.string(), "--format", "bmf"},
                            std::chrono::seconds(200));
  ASSERT_EQ(o.status.exit_code, 0) << o.err;
  const auto bmf = nlohmann::json::parse(o.out);  // throws (fails the test) unless valid JSON
  ASSERT_TRUE(bmf.is_object());
  ASSERT_TRUE(bmf.contains("pingpong/8/round_trip/subinterp"));
  const auto& latency = bmf["pingpong/8/round_trip/subinterp"]["latency"];
  for (const char* key : {"value", "lower_value", "upper_value"}) EXPECT_TRUE(latency[key].is_number()) << key;
  std::ifstream kept(dir / "results.bmf.json");
  EXPECT_EQ(nlohmann::json::parse(kept), bmf);
}

TEST_F(CliTest, BadSizes) {
  expect_bad_input({"run", "--sizes", "12XB", "--out", out_}, "'12XB'");
  expect_bad_input({"run", "--sizes", "0", "--out", out_}, "'0'");
  expect_bad_input({"run", "--sizes", "-1", "--out", out_}, "'-1'");
  expect_bad_input({"run", "--sizes=-1"}, "'-1'");
  expect_bad_input({"run", "--sizes", "8,1K,big"}, "'big'");
}

TEST_F(CliTest, BadCounts) {
  expect_bad_input({"run", "--repetitions", "0", "--out", out_}, "--repetitions '0'");
  expect_bad_input({"run", "--iterations", "ten"}, "--iterations 'ten'");
  expect_bad_input({"run", "--workers", "1,0"}, "--workers '0'");
  expect_bad_input({"run", "--timeout", "-3"}, "--timeout '-3'");
  expect_bad_input({"run", "--wall-limit", "0", "--out", out_}, "--wall-limit '0'");
  expect_bad_input({"run", "--wall-limit", "soon"}, "--wall-limit 'soon'");
  expect_bad_input({"run", "--workers", "1.5"}, "--workers '1.5'");
  expect_bad_input({"run", "--repetitions", "99999999999999999999"}, "--repetitions");
  expect_bad_input({"compare", fixture("cli_not_json.txt"), fixture("cli_not_json.txt"), "--alpha", "2"},
                   "--alpha");
}

// Durations beyond a day, non-finite or negative: one line, before anything runs (1e10 used to
// overflow core/deadline.h and fail every row with a channel timeout; 1e308 aborted under UBSan).
TEST_F(CliTest, AbsurdDurations) {
  for (const char* option : {"--timeout", "--wall-limit"}) {
    for (const char* value : {"1e10", "1e308", "86401", "inf", "-inf", "nan", "-1e308", "-0", "1e-400x"}) {
      expect_bad_input({"run", "--suite", "quick", "--workload", "pingpong", "--backend", "subinterp",
                        option, value, "--out", out_},
                       std::string(option) + " '" + value + "'");
    }
  }
}

TEST_F(CliTest, MissingOrUnreadableWorkloadFile) {
  expect_bad_input({"run", "--workload-file", (dir_ / "missing.py").string(), "--out", out_}, "missing.py");
  expect_bad_input({"run", "--workload-file", dir_.string()}, dir_.string());
  // Unreadable: tests run as root, for whom mode 000 reads fine; a FIFO (opening it would block
  // until a writer comes) and a device are files that can't be read as a workload.
  const fs::path fifo = dir_ / "fifo.py";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  expect_bad_input({"run", "--workload-file", fifo.string(), "--out", out_}, "not a regular file");
  expect_bad_input({"run", "--workload-file", "/dev/null"}, "not a regular file");
}

// A workload path that is not UTF-8 used to fail every row with json type_error 316 (and print
// nothing with --format json): refused up front, as are other paths that reach the report.
TEST_F(CliTest, NonUtf8PathsAreRefused) {
  const fs::path bad = dir_ / "p\xff.py";
  fs::copy_file(fixture("echo.py"), bad);
  for (const char* format : {"table", "json"}) {
    expect_bad_input({"run", "--workload-file", bad.string(), "--backend", "subinterp,thread",
                      "--suite", "quick", "--format", format, "--out", out_},
                     "not valid UTF-8");
  }
  const Outcome o = run_cli({"run", "--workload-file", bad.string()});
  EXPECT_NE(o.err.find("p\\xff.py"), std::string::npos) << o.err;  // printed escaped
  expect_bad_input({"run", "--out", (dir_ / "r\xfe.json").string()}, "not valid UTF-8");
  expect_bad_input({"report", bad.string(), "--out", (dir_ / "report").string()}, "not valid UTF-8");
  expect_bad_input({"compare", bad.string(), fixture("report_quick.json")}, "not valid UTF-8");
  EXPECT_FALSE(fs::exists(dir_ / "report"));
}

TEST_F(CliTest, WorkloadFileWithSyntaxErrorFailsBeforeRunning) {
  expect_bad_input({"run", "--workload-file", fixture("cli_syntax_error.py"), "--out", out_}, "SyntaxError");
  const Outcome o = run_cli({"run", "--workload-file", fixture("cli_syntax_error.py")});
  EXPECT_NE(o.err.find("cli_syntax_error.py"), std::string::npos);
  EXPECT_NE(o.err.find("line 4"), std::string::npos) << o.err;
}

TEST_F(CliTest, WorkloadFileWithoutTheRequiredFunctions) {
  expect_bad_input({"run", "--workload-file", fixture("cli_no_driver.py"), "--out", out_}, "driver");
  expect_bad_input({"run", "--workload-file", fixture("no_functions.py")}, "worker");
}

TEST_F(CliTest, UnwritableOutput) {
  expect_bad_input({"run", "--out", (dir_ / "no" / "such" / "dir.json").string()}, "does not exist");
  expect_bad_input({"run", "--out", dir_.string()}, "is a directory");
  expect_bad_input({"run", "--out", "/proc/interpbench-cli-test.json"}, "/proc/interpbench-cli-test.json");
  // A path under a file.
  const fs::path file = dir_ / "a-file";
  std::ofstream(file) << "x";
  expect_bad_input({"run", "--out", (file / "r.json").string()}, "is not a directory");
}

TEST_F(CliTest, UnwritableReportDirectory) {
  const fs::path file = dir_ / "a-file";
  std::ofstream(file) << "x";
  const std::string run = fixture("report_quick.json");
  expect_bad_input({"report", run, "--out", (file / "report").string()}, "a-file/report");
  expect_bad_input({"report", run, "--out", "/proc/interpbench-cli-test"}, "/proc/interpbench-cli-test");
  EXPECT_FALSE(fs::exists(file / "report"));
}

// report --out refuses a missing parent directory like run --out does (it used to create it).
TEST_F(CliTest, ReportOutWithMissingParentIsRefusedLikeRunOut) {
  const fs::path missing = dir_ / "no" / "such";
  expect_bad_input({"report", fixture("report_quick.json"), "--out", (missing / "report").string()},
                   "does not exist");
  expect_bad_input({"report", fixture("report_quick.json"), "--out", (missing / "report/").string()},
                   "does not exist");
  expect_bad_input({"run", "--out", (missing / "r.json").string()}, "does not exist");
  EXPECT_FALSE(fs::exists(dir_ / "no"));
}

TEST_F(CliTest, ReportAndCompareRejectFilesThatAreNotRuns) {
  for (const char* f : {"cli_not_json.txt", "cli_truncated.json", "cli_wrong_schema.json"}) {
    expect_bad_input({"compare", fixture(f), fixture(f)}, f);
    expect_bad_input({"report", fixture(f), "--out", (dir_ / "report").string()}, f);
  }
  expect_bad_input({"compare", (dir_ / "none.json").string(), fixture("cli_not_json.txt")}, "none.json");
}

}  // namespace
}  // namespace interpbench
