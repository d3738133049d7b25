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

#include "core/errors.h"

namespace interpbench {
namespace {

// One result measured in `reps` rounds (one repetition each), whose values are drawn around
// `mean` with coefficient of variation cv: "rounds" as json_report writes it (values, n, median),
// and the repetition means an older report had.
nlohmann::json result(const std::string& name, double mean, int reps, double cv, unsigned seed,
                      bool higher_is_better = false, const std::string& unit = "ns") {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(mean, mean * cv);
  nlohmann::json means = nlohmann::json::array();
  std::vector<double> values;
  double sum = 0;
  for (int i = 0; i < reps; ++i) {
    const double m = noise(rng);
    means.push_back(m);
    values.push_back(m);
    sum += m;
  }
  std::sort(values.begin(), values.end());
  const double median = reps % 2 ? values[reps / 2] : (values[reps / 2 - 1] + values[reps / 2]) / 2;
  return {{"name", name},
          {"benchmark_name", name + "/subinterp"},
          {"metric", higher_is_better ? "throughput" : "round_trip"},
          {"unit", unit},
          {"higher_is_better", higher_is_better},
          {"params", nlohmann::json::object()},
          {"summary", {{"n", reps * 100}, {"mean", sum / reps}, {"median", median}}},
          {"repetition_means", means},
          {"rounds", {{"values", means}, {"n", reps}, {"median", median}}}};
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
      for (const char* key : {"mean", "median"})
        res["summary"][key] = res["summary"][key].get<double>() * factor;
      res["rounds"]["median"] = res["rounds"]["median"].get<double>() * factor;
      for (auto& m : res["repetition_means"]) m = m.get<double>() * factor;
      for (auto& m : res["rounds"]["values"]) m = m.get<double>() * factor;
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

TEST(CompareTest, TooFewRoundsSaysSoAndSuggestsMore) {
  // Two separate runs of 3 rounds each: the Moses interval covers 1 - 2/C(6, 3) = 0.9 at most.
  const auto base = report({result("pingpong/8", 2000, 3, 0.01, 1)});
  const auto cand = report({result("pingpong/8", 3000, 3, 0.01, 2)});
  const auto r = compare_reports(base, cand, 0.05, 0.05);
  EXPECT_EQ(only(r).verdict, Verdict::kTooFewRepetitions);
  EXPECT_EQ(only(r).base_repetitions, 3u);
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_EQ(r.warnings[0], "1 result(s) changed beyond 5% but have too few rounds for a 95% "
                           "interval (fewest: 3): rerun both with --rounds 6 or more");

  // A/B, paired by round: five rounds ([min, max] covers 1 - 2/32 = 0.9375) are too few, six
  // (0.96875) decide, even with the same 1.5x in every round.
  for (const auto& [rounds, verdict] : {std::pair{5, Verdict::kTooFewRepetitions},
                                        std::pair{6, Verdict::kRegression}}) {
    const auto b = report({result("pingpong/8", 2000, rounds, 0.01, 3)});
    const auto paired = compare_reports(b, scaled(b, 1.5), 0.05, 0.05, /*paired=*/true);
    EXPECT_EQ(only(paired).verdict, verdict) << rounds << " rounds";
    EXPECT_NEAR(only(paired).change, 0.5, 1e-12);
  }
}

TEST(CompareTest, TwoRunsCountResultsThatMovedWithTheWholeRunAsTheShiftNotAsRegressions) {
  // 12 results, 10 rounds each: every one 30% slower in the candidate (the machine, as far as two
  // separate runs can tell), and then only one of them 30% slower (a change).
  std::vector<nlohmann::json> results;
  for (int i = 0; i < 12; ++i)
    results.push_back(result("pingpong/" + std::to_string(8 << i), 2000.0 * (i + 1), 10, 0.02, i));
  const auto base = report(results);
  const auto all = compare_reports(base, scaled(base, 1.3), 0.05, 0.05);
  for (const auto& c : all.results) EXPECT_EQ(c.verdict, Verdict::kRunShift) << c.name;
  EXPECT_EQ(all.overall_verdict, Verdict::kRunShift);
  EXPECT_FALSE(all.has_regression());
  EXPECT_EQ(verdict_name(all.results[0].verdict), "with the whole-run shift (not gated)");

  auto one = base;
  auto& first = one["interpbench"]["rows"][0]["results"][0];
  for (auto& m : first["rounds"]["values"]) m = m.get<double>() * 1.3;
  first["rounds"]["median"] = first["rounds"]["median"].get<double>() * 1.3;
  const auto r = compare_reports(base, one, 0.05, 0.05);
  EXPECT_EQ(r.results[0].verdict, Verdict::kRegression);
  for (std::size_t i = 1; i < r.results.size(); ++i) EXPECT_EQ(r.results[i].verdict, Verdict::kUnchanged);
  EXPECT_EQ(r.overall_verdict, Verdict::kUnchanged);
  EXPECT_TRUE(r.has_regression());
}

TEST(CompareTest, AChangeOfARowThatMeasuresOnlyTheMachineIsSaidNotGated) {
  // floor-line (a cache line bounced) and memcpy run no interpbench code: 8% slower in every
  // round means the machine changed. The same change on subinterp, and on floor (our ring), is a
  // regression; in A/B mode as in two separate runs.
  auto on_row = [](const std::string& row, double factor) {
    auto r = report({result("pingpong/8", 120, 12, 0.01, 3)});
    r["interpbench"]["rows"][0]["row"] = row;
    r["interpbench"]["rows"][0]["kind"] = "floor";
    r["interpbench"]["rows"][0]["results"][0]["benchmark_name"] = "pingpong/8/" + row;
    return scaled(r, factor);
  };
  for (const bool paired : {false, true}) {
    for (const char* row : {"floor-line", "memcpy"}) {
      const auto r = compare_reports(on_row(row, 1.0), on_row(row, 1.083), 0.05, 0.05, paired);
      EXPECT_EQ(only(r).verdict, Verdict::kMachine) << row;
      EXPECT_FALSE(r.fails()) << row;
      ASSERT_FALSE(r.warnings.empty());
      EXPECT_NE(r.warnings.front().find("the machine changed between the runs: pingpong/8/" +
                                        std::string(row) + " +8.3%"),
                std::string::npos)
          << r.warnings.front();
    }
    for (const char* row : {"floor", "subinterp"}) {
      const auto r = compare_reports(on_row(row, 1.0), on_row(row, 1.083), 0.05, 0.05, paired);
      EXPECT_EQ(only(r).verdict, Verdict::kRegression) << row;
      EXPECT_TRUE(r.fails()) << row;
    }
  }
  EXPECT_EQ(verdict_name(Verdict::kMachine), "the machine changed (not gated)");
  // Several such results: one warning names them all.
  auto two = on_row("memcpy", 1.0);
  two["interpbench"]["rows"][0]["results"].push_back(result("stream/16", 500, 12, 0.01, 4));
  two["interpbench"]["rows"][0]["results"][1]["benchmark_name"] = "stream/16/memcpy";
  const auto r = compare_reports(two, scaled(two, 1.2), 0.05, 0.05, true);
  ASSERT_EQ(r.results.size(), 2u);
  for (const auto& c : r.results) EXPECT_EQ(c.verdict, Verdict::kMachine) << c.name;
  const auto says_machine = [](const std::string& w) {
    return w.find("the machine changed between the runs") != std::string::npos;
  };
  EXPECT_EQ(std::count_if(r.warnings.begin(), r.warnings.end(), says_machine), 1);
  const std::string& w = r.warnings.front();
  EXPECT_NE(w.find("pingpong/8/memcpy +20.0%"), std::string::npos) << w;
  EXPECT_NE(w.find("; stream/16/memcpy +20.0%"), std::string::npos) << w;
}

// Two separate runs: a row's result that moved as memcpy's figure of the same measurement did
// (a 16 MiB stream) moved with the machine; beyond what memcpy's interval allows, or in A/B mode,
// or of another measurement, it is the build's.
TEST(CompareTest, AResultThatMovedAsTheMachinesOwnFigureDidIsTheMachines) {
  auto two_rows = [](double memcpy_factor, double subprocess_factor) {
    auto r = report({});
    auto& rows = r["interpbench"]["rows"];
    rows.clear();
    auto stream = [](const std::string& row, unsigned seed, double factor) {
      auto res = result("stream/16777216", 900e3 * factor, 12, 0.08, seed);  // a copy's spread
      res["benchmark_name"] = "stream/16777216/one_way/" + row;
      return res;
    };
    auto ping = result("pingpong/8", 500 * subprocess_factor, 12, 0.01, 9);
    ping["benchmark_name"] = "pingpong/8/round_trip/subprocess";
    rows.push_back({{"row", "memcpy"}, {"kind", "floor"}, {"workload", "stream"}, {"error", nullptr},
                    {"results", {stream("memcpy", 5, memcpy_factor)}}});
    rows.push_back({{"row", "subprocess"}, {"kind", "backend"}, {"workload", "stream"},
                    {"error", nullptr},
                    {"results", {stream("subprocess", 6, subprocess_factor), ping}}});
    return r;
  };
  const auto base = two_rows(1.0, 1.0);
  auto verdict_of = [](const CompareResult& r, const std::string& name) {
    for (const auto& c : r.results)
      if (c.name == name) return c.verdict;
    ADD_FAILURE() << name << " not compared";
    return Verdict::kUnchanged;
  };
  {
    const auto r = compare_reports(base, two_rows(1.29, 1.25), 0.05, 0.05, false);
    EXPECT_EQ(verdict_of(r, "stream/16777216/one_way/memcpy"), Verdict::kMachine);
    EXPECT_EQ(verdict_of(r, "stream/16777216/one_way/subprocess"), Verdict::kMachine);
    // The ping-pong moved as much, but memcpy measured no ping-pong: the build's.
    EXPECT_EQ(verdict_of(r, "pingpong/8/round_trip/subprocess"), Verdict::kRegression);
    const auto w = std::find_if(r.warnings.begin(), r.warnings.end(), [](const std::string& t) {
      return t.find("moved as the machine's own figure") != std::string::npos;
    });
    ASSERT_NE(w, r.warnings.end());
    EXPECT_NE(w->find("stream/16777216/one_way/subprocess +25.0%"), std::string::npos) << *w;
    EXPECT_NE(w->find("(beside stream/16777216/one_way/memcpy +29.0%"), std::string::npos) << *w;
  }
  // Twice memcpy's change is beyond what its interval allows: the build's.
  EXPECT_EQ(verdict_of(compare_reports(base, two_rows(1.29, 1.60), 0.05, 0.05, false),
                       "stream/16777216/one_way/subprocess"),
            Verdict::kRegression);
  // A/B: both builds in each round share the machine's state.
  EXPECT_EQ(verdict_of(compare_reports(base, two_rows(1.29, 1.25), 0.05, 0.05, true),
                       "stream/16777216/one_way/subprocess"),
            Verdict::kRegression);
}

// Each run's speed probes (environment.python_speed): means more than 5% apart are a warning
// that names the slower machine; alike, or absent in one run, nothing.
TEST(CompareTest, RunsWhoseSpeedProbesDifferAreSaidToHaveRunOnDifferentMachines) {
  auto probed = [](double ms) {
    auto r = report({result("pingpong/8", 500, 12, 0.01, 3)});
    r["interpbench"]["environment"]["python_speed"] = {
        {"cpus", {0, 1}},
        {"probes", {{{"at_s", 0.0}, {"ms", {ms, ms}}}, {{"at_s", 2.0}, {"ms", {ms, ms}}}}}};
    return r;
  };
  const auto says_speed = [](const CompareResult& r) {
    return std::count_if(r.warnings.begin(), r.warnings.end(), [](const std::string& w) {
      return w.find("Python's speed differed between the runs") != std::string::npos;
    });
  };
  const auto slower = compare_reports(probed(2.0), probed(2.4), 0.05, 0.05, false);
  ASSERT_EQ(says_speed(slower), 1);
  const auto w = *std::find_if(slower.warnings.begin(), slower.warnings.end(), [](const std::string& t) {
    return t.find("Python's speed differed") != std::string::npos;
  });
  EXPECT_NE(w.find("averaged 2 ms in the base and 2.4 ms in the candidate (+20.0%"), std::string::npos) << w;
  EXPECT_NE(w.find("the candidate ran on a slower machine"), std::string::npos) << w;
  EXPECT_EQ(says_speed(compare_reports(probed(2.4), probed(2.0), 0.05, 0.05, false)), 1);
  EXPECT_EQ(says_speed(compare_reports(probed(2.0), probed(2.06), 0.05, 0.05, false)), 0);
  EXPECT_EQ(says_speed(compare_reports(report({result("pingpong/8", 500, 12, 0.01, 3)}),
                                       probed(2.4), 0.05, 0.05, false)), 0);
}

// Python on two CPUs at once against alone (environment.python_speed.together): medians more
// than 5% apart are a warning naming both; alike, too few probes, or absent, nothing.
TEST(CompareTest, RunsWhoseCpusSharedTheHostDifferentlyAreSaidSo) {
  auto probed = [](double slowdown, int probes) {
    auto r = report({result("scaling/2", 500, 12, 0.01, 3)});
    r["interpbench"]["environment"]["python_speed"] = {
        {"cpus", {0, 1}}, {"together", {{"probes", probes}, {"median_slowdown", slowdown}}}};
    return r;
  };
  const auto says = [](const CompareResult& r) {
    return std::count_if(r.warnings.begin(), r.warnings.end(), [](const std::string& w) {
      return w.find("the CPUs shared the host differently") != std::string::npos;
    });
  };
  const auto r = compare_reports(probed(1.05, 20), probed(1.5, 20), 0.05, 0.05, false);
  ASSERT_EQ(says(r), 1);
  const auto w = *std::find_if(r.warnings.begin(), r.warnings.end(), [](const std::string& t) {
    return t.find("the CPUs shared the host differently") != std::string::npos;
  });
  EXPECT_NE(w.find("took 1.05x its time alone in the base and 1.50x in the candidate"), std::string::npos) << w;
  EXPECT_EQ(says(compare_reports(probed(1.5, 20), probed(1.05, 20), 0.05, 0.05, false)), 1);
  EXPECT_EQ(says(compare_reports(probed(1.30, 20), probed(1.32, 20), 0.05, 0.05, false)), 0);
  EXPECT_EQ(says(compare_reports(probed(1.05, 2), probed(1.5, 20), 0.05, 0.05, false)), 0);
  EXPECT_EQ(says(compare_reports(report({result("scaling/2", 500, 12, 0.01, 3)}), probed(1.5, 20),
                                 0.05, 0.05, false)), 0);
}

TEST(CompareTest, ARunWideShiftGatesInABModeAndIsOnlySaidForTwoSeparateRuns) {
  // Too few rounds to test one result, but 12 results all 1.5x slower shift the whole run.
  std::vector<nlohmann::json> results;
  for (int i = 0; i < 12; ++i)
    results.push_back(result("pingpong/" + std::to_string(8 << i), 2000.0 * (i + 1), 2, 0.02, i));
  const auto base = report(results);
  const auto r = compare_reports(base, scaled(base, 1.5), 0.05, 0.05);
  for (const auto& c : r.results) EXPECT_EQ(c.verdict, Verdict::kTooFewRepetitions);
  EXPECT_NEAR(r.overall_worse_ratio, 1.5, 1e-9);
  EXPECT_EQ(r.overall_worse, 12u);
  // Two separate runs: the machine may have moved between them; said, not gated.
  EXPECT_EQ(r.overall_verdict, Verdict::kRunShift);
  EXPECT_FALSE(r.has_regression());
  EXPECT_TRUE(std::any_of(r.warnings.begin(), r.warnings.end(), [](const std::string& w) {
    return w.find("the whole candidate run is +50.0%") != std::string::npos &&
           w.find("compare --run") != std::string::npos;
  })) << ::testing::PrintToString(r.warnings);
  // Measured in the same rounds (A/B), the same shift is a regression.
  const auto ab = compare_reports(base, scaled(base, 1.5), 0.05, 0.05, /*paired=*/true);
  EXPECT_EQ(ab.overall_verdict, Verdict::kRegression);
  EXPECT_TRUE(ab.has_regression());

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
  EXPECT_FALSE(r.compared_nothing());
  EXPECT_FALSE(r.fails());
}

// A candidate whose rows all crashed has no result: a gate that compared nothing must not pass
// (a CI job ignoring the run step's exit code would otherwise go green).
TEST(CompareTest, NothingInBothRunsFailsTheGate) {
  TempDir dir;
  const auto base_json = report({result("a", 100, 10, 0.01, 1)});
  const auto base = dir.write("base.json", base_json.dump());
  const auto empty = dir.write("empty.json", report({}).dump());
  const auto other = dir.write("other.json", report({result("b", 100, 10, 0.01, 2)}).dump());
  for (const auto& [b, c] : {std::pair{base, empty}, std::pair{base, other}, std::pair{empty, empty}}) {
    std::ostringstream out;
    EXPECT_EQ(run_compare({b, c}, out), 1) << b << " " << c;
    EXPECT_NE(out.str().find("NOTHING COMPARED"), std::string::npos) << out.str();
    EXPECT_NE(out.str().find("nothing was compared, so the gate fails"), std::string::npos) << out.str();
  }
  CompareOptions json_opts{base, empty};
  json_opts.format = "json";
  std::ostringstream json_out;
  EXPECT_EQ(run_compare(json_opts, json_out), 1);
  EXPECT_EQ(nlohmann::json::parse(json_out.str())["compared_nothing"], true);
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
  EXPECT_NE(table.str().find("change [95% interval]"), std::string::npos) << table.str();
  EXPECT_NE(table.str().find("q-value"), std::string::npos) << table.str();
  EXPECT_NE(table.str().find("OVERALL (median)"), std::string::npos);
  EXPECT_NE(table.str().find("two separate runs"), std::string::npos) << table.str();

  CompareOptions json_opts{base, slow};
  json_opts.format = "json";
  std::ostringstream json_out;
  EXPECT_EQ(run_compare(json_opts, json_out), 1);
  const auto parsed = nlohmann::json::parse(json_out.str());
  EXPECT_EQ(parsed["schema"], "interpbench-compare/2");
  EXPECT_EQ(parsed["mode"], "two-runs");
  EXPECT_EQ(parsed["regression"], true);
  const auto& c = parsed["results"][0];
  EXPECT_EQ(c["verdict"], "REGRESSION");
  // Every candidate round is 1.5 times a base round: the pairwise log differences are
  // log 1.5 + (log b_j - log b_i), symmetric about log 1.5, so the Hodges-Lehmann change is 0.5.
  EXPECT_NEAR(c["change"].get<double>(), 0.5, 1e-9);
  EXPECT_GT(c["change_low"].get<double>(), 0.05);  // the whole interval beyond the threshold
  EXPECT_LT(c["change_low"].get<double>(), 0.5);
  EXPECT_GT(c["change_high"].get<double>(), 0.5);
  EXPECT_EQ(c["base_rounds"], 10);
  EXPECT_EQ(c["candidate_rounds"], 10);
  // One result tested: Benjamini-Hochberg leaves its p-value as it is. All ten candidate rounds
  // above all ten base rounds: the exact Mann-Whitney p is 2 / C(20, 10).
  EXPECT_DOUBLE_EQ(c["p_value"].get<double>(), 2.0 / 184756);
  EXPECT_DOUBLE_EQ(c["q_value"].get<double>(), c["p_value"].get<double>());
  EXPECT_DOUBLE_EQ(parsed["overall"]["median_change"].get<double>(), c["change"].get<double>());

  CompareOptions md_opts{base, slow};
  md_opts.format = "md";
  std::ostringstream md;
  EXPECT_EQ(run_compare(md_opts, md), 1);
  EXPECT_NE(md.str().find("| benchmark | base | candidate | change [95% interval] | q-value | verdict |"),
            std::string::npos) << md.str();
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
