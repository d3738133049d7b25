// Run-wide calibration: calibrate_run(params) runs once, in the real Python, and every row of the
// workload gets its result, so rows of one run do the same work.
#include "runners/calibration.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "platform/child_process.h"
#include "core/errors.h"

namespace interpbench {
namespace {

namespace fs = std::filesystem;

const fs::path kFixtures = CALIBRATION_FIXTURES_DIR;

TEST(CalibrationTest, ReturnsWhatCalibrateRunReturnsGivenTheParams) {
  const auto got = calibrate_workload(kFixtures / "calibrated.py", INTERPBENCH_PYTHON_EXECUTABLE,
                                      {{"suite", "quick"}});
  EXPECT_EQ(got, nlohmann::json({{"loops_per_us", 42.5}, {"seen_suite", "quick"}}));
}

// KEY beside KEY_slowest_probe: a warning only when they are more than 10% apart.
TEST(CalibrationTest, ProbesMoreThanTenPercentApartAreAWarning) {
  const auto w = calibration_warnings(
      {{"taskfarm", {{"loops_per_us", 10.3}, {"loops_per_us_slowest_probe", 5.74}}},
       {"steady", {{"loops_per_us", 10.3}, {"loops_per_us_slowest_probe", 9.9}}},
       {"single", {{"loops_per_us", 10.3}}}});
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("taskfarm's loops_per_us probes ranged 5.74-10.3 (1.79x apart)"), std::string::npos) << w[0];
  EXPECT_TRUE(calibration_warnings(nlohmann::json::object()).empty());
  EXPECT_TRUE(calibration_warnings({{"taskfarm", {{"loops_per_us", "fast"}, {"loops_per_us_slowest_probe", 1}}}}).empty());
}

// A VM's vCPUs run pure Python in two speed modes, an unpinned process often in the slow one:
// calibration runs on one CPU, so that every run of a build calibrates alike.
TEST(CalibrationTest, CalibrationRunsOnOneCpu) {
  const auto got = calibrate_workload(kFixtures / "calibrated.py", INTERPBENCH_PYTHON_EXECUTABLE,
                                      {{"report_cpus", true}});
  EXPECT_EQ(got, nlohmann::json({{"cpus", 1}}));
}

TEST(CalibrationTest, AWorkloadWithoutCalibrateRunGetsNothing) {
  EXPECT_EQ(calibrate_workload(kFixtures / "ping.py", INTERPBENCH_PYTHON_EXECUTABLE, {}),
            nlohmann::json::object());
}

TEST(CalibrationTest, AFailingCalibrationNamesTheWorkloadAndTheError) {
  try {
    calibrate_workload(kFixtures / "calibrated.py", INTERPBENCH_PYTHON_EXECUTABLE, {{"fail", true}});
    FAIL() << "no exception";
  } catch (const RunFailed& e) {
    EXPECT_NE(std::string(e.what()).find("calibrated.py"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("calibration failed on purpose"), std::string::npos) << e.what();
  }
}

// A hanging calibrate_run is killed at the limit it is given (the run's wall limit, not a fixed
// minute) and the error says it timed out.
TEST(CalibrationTest, AHangingCalibrationTimesOutAtTheGivenLimit) {
  const auto started = std::chrono::steady_clock::now();
  try {
    calibrate_workload(kFixtures / "calibrate_hangs.py", INTERPBENCH_PYTHON_EXECUTABLE,
                       nlohmann::json::object(), 1.0);
    FAIL() << "no exception";
  } catch (const RunFailed& e) {
    EXPECT_NE(std::string(e.what()).find("calibrate_hangs.py"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("timed out after 1"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("SIGKILL"), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));
}

TEST(CalibrationTest, ARunGivesCalibrationItsWallLimit) {
  SpawnOptions spawn;
  spawn.executable = INTERPBENCH_BIN;
  spawn.args = {"run", "--workload-file", (kFixtures / "calibrate_hangs.py").string(), "--backend",
                "thread", "--suite", "quick", "--wall-limit", "1.5", "--quiet"};
  spawn.stdout_mode = SpawnOptions::Output::kNull;
  const auto started = std::chrono::steady_clock::now();
  ChildProcess run(spawn);
  auto status = run.wait(Deadline::after(std::chrono::seconds(45)));
  if (!status) status = run.kill_and_reap();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(40));
  EXPECT_EQ(status->exit_code, 1) << status->describe() << "\n" << run.stderr_tail();
  EXPECT_NE(run.stderr_tail().find("timed out after 1.5"), std::string::npos) << run.stderr_tail();
}

TEST(CalibrationTest, EveryTaskfarmRowOfARunDoesTheSameLoopsPerTask) {
  const fs::path out = fs::temp_directory_path() / ("calibration_test_" + std::to_string(::getpid()) + ".json");
  SpawnOptions spawn;
  spawn.executable = INTERPBENCH_BIN;
  spawn.args = {"run", "--suite", "quick", "--workload", "taskfarm", "--backend",
                "thread,subinterp,py-threading", "--quiet", "--out", out.string()};
  spawn.stdout_mode = SpawnOptions::Output::kNull;
  ChildProcess run(spawn);
  auto status = run.wait(Deadline::after(std::chrono::seconds(120)));
  if (!status) status = run.kill_and_reap();
  ASSERT_TRUE(status->success()) << status->describe() << "\n" << run.stderr_tail();

  nlohmann::json report;
  std::ifstream(out) >> report;
  fs::remove(out);
  const auto& ib = report["interpbench"];
  const double loops_per_us = ib["options"]["calibration"]["taskfarm"]["loops_per_us"];
  EXPECT_GT(loops_per_us, 0);
  std::set<std::string> rows;
  for (const auto& row : ib["rows"]) {
    rows.insert(row["row"].get<std::string>());
    for (const auto& r : row["results"]) {
      const double compute_us = r["params"]["compute_us"];
      // Python's round() and llround differ only exactly halfway: allow that one loop.
      const long long want = std::max(1LL, std::llround(compute_us * loops_per_us));
      EXPECT_LE(std::llabs(r["params"]["loops"].get<long long>() - want), 1)
          << row["row"] << " " << r["name"];
    }
  }
  EXPECT_EQ(rows, (std::set<std::string>{"thread", "subinterp", "py-threading"}));
}

}  // namespace
}  // namespace interpbench
