// compare: verdicts from synthetic runs whose repetition means are drawn from known
// distributions, exit codes, bad input, and the three output formats.
#include "reports/compare.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <unistd.h>

#include "runners/errors.h"

namespace interpbench {
namespace {

// One result with `reps` repetition means drawn around `mean` with coefficient of variation cv.
nlohmann::json result(const std::string& name, double mean, int reps, double cv, unsigned seed,
                      bool higher_is_better = false, const std::string& unit = "ns") {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(mean, mean * cv);
  nlohmann::json means = nlohmann::json::array();
  double sum = 0;
  for (int i = 0; i < reps; ++i) {
    const double m = noise(rng);
    means.push_back(m);
    sum += m;
  }
  return {{"name", name},
          {"benchmark_name", name + "/subinterp"},
          {"metric", higher_is_better ? "throughput" : "round_trip"},
          {"unit", unit},
          {"higher_is_better", higher_is_better},
          {"params", nlohmann::json::object()},
          {"summary", {{"n", reps * 100}, {"mean", sum / reps}}},
          {"repetition_means", means}};
}

nlohmann::json report(std::vector<nlohmann::json> results) {
  nlohmann::json rows = nlohmann::json::array();
  rows.push_back({{"row", "subinterp"}, {"kind", "backend"}, {"workload", "pingpong"},
                  {"error", nullptr}, {"results", results}});
  return {{"context", {{"date", "2026-01-01T00:00:00+00:00"}}},
          {"benchmarks", nlohmann::json::array()},
          {"interpbench",
           {{"schema_version", 1},
            {"environment", {{"host_name", "h"}, {"python", {{"version", "3.13.0"}}}}},
            {"options", {{"suite", "quick"}}},
            {"rows", rows}}}};
}

// Scales every time-like figure of a report, as a slower build would.
nlohmann::json scaled(nlohmann::json r, double factor) {
  for (auto& row : r["interpbench"]["rows"])
    for (auto& res : row["results"]) {
      res["summary"]["mean"] = res["summary"]["mean"].get<double>() * factor;
      for (auto& m : res["repetition_means"]) m = m.get<double>() * factor;
    }
  return r;
}

class TempDir {
 public:
  TempDir() : path_(std::filesystem::temp_directory_path() /
                    ("interpbench-compare-test-" + std::to_string(getpid()))) {
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    const auto p = path_ / name;
    std::ofstream(p) << text;
    return p.string();
  }

