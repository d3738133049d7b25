// `interpbench advise` through the built binary on a fixture run (tests/fixtures/report_quick.json):
// the ranking, the breakdown, total time with --tasks, an object graph, a run of another machine,
// the newest run in results/ by default, and bad input (exit 2, one line).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "platform/child_process.h"
#include "tests/run_cli.h"

namespace interpbench {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::string fixture() { return (fs::path(CLI_FIXTURES_DIR) / "report_quick.json").string(); }

json advise_json(std::vector<std::string> args) {
  args.insert(args.begin(), "advise");
  args.insert(args.end(), {"--format", "json"});
  const auto o = testing::run_cli(args);
  EXPECT_TRUE(o.status.success()) << o.status.describe() << ": " << o.err;
  return json::parse(o.out);
}

TEST(AdviseTest, RanksRowsByPredictedThroughputWithABreakdown) {
  const json j = advise_json({"--compute", "200us", "--payload", "64KiB", "--from", fixture()});
  EXPECT_EQ(j["ranked_by"], "throughput");
  EXPECT_EQ(j["task"]["workers"], 2);  // the run's cores
  EXPECT_DOUBLE_EQ(j["task"]["compute_ns"].get<double>(), 200e3);
  EXPECT_DOUBLE_EQ(j["task"]["payload_bytes"].get<double>(), 65536);
  const json& rows = j["rows"];
  ASSERT_GE(rows.size(), 3u);
  std::vector<std::string> names;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    names.push_back(rows[i]["row"]);
    EXPECT_EQ(rows[i]["rank"], i + 1);
    if (i) EXPECT_GE(rows[i - 1]["throughput"].get<double>(), rows[i]["throughput"].get<double>());
    for (const char* key : {"per_task_ns", "driver_ns", "channel_ns", "compute_ns", "efficiency"})
      EXPECT_GT(rows[i][key].get<double>(), 0) << key;
    EXPECT_NE(rows[i]["limit"].get<std::string>(), "");
    EXPECT_GE(rows[i].at("wake_ns").get<double>(), 0);  // 0: the fixture has no wake cell
  }
  for (const char* row : {"subinterp", "subprocess", "thread"})
    EXPECT_NE(std::find(names.begin(), names.end(), row), names.end()) << row;
  EXPECT_TRUE(j["crossovers"].is_array());
}

TEST(AdviseTest, TasksRankByTotalTimeWithStartup) {
  const json j = advise_json({"--compute", "50us", "--payload", "1KiB", "--tasks", "1000", "--from", fixture()});
  EXPECT_EQ(j["ranked_by"], "total_time");
  const json& rows = j["rows"];
  for (std::size_t i = 1; i < rows.size(); ++i)
    EXPECT_LE(rows[i - 1]["total_ns"].get<double>(), rows[i]["total_ns"].get<double>());
  for (const auto& r : rows)
    EXPECT_GE(r["total_ns"].get<double>(), 1000 * r["per_task_ns"].get<double>());
}

TEST(AdviseTest, AnObjectGraphAddsItsCodec) {
  const json j = advise_json({"--compute", "500us", "--object-graph", "records:256", "--from", fixture()});
  for (const auto& r : j["rows"]) EXPECT_GT(r["codec_ns"].get<double>(), 0) << r["row"];
}

TEST(AdviseTest, AnotherMachinesRunGivesItsCores) {
  const fs::path dir = fs::temp_directory_path() / ("advise_test_" + std::to_string(::getpid()));
  fs::create_directories(dir / "results");
  json run = json::parse(std::ifstream(fixture()));
  run["interpbench"]["environment"]["num_cpus"] = 64;
  std::ofstream(dir / "results" / "run-64.json") << run.dump();
  // From the newest JSON in ./results/ (the default input).
  testing::CliOutcome o;
  {
    SpawnOptions spawn;
    spawn.executable = INTERPBENCH_BIN;
    spawn.args = {"advise", "--compute", "5ms", "--payload", "1MiB", "--format", "json"};
    spawn.working_dir = dir;
    spawn.stdout_mode = SpawnOptions::Output::kCapture;
    ChildProcess p(spawn);
    auto status = p.wait(Deadline::after(std::chrono::seconds(60)));
    if (!status) status = p.kill_and_reap();
    o = {*status, p.captured_stdout(), p.stderr_tail()};
  }
  fs::remove_all(dir);
  ASSERT_TRUE(o.status.success()) << o.err;
  const json j = json::parse(o.out);
  EXPECT_EQ(j["cores"], 64);
  EXPECT_EQ(j["task"]["workers"], 64);
}

