// `interpbench compare --run BASE CANDIDATE`: two builds (here one build and a wrapper script that
// changes the work per task) in the same interleaved rounds, gated on the paired per-round
// ratio. The work factors are large (5x) and the thresholds wide, so the outcomes do not depend
// on how noisy the machine is; the sensitivity at 2% and 10% is measured in docs/performance.md.
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "platform/child_process.h"
#include "tests/run_cli.h"
#include "tests/sanitizer.h"

namespace interpbench {
namespace {

namespace fs = std::filesystem;

using Outcome = testing::CliOutcome;

Outcome run_cli(std::vector<std::string> args) {
  return testing::run_cli(std::move(args), std::chrono::seconds(200));
}

const std::string kWork = fs::path(AB_FIXTURES_DIR) / "python_work.py";

// A wrapper of the built binary that sets INTERPBENCH_WORK: "the same build, more work per task".
class AbCompareTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("interpbench-abtest-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string wrapper(const std::string& work) {
    const fs::path p = dir_ / ("work-" + work + ".sh");
    std::ofstream(p) << "#!/bin/sh\nINTERPBENCH_WORK=" << work << " exec '" << INTERPBENCH_BIN
                     << "' \"$@\"\n";
    fs::permissions(p, fs::perms::owner_all);
    return p.string();
  }
  // Few tasks, every row that runs a workload file in one process and one of multiprocessing.
  // 10 rounds: a round flipped by a loaded machine (ctest -j2 beside a build) still leaves the
  // paired sign test at p = 0.021; with 6 rounds one flip meant p = 0.22 and a missed verdict.
  // Under a sanitizer (INTERPBENCH_SANITIZER) both sides are instrumented binaries whose start
  // dominates a round and varies by several times: 16 rounds, whose interval ([x(4), x(13)])
  // still holds with three flipped rounds on each side (an asan run flipped 2 of 10).
  static int rounds() { return interpbench::testing::sanitizer().empty() ? 10 : 16; }
  std::vector<std::string> ab(const std::string& base, const std::string& candidate,
                              const std::string& threshold) {
    return {"compare", "--run", base, candidate, "--suite", "quick", "--workload-file", kWork,
            "--backend", "subinterp,subprocess,py-threading", "--rounds", std::to_string(rounds()),
            "--iterations", "5", "--threshold", threshold, "--format", "json", "--quiet", "--seed", "7"};
  }
  fs::path dir_;
};

// 5x the work per task: a round trip also holds fixed costs, and under ctest -j2 a 3x candidate
// measured only 2.2x with its interval's low end at 1.497x, just inside the 50% threshold.
TEST_F(AbCompareTest, FiveTimesTheWorkIsARegressionOnEveryRow) {
  const Outcome o = run_cli(ab(INTERPBENCH_BIN, wrapper("5"), "50%"));
  ASSERT_EQ(o.status.signal, 0) << o.err;
  EXPECT_EQ(o.status.exit_code, 1) << o.out << o.err;
  const auto j = nlohmann::json::parse(o.out);
  EXPECT_EQ(j["mode"], "ab");
  ASSERT_EQ(j["results"].size(), 3u) << o.out;
  for (const auto& r : j["results"]) {
    EXPECT_EQ(r["verdict"], "REGRESSION") << r.dump();
    EXPECT_EQ(r["base_rounds"], rounds()) << r.dump();
    // The interval's low end is an order statistic of the per-round ratios, above 1.5.
    EXPECT_GT(r["change_low"].get<double>(), 0.5) << r.dump();
    EXPECT_LE(r["q_value"].get<double>(), 0.05) << r.dump();
  }
}

TEST_F(AbCompareTest, TheSameBuildAgainstItselfPasses) {
  const Outcome o = run_cli(ab(INTERPBENCH_BIN, wrapper("1.0"), "50%"));
  ASSERT_EQ(o.status.signal, 0) << o.err;
  EXPECT_EQ(o.status.exit_code, 0) << o.out << o.err;
  const auto j = nlohmann::json::parse(o.out);
  ASSERT_EQ(j["results"].size(), 3u) << o.out;
  for (const auto& r : j["results"]) EXPECT_NE(r["verdict"], "REGRESSION") << r.dump();
  EXPECT_EQ(j["regression"], false);
}

// The two sides' children get argv and environment strings of one length, so that their stacks
// start at one offset: with 5 bytes more in the candidate's (its result directory's name), one
// build against itself read +35% on the floor's 4 MiB round trip (docs/performance.md).
TEST_F(AbCompareTest, BothSidesChildrenGetArgvAndEnvironmentOfOneLength) {
  const std::string layout = fs::path(AB_FIXTURES_DIR) / "process_layout.py";
  const Outcome o = run_cli({"compare", "--run", INTERPBENCH_BIN, INTERPBENCH_BIN, "--suite", "quick",
                             "--workload-file", layout, "--backend", "subinterp,subprocess",
                             "--rounds", "2", "--save-runs", dir_.string(), "--quiet"});
  ASSERT_EQ(o.status.signal, 0) << o.err;
  ASSERT_LE(o.status.exit_code, 1) << o.err;  // the gate's verdict on a length is not the point
  std::map<std::string, std::vector<double>> sizes;  // row -> base's, then candidate's
  for (const char* side : {"base.json", "candidate.json"}) {
    const auto run = nlohmann::json::parse(std::ifstream(dir_ / side));
    for (const auto& row : run["interpbench"]["rows"])
      for (const auto& r : row["results"])
        for (const auto& rep : r["repetition_means"]) sizes[row["row"].get<std::string>()].push_back(rep);
  }
  ASSERT_EQ(sizes.size(), 2u) << o.out << o.err;
  for (const auto& [row, values] : sizes) {
    ASSERT_EQ(values.size(), 4u) << row;  // two rounds on each side
    EXPECT_GT(values[0], 0) << row;
    for (double v : values) EXPECT_EQ(v, values[0]) << row << ": argv + environ bytes differ";
  }
}

TEST_F(AbCompareTest, ABinaryThatIsNotAnInterpbenchIsBadInput) {
  const fs::path fake = dir_ / "not-interpbench.sh";
  std::ofstream(fake) << "#!/bin/sh\necho hello\n";
  fs::permissions(fake, fs::perms::owner_all);
  const Outcome o = run_cli(ab(INTERPBENCH_BIN, fake.string(), "5%"));
  EXPECT_EQ(o.status.exit_code, 2) << o.err;
  EXPECT_NE(o.err.find("not an interpbench"), std::string::npos) << o.err;
  EXPECT_TRUE(o.out.empty()) << o.out;
  const Outcome missing = run_cli(ab(INTERPBENCH_BIN, (dir_ / "nope").string(), "5%"));
  EXPECT_EQ(missing.status.exit_code, 2) << missing.err;
  EXPECT_NE(missing.err.find("not an executable file"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace interpbench