 private:
  std::filesystem::path path_;
};

const ResultComparison& only(const CompareResult& r) {
  EXPECT_EQ(r.results.size(), 1u);
  return r.results.at(0);
}

TEST(CompareTest, FlagsThirtyPercentRegressionWithTenRepetitions) {
  const auto base = report({result("pingpong/8", 2000, 10, 0.05, 1)});
  const auto cand = report({result("pingpong/8", 2600, 10, 0.05, 2)});
  const auto r = compare_reports(base, cand, 0.05, 0.05);
  EXPECT_EQ(only(r).verdict, Verdict::kRegression);
  EXPECT_NEAR(only(r).change, 0.30, 0.05);
  ASSERT_TRUE(only(r).p_value);
  EXPECT_LT(*only(r).p_value, 0.001);
  EXPECT_TRUE(r.has_regression());
}

TEST(CompareTest, DoesNotFlagNoiseOfTheSameDistribution) {
  // Twenty pairs of runs drawn from one distribution (5% noise between repetitions).
  for (unsigned seed = 10; seed < 30; ++seed) {
    const auto base = report({result("pingpong/8", 2000, 10, 0.05, seed)});
    const auto cand = report({result("pingpong/8", 2000, 10, 0.05, seed + 1000)});
    const auto r = compare_reports(base, cand, 0.05, 0.05);
    EXPECT_NE(only(r).verdict, Verdict::kRegression) << "seed " << seed;
    EXPECT_FALSE(r.has_regression()) << "seed " << seed;
  }
}

TEST(CompareTest, ImprovementIsNotARegression) {
  const auto base = report({result("pingpong/8", 2600, 10, 0.05, 1)});
  const auto cand = report({result("pingpong/8", 2000, 10, 0.05, 2)});
  const auto r = compare_reports(base, cand, 0.05, 0.05);
  EXPECT_EQ(only(r).verdict, Verdict::kImprovement);
  EXPECT_FALSE(r.has_regression());
}

TEST(CompareTest, HigherIsBetterDropIsARegression) {
  const auto base = report({result("stream/64K", 1e9, 10, 0.05, 1, true, "B/s")});
  const auto cand = report({result("stream/64K", 0.7e9, 10, 0.05, 2, true, "B/s")});
  const auto r = compare_reports(base, cand, 0.05, 0.05);
  EXPECT_EQ(only(r).verdict, Verdict::kRegression);
  EXPECT_LT(only(r).change, 0);
}

TEST(CompareTest, ChangeWithinThresholdIsUnchangedEvenIfSignificant) {
  const auto base = report({result("pingpong/8", 2000, 20, 0.002, 1)});
  const auto cand = report({result("pingpong/8", 2060, 20, 0.002, 2)});  // +3%, tight noise
  const auto r = compare_reports(base, cand, 0.05, 0.05);
  ASSERT_TRUE(only(r).p_value);
  EXPECT_LT(*only(r).p_value, 0.05);
  EXPECT_EQ(only(r).verdict, Verdict::kUnchanged);
}

TEST(CompareTest, TooFewRepetitionsSaysSoAndSuggestsMore) {
  // 3 vs 3 repetitions: the smallest possible p-value is 0.1, so nothing can be significant.
  const auto base = report({result("pingpong/8", 2000, 3, 0.01, 1)});
  const auto cand = report({result("pingpong/8", 3000, 3, 0.01, 2)});
  const auto r = compare_reports(base, cand, 0.05, 0.05);
  EXPECT_EQ(only(r).verdict, Verdict::kTooFewRepetitions);
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_NE(r.warnings[0].find("--repetitions"), std::string::npos);
}

TEST(CompareTest, RunWideSlowdownIsARegressionEvenWithTwoRepetitions) {
  // The quick suite's 2 repetitions can't test one result, but 12 results all 1.5x slower can.
  std::vector<nlohmann::json> results;
  for (int i = 0; i < 12; ++i)
    results.push_back(result("pingpong/" + std::to_string(8 << i), 2000.0 * (i + 1), 2, 0.02, i));
  const auto base = report(results);
  const auto r = compare_reports(base, scaled(base, 1.5), 0.05, 0.05);
  for (const auto& c : r.results) EXPECT_EQ(c.verdict, Verdict::kTooFewRepetitions);
  EXPECT_NEAR(r.overall_worse_ratio, 1.5, 1e-9);
  EXPECT_EQ(r.overall_worse, 12u);
  EXPECT_EQ(r.overall_verdict, Verdict::kRegression);
  EXPECT_TRUE(r.has_regression());

  const auto same = compare_reports(base, base, 0.05, 0.05);
  EXPECT_EQ(same.overall_verdict, Verdict::kUnchanged);
  EXPECT_FALSE(same.has_regression());
}

TEST(CompareTest, MissingAndNewResultsAreListedNotFlagged) {
  const auto base = report({result("a", 100, 10, 0.01, 1), result("b", 100, 10, 0.01, 2)});
  const auto cand = report({result("a", 100, 10, 0.01, 3), result("c", 100, 10, 0.01, 4)});
  const auto r = compare_reports(base, cand, 0.05, 0.05);
  ASSERT_EQ(r.results.size(), 3u);
  EXPECT_EQ(r.results[1].name, "b/subinterp");
  EXPECT_EQ(r.results[1].verdict, Verdict::kOnlyInBase);
  EXPECT_EQ(r.results[2].verdict, Verdict::kOnlyInCandidate);
  EXPECT_FALSE(r.has_regression());
}

TEST(CompareTest, SubinterpRowInAnotherGilModeIsAWarning) {
  auto base = report({result("a", 100, 10, 0.01, 1)});
  auto cand = report({result("a", 100, 10, 0.01, 2)});
  auto& base_row = base["interpbench"]["rows"][0];
  auto& cand_row = cand["interpbench"]["rows"][0];
  base_row["gil"] = "own";
  cand_row["gil"] = "own";
  auto says_gil = [](const CompareResult& r) {
    return std::any_of(r.warnings.begin(), r.warnings.end(),
                       [](const std::string& w) { return w.find("GIL mode") != std::string::npos; });
  };
  EXPECT_FALSE(says_gil(compare_reports(base, cand, 0.05, 0.05)));
  cand_row["gil"] = "shared";
  cand_row["python"] = "3.13.0";
  const auto r = compare_reports(base, cand, 0.05, 0.05);
  ASSERT_TRUE(says_gil(r));
  EXPECT_NE(r.warnings.back().find("--shared-gil"), std::string::npos) << r.warnings.back();
  cand_row["python"] = "3.11.7";
  const auto old = compare_reports(base, cand, 0.05, 0.05);
  ASSERT_TRUE(says_gil(old));
  EXPECT_NE(old.warnings.back().find("Python 3.11"), std::string::npos) << old.warnings.back();
  // Same GIL, another config: also another thing measured; a run without configs says nothing.
  cand_row["gil"] = "shared";
  base_row["gil"] = "shared";
  base_row["python"] = cand_row["python"] = "3.13.0";
  base_row["config"] = "isolated";
  EXPECT_FALSE(says_gil(compare_reports(base, cand, 0.05, 0.05)));
  cand_row["config"] = "legacy";
  const auto config = compare_reports(base, cand, 0.05, 0.05);
  ASSERT_TRUE(says_gil(config));
  EXPECT_NE(config.warnings.back().find("the legacy config"), std::string::npos) << config.warnings.back();
}

TEST(CompareTest, ExitCodesAndFormats) {
  TempDir dir;
  const auto base_json = report({result("pingpong/8", 2000, 10, 0.05, 1)});
  const auto base = dir.write("base.json", base_json.dump());
  const auto slow = dir.write("slow.json", scaled(base_json, 1.5).dump());

  std::ostringstream table;
  EXPECT_EQ(run_compare({base, base}, table), 0);
  EXPECT_NE(table.str().find("OVERALL (median)"), std::string::npos);

  CompareOptions json_opts{base, slow};
  json_opts.format = "json";
  std::ostringstream json_out;
  EXPECT_EQ(run_compare(json_opts, json_out), 1);
  const auto parsed = nlohmann::json::parse(json_out.str());
  EXPECT_EQ(parsed["regression"], true);
  EXPECT_EQ(parsed["results"][0]["verdict"], "REGRESSION");
  EXPECT_NEAR(parsed["results"][0]["change"].get<double>(), 0.5, 1e-9);

  CompareOptions md_opts{base, slow};
  md_opts.format = "md";
  std::ostringstream md;
  EXPECT_EQ(run_compare(md_opts, md), 1);
  EXPECT_NE(md.str().find("| benchmark | base | candidate | change | p-value | verdict |"),
            std::string::npos);
  EXPECT_NE(md.str().find("**REGRESSION**"), std::string::npos);
}

TEST(CompareTest, BadInputNamesTheFile) {
  TempDir dir;
  const auto good = dir.write("good.json", report({result("a", 1, 10, 0.01, 1)}).dump());
  const auto not_json = dir.write("notjson.json", "hello");
  auto old = report({});
  old["interpbench"]["schema_version"] = 99;
  const auto wrong_schema = dir.write("old.json", old.dump());
  auto odd = report({result("a", 1, 10, 0.01, 1)});
  odd["interpbench"]["rows"][0]["results"][0]["repetition_means"] = "many";
  const auto malformed = dir.write("odd.json", odd.dump());
  for (const auto& bad : {not_json, wrong_schema, malformed, dir.write("x", "") + ".missing"}) {
    std::ostringstream out;
    try {
      run_compare({good, bad}, out);
      ADD_FAILURE() << "no BadInput for " << bad;
    } catch (const BadInput& e) {
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    }
  }
  std::ostringstream out;
  CompareOptions bad_format{good, good};
  bad_format.format = "xml";
  EXPECT_THROW(run_compare(bad_format, out), BadInput);
}

TEST(CompareTest, ParsePercent) {
  EXPECT_DOUBLE_EQ(parse_percent("5%"), 0.05);
  EXPECT_DOUBLE_EQ(parse_percent("12.5"), 0.125);
  EXPECT_THROW(parse_percent("five"), BadInput);
  EXPECT_THROW(parse_percent("-1%"), BadInput);
  EXPECT_THROW(parse_percent("%"), BadInput);
}

}  // namespace
}  // namespace interpbench