// Runs `interpbench advise ARGS` in a fresh directory (the default input and --measure's output
// are ./results/); returns the outcome and what results/ then holds.
struct InDirOutcome {
  testing::CliOutcome cli;
  std::vector<std::string> results;
};
InDirOutcome advise_in_fresh_dir(const std::vector<std::string>& args, std::chrono::seconds limit) {
  const fs::path dir = fs::temp_directory_path() / ("advise_test_measure_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  SpawnOptions spawn;
  spawn.executable = INTERPBENCH_BIN;
  spawn.args = args;
  spawn.working_dir = dir;
  spawn.stdout_mode = SpawnOptions::Output::kCapture;
  ChildProcess p(spawn);
  auto status = p.wait(Deadline::after(limit));
  if (!status) status = p.kill_and_reap();
  InDirOutcome o{{*status, p.captured_stdout(), p.stderr_tail()}, {}};
  if (fs::exists(dir / "results"))
    for (const auto& e : fs::directory_iterator(dir / "results")) o.results.push_back(e.path().filename().string());
  fs::remove_all(dir);
  return o;
}

TEST(AdviseTest, MeasureRunsThePrimitivesNowAndAnswersFromThatRun) {
  const auto o = advise_in_fresh_dir({"advise", "--compute", "500us", "--payload", "1KiB", "--measure", "quick",
                                      "--quiet", "--format", "json"},
                                     std::chrono::seconds(240));
  ASSERT_TRUE(o.cli.status.success()) << o.cli.status.describe() << ": " << o.cli.err;
  ASSERT_EQ(o.results.size(), 1u);
  EXPECT_EQ(o.results[0].rfind("advise-", 0), 0u) << o.results[0];
  // stdout is the advice alone (the run's table went to stderr), from the run just written.
  const json j = json::parse(o.cli.out);
  EXPECT_NE(j["input"].get<std::string>().find(o.results[0]), std::string::npos) << j["input"];
  std::vector<std::string> names;
  for (const auto& r : j["rows"]) names.push_back(r["row"]);
  for (const char* row : {"subinterp", "subprocess", "thread"})
    EXPECT_NE(std::find(names.begin(), names.end(), row), names.end()) << row;
}

TEST(AdviseTest, MeasureChecksTheAdviceBeforeMeasuring) {
  const std::vector<std::vector<std::string>> cases = {
      {"advise", "--compute", "50xs", "--measure", "quick"},
      {"advise", "--compute", "50us", "--measure", "nosuch"},
      {"advise", "--compute", "50us", "--measure", "quick", "--from", "run.json"},
      {"advise", "--compute", "50us", "--object-graph", "records", "--measure", "quick"},
  };
  for (const auto& args : cases) {
    SCOPED_TRACE(::testing::PrintToString(args));
    const auto o = advise_in_fresh_dir(args, std::chrono::seconds(30));
    EXPECT_EQ(o.cli.status.exit_code, 2) << o.cli.err;
    EXPECT_EQ(std::count(o.cli.err.begin(), o.cli.err.end(), '\n'), 1) << o.cli.err;
    EXPECT_TRUE(o.results.empty()) << "measured before refusing";
  }
}

TEST(AdviseTest, TheTableNamesTheBreakdown) {
  const auto o = testing::run_cli({"advise", "--compute", "200us", "--payload", "64KiB", "--from", fixture()});
  ASSERT_TRUE(o.status.success()) << o.err;
  for (const char* word : {"rank", "tasks/s", "per task", "limit", "compute (eff)", "channel", "driver", "wake", "subinterp"})
    EXPECT_NE(o.out.find(word), std::string::npos) << word << "\n" << o.out;
}

TEST(AdviseTest, BadInputIsOneLineAndExitTwo) {
  const std::vector<std::vector<std::string>> cases = {
      {"advise", "--compute", "200", "--from", fixture()},
      {"advise", "--compute", "0us", "--from", fixture()},
      {"advise", "--compute", "200us", "--payload", "8XB", "--from", fixture()},
      {"advise", "--compute", "200us", "--object-graph", "nosuch:16", "--from", fixture()},
      {"advise", "--compute", "200us", "--from", "/nonexistent/run.json"},
      {"advise", "--compute", "200us", "--from", (fs::path(CLI_FIXTURES_DIR) / "cli_not_json.txt").string()},
  };
  for (const auto& args : cases) {
    SCOPED_TRACE(::testing::PrintToString(args));
    const auto o = testing::run_cli(args);
    EXPECT_EQ(o.status.signal, 0);
    EXPECT_EQ(o.status.exit_code, 2) << o.err;
    EXPECT_EQ(o.out, "");
    EXPECT_EQ(o.err.rfind("interpbench: ", 0), 0u) << o.err;
    EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1) << o.err;
  }
}

}  // namespace
}  // namespace interpbench
