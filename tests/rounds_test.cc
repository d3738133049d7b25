// Rounds: the execution order of a run (round_schedule), how the rounds of one row become one
// result (merge_rounds), what the report makes of them (json_report's "rounds") and what compare
// decides from them, on synthetic reports built through make_json_report.
#include "runners/rounds.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "reports/compare.h"
#include "reports/json_report.h"
#include "core/round_statistics.h"
#include "tests/report_fixture.h"

namespace interpbench {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

// ---------------------------------------------------------------------------------------------
// round_schedule

PlannedChild planned(const std::string& row, const std::string& workload, int rounds) {
  PlannedChild c;
  c.row.name = row;
  c.workload.name = workload;
  c.rounds = rounds;
  return c;
}

// pingpong on four rows in 6 rounds, extcompat (outcomes) on two rows in one round, stream on
// three rows in 4 rounds.
Plan three_workloads(std::uint64_t seed) {
  Plan plan;
  plan.seed = seed;
  for (const char* row : {"subinterp", "subprocess", "thread", "py-threading"})
    plan.children.push_back(planned(row, "pingpong", 6));
  for (const char* row : {"subinterp", "subprocess"}) plan.children.push_back(planned(row, "extcompat", 1));
  for (const char* row : {"subinterp", "subprocess", "memcpy"})
    plan.children.push_back(planned(row, "stream", 4));
  return plan;
}

// The children of one round of one workload, in execution order (side 0 only).
std::vector<std::size_t> order_of(const std::vector<ScheduledChild>& schedule, const Plan& plan,
                                  const std::string& workload, int round) {
  std::vector<std::size_t> out;
  for (const auto& s : schedule)
    if (plan.children[s.child].workload.name == workload && s.round == round && s.side == 0)
      out.push_back(s.child);
  return out;
}

TEST(RoundScheduleTest, EveryChildRunsOnceInEachOfItsRoundsOnEachSide) {
  for (int sides : {1, 2}) {
    const Plan plan = three_workloads(42);
    const auto schedule = round_schedule(plan, sides);
    std::map<std::tuple<std::size_t, int, int>, int> count;
    for (const auto& s : schedule) ++count[{s.child, s.round, s.side}];
    std::size_t expected = 0;
    for (std::size_t c = 0; c < plan.children.size(); ++c)
      for (int round = 0; round < plan.children[c].rounds; ++round)
        for (int side = 0; side < sides; ++side) {
          EXPECT_EQ((count[{c, round, side}]), 1) << "child " << c << " round " << round << " side " << side;
          ++expected;
        }
    EXPECT_EQ(schedule.size(), expected) << sides << " side(s)";
  }
}

TEST(RoundScheduleTest, RoundsAreContiguousPerWorkloadAndEachRowRunsOncePerRound) {
  const Plan plan = three_workloads(7);
  const auto schedule = round_schedule(plan, 1);
  // Workloads in plan order, each one block; inside a block the rounds never go back.
  std::vector<std::string> blocks;
  int last_round = -1;
  for (const auto& s : schedule) {
    const std::string& w = plan.children[s.child].workload.name;
    if (blocks.empty() || blocks.back() != w) {
      blocks.push_back(w);
      last_round = -1;
    }
    EXPECT_GE(s.round, last_round) << w;
    last_round = s.round;
  }
  EXPECT_EQ(blocks, std::vector<std::string>({"pingpong", "extcompat", "stream"}));
  // Within a round, each row of the workload exactly once.
  struct Block {
    std::string workload;
    std::vector<std::size_t> rows;
    int rounds;
  };
  const std::vector<Block> expected = {
      {"pingpong", {0, 1, 2, 3}, 6}, {"extcompat", {4, 5}, 1}, {"stream", {6, 7, 8}, 4}};
  for (const Block& b : expected)
    for (int round = 0; round < b.rounds; ++round) {
      auto order = order_of(schedule, plan, b.workload, round);
      std::sort(order.begin(), order.end());
      EXPECT_EQ(order, b.rows) << b.workload << " round " << round;
    }
}

TEST(RoundScheduleTest, TheRowOrderIsShuffledPerRoundAndFixedBySeed) {
  // The same seed: the same schedule.
  const auto a = round_schedule(three_workloads(123), 2);
  const auto b = round_schedule(three_workloads(123), 2);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].child, b[i].child) << i;
    EXPECT_EQ(a[i].round, b[i].round) << i;
    EXPECT_EQ(a[i].side, b[i].side) << i;
  }
  // Some seed gives two rounds of pingpong different orders, and two seeds differ somewhere.
  bool rounds_differ = false, seeds_differ = false;
  const auto first = round_schedule(three_workloads(0), 1);
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const Plan plan = three_workloads(seed);
    const auto s = round_schedule(plan, 1);
    for (int round = 1; round < 6; ++round)
      rounds_differ = rounds_differ ||
                      order_of(s, plan, "pingpong", round) != order_of(s, plan, "pingpong", 0);
    for (std::size_t i = 0; i < s.size(); ++i) seeds_differ = seeds_differ || s[i].child != first[i].child;
  }
  EXPECT_TRUE(rounds_differ);
  EXPECT_TRUE(seeds_differ);
}

TEST(RoundScheduleTest, AChildOfOneRoundRunsInRoundZeroOnly) {
  Plan plan = three_workloads(5);
  // A workload whose rows differ: one row takes part in the first round only.
  plan.children.push_back(planned("subinterp", "mixed", 3));
  plan.children.push_back(planned("subprocess", "mixed", 1));
  const auto schedule = round_schedule(plan, 1);
  for (const auto& s : schedule) {
    if (plan.children[s.child].rounds == 1) {
      EXPECT_EQ(s.round, 0) << "child " << s.child;
    }
  }
  EXPECT_EQ(std::count_if(schedule.begin(), schedule.end(),
                          [](const ScheduledChild& s) { return s.child == 10; }),
            1);
  EXPECT_EQ(std::count_if(schedule.begin(), schedule.end(),
                          [](const ScheduledChild& s) { return s.child == 9; }),
            3);
}

TEST(RoundScheduleTest, WithTwoSidesBothSidesOfARowRunBackToBack) {
  bool base_first = false, candidate_first = false;
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    const auto schedule = round_schedule(three_workloads(seed), 2);
    ASSERT_EQ(schedule.size() % 2, 0u);
    for (std::size_t i = 0; i < schedule.size(); i += 2) {
      EXPECT_EQ(schedule[i].child, schedule[i + 1].child) << "seed " << seed << " slot " << i;
      EXPECT_EQ(schedule[i].round, schedule[i + 1].round) << "seed " << seed << " slot " << i;
      EXPECT_EQ(schedule[i].side + schedule[i + 1].side, 1) << "seed " << seed << " slot " << i;
      (schedule[i].side == 0 ? base_first : candidate_first) = true;
    }
  }
  // Neither build always runs first.
  EXPECT_TRUE(base_first);
  EXPECT_TRUE(candidate_first);
}

// ---------------------------------------------------------------------------------------------
// merge_rounds

ChildRun round_run(json results, json notes, json worker_errors, std::string error, double wall_s) {
  ChildRun c = fixture::child("subinterp", "backend", "pingpong", std::move(results));
  c.child["notes"] = std::move(notes);
  c.child["worker_errors"] = std::move(worker_errors);
  c.error = std::move(error);
  c.wall_s = wall_s;
  return c;
}

json with_cpus(json result, json cpus) {
  result["cpus"] = std::move(cpus);
  return result;
}

TEST(MergeRoundsTest, RepetitionsAreConcatenatedWithTheirRounds) {
  using fixture::time_result;
  std::vector<ChildRun> rounds;
  rounds.push_back(round_run({with_cpus(time_result("pingpong/8", "round_trip", {{1, 2}, {3}}), {{0, 1}, {0, 0}}),
                              time_result("pingpong/1024", "round_trip", {{10}})},
                             {"warm-up skipped"}, json::array(), "", 1.5));
  rounds.push_back(round_run({with_cpus(time_result("pingpong/8", "round_trip", {{4}}), {{1, 0}}),
                              time_result("pingpong/1024", "round_trip", {{20}, {30}})},
                             {"warm-up skipped", "pinned to CPU 1"},
                             {{{"worker", 1}, {"error", "ValueError: x"}}}, "", 2.0));
  rounds.push_back(round_run({with_cpus(time_result("pingpong/8", "round_trip", {{5, 6}}), {{1, 1}}),
                              time_result("pingpong/1024", "round_trip", {{40}})},
                             {"pinned to CPU 1"}, {{{"worker", 0}, {"error", "KeyError: y"}}}, "", 0.25));
  rounds[0].spans_s = {{{1.0, 2.5}}};
  rounds[1].spans_s = {{{7.0, 9.0}}};
  rounds[2].spans_s = {{{12.0, 12.25}}};
  const ChildRun m = merge_rounds(std::move(rounds), 3);
  const json& results = m.child["results"];
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0]["name"], "pingpong/8");
  EXPECT_EQ(results[0]["repetitions"], json({{1, 2}, {3}, {4}, {5, 6}}));
  EXPECT_EQ(results[0]["rounds"], json({0, 0, 1, 2}));
  EXPECT_EQ(results[0]["cpus"], json({{0, 1}, {0, 0}, {1, 0}, {1, 1}}));  // one per repetition
  EXPECT_EQ(results[1]["repetitions"], json({{10}, {20}, {30}, {40}}));
  EXPECT_EQ(results[1]["rounds"], json({0, 1, 1, 2}));
  EXPECT_EQ(m.child["notes"], json({"warm-up skipped", "pinned to CPU 1"}));
  EXPECT_EQ(m.child["worker_errors"],
            json({{{"worker", 1}, {"error", "ValueError: x"}, {"round", 1}},
                  {{"worker", 0}, {"error", "KeyError: y"}, {"round", 2}}}));
  EXPECT_EQ(m.child["rounds_run"], 3);
  EXPECT_EQ(m.error, "");
  EXPECT_DOUBLE_EQ(m.wall_s, 3.75);
  // Each round's child's span, in round order.
  ASSERT_EQ(m.spans_s.size(), 3u);
  EXPECT_DOUBLE_EQ(m.spans_s[1][0], 7.0);
  EXPECT_DOUBLE_EQ(m.spans_s[2][1], 12.25);
  // What json_report makes of it: four repetitions in three rounds.
  interpbench::Run run;
  run.children.push_back(m);
  EXPECT_EQ(make_json_report(run)["interpbench"]["rows"][0]["exit"]["spans_s"],
            json({{1.0, 2.5}, {7.0, 9.0}, {12.0, 12.25}}));
  const json r = make_json_report(run)["interpbench"]["rows"][0]["results"][0];
  EXPECT_EQ(r["rounds"]["values"], json({2.0, 4.0, 5.5}));  // medians of {1, 2, 3}, {4}, {5, 6}
  EXPECT_EQ(r["shared_cpu"], json({{"repetitions", 2}, {"sampled", 4}}));
}

TEST(MergeRoundsTest, TheFirstErrorWinsAndSaysItsRound) {
  auto run_with = [](std::vector<std::string> errors) {
    std::vector<ChildRun> rounds;
    for (auto& e : errors)
      rounds.push_back(round_run({fixture::time_result("w/1", "wall", {{1}})}, json::array(),
                                 json::array(), e, 1));
    return merge_rounds(std::move(rounds), 6);
  };
  EXPECT_EQ(run_with({"", "timed out after 30 s", "killed by SIGSEGV"}).error,
            "timed out after 30 s (round 2 of 6)");
  EXPECT_EQ(run_with({"killed by SIGSEGV"}).error, "killed by SIGSEGV (round 1 of 6)");
  // A stop request is the run's, not the round's.
  EXPECT_EQ(run_with({"", "", "interrupted by SIGINT", "killed by SIGKILL"}).error,
            "interrupted by SIGINT");
  EXPECT_EQ(run_with({"", ""}).error, "");
}

// `--rounds 1 --repetitions 6`: six repetitions inside one child are one round, not six; the
// report must not pair them as if they were independent rounds.
TEST(MergeRoundsTest, OneRoundIsRoundZeroForEveryRepetition) {
  std::vector<ChildRun> rounds;
  rounds.push_back(round_run({fixture::time_result("w/1", "wall", fixture::kSixRounds)},
                             json::array(), json::array(), "", 1));
  const ChildRun m = merge_rounds(std::move(rounds), 1);
  EXPECT_EQ(m.child["results"][0]["rounds"], json({0, 0, 0, 0, 0, 0}));
  interpbench::Run run;
  run.children.push_back(m);
  const json ib = make_json_report(run)["interpbench"];
  EXPECT_EQ(ib["rows"][0]["results"][0]["rounds"]["n"], 1);
  bool too_few = false;
  for (const auto& w : ib["warnings"])
    too_few = too_few || w.get<std::string>().find("1 of 1 results have 1 round(s)") != std::string::npos;
  EXPECT_TRUE(too_few) << ib["warnings"].dump();
}

// ---------------------------------------------------------------------------------------------
// json_report: per-round values and the Google Benchmark entries

TEST(RoundsReportTest, RoundValuesAreTheMediansOfEachRoundsPooledSamples) {
  interpbench::Run run;
  run.options = {{"seed", 987654321}};
  json r = fixture::time_result("w/1", "wall",
                                {{1, 2, 3}, {4, 5},      // round 0: pooled median 3 (not 3.25)
                                 {10, 20}, {30, 40},     // round 1: 25
                                 {7}, {9, 100, 8}});     // round 2: 8.5
  r["rounds"] = {0, 0, 1, 1, 2, 2};
  run.children.push_back(fixture::child("subinterp", "backend", "w", json::array({r})));
  const json report = make_json_report(run);
  const json& rounds = report["interpbench"]["rows"][0]["results"][0]["rounds"];
  EXPECT_EQ(rounds["values"], json({3.0, 25.0, 8.5}));
  EXPECT_EQ(rounds["of_repetition"], json({0, 0, 1, 1, 2, 2}));
  EXPECT_EQ(rounds["n"], 3);
  EXPECT_DOUBLE_EQ(rounds["median"].get<double>(), 8.5);
  // Three rounds: the widest interval, [min, max], covers 1 - 2/8 only.
  EXPECT_DOUBLE_EQ(rounds["low"].get<double>(), 3);
  EXPECT_DOUBLE_EQ(rounds["high"].get<double>(), 25);
  EXPECT_DOUBLE_EQ(rounds["coverage"].get<double>(), 0.75);
  EXPECT_FALSE(rounds["reaches_level"].get<bool>());
  const double mean = (3 + 25 + 8.5) / 3;
  const double sd = std::sqrt((std::pow(3 - mean, 2) + std::pow(25 - mean, 2) + std::pow(8.5 - mean, 2)) / 2);
  EXPECT_NEAR(rounds["cv"].get<double>(), sd / mean, 1e-12);

  // One iteration entry per repetition, each saying its round and the run's seed.
  std::vector<json> iterations;
  for (const auto& b : report["benchmarks"])
    if (b["run_type"] == "iteration") iterations.push_back(b);
  ASSERT_EQ(iterations.size(), 6u);
  const int round_of[] = {0, 0, 1, 1, 2, 2};
  for (std::size_t i = 0; i < iterations.size(); ++i) {
    EXPECT_EQ(iterations[i]["repetition_index"], i);
    EXPECT_EQ(iterations[i]["interpbench"], json({{"round", round_of[i]}, {"seed", 987654321}}));
  }
}

TEST(RoundsReportTest, ARoundWithoutSamplesIsNull) {
  interpbench::Run run;
  json r = fixture::time_result("w/1", "wall", {{1}, {3}, {10}, {20}});
  r["rounds"] = {0, 0, 2, 2};  // the row did not run in round 1
  run.children.push_back(fixture::child("subinterp", "backend", "w", json::array({r})));
  const json rounds = make_json_report(run)["interpbench"]["rows"][0]["results"][0]["rounds"];
  EXPECT_EQ(rounds["values"], json({2.0, nullptr, 15.0}));
  EXPECT_EQ(rounds["n"], 2);
  // Without a seed in the options, the entries say null.
  const json report = make_json_report(run);
  EXPECT_TRUE(report["benchmarks"][0]["interpbench"]["seed"].is_null());
}

// ---------------------------------------------------------------------------------------------
// compare on rounds: synthetic runs through make_json_report

// Uniform in [-noise, noise], the same on every platform.
double jitter(SplitMix64& rng, double noise) { return noise * (2 * rng.unit() - 1); }

// A report of one row whose results w/0 .. w/n-1 have values[i][round], one repetition of
// three samples per round (median: the value), with "rounds" as merge_rounds writes them.
json report_of(const std::vector<std::vector<double>>& values) {
  interpbench::Run run;
  run.options = {{"seed", 1}};
  json results = json::array();
  for (std::size_t i = 0; i < values.size(); ++i) {
    json r = fixture::time_result("w/" + std::to_string(i), "wall", fixture::per_round(values[i]));
    r["rounds"] = json::array();
    for (std::size_t k = 0; k < values[i].size(); ++k) r["rounds"].push_back(k);
    results.push_back(std::move(r));
  }
  run.children.push_back(fixture::child("subinterp", "backend", "w", results));
  return make_json_report(run);
}

// Result i's true value is 1000 (i + 1) ns, times `factor`; each round's value is off by an
// independent uniform +-noise.
std::vector<std::vector<double>> noisy_values(SplitMix64& rng, std::size_t results, int rounds,
                                              double factor, double noise) {
  std::vector<std::vector<double>> out(results);
  for (std::size_t i = 0; i < results; ++i)
    for (int k = 0; k < rounds; ++k)
      out[i].push_back(1000.0 * static_cast<double>(i + 1) * factor * (1 + jitter(rng, noise)));
  return out;
}

std::size_t count_verdict(const CompareResult& r, Verdict v) {
  return static_cast<std::size_t>(std::count_if(r.results.begin(), r.results.end(),
                                                [v](const ResultComparison& c) { return c.verdict == v; }));
}

void expect_q_at_least_p(const CompareResult& r) {
  std::size_t tested = 0;
  for (const auto& c : r.results) {
    ASSERT_EQ(c.p_value.has_value(), c.q_value.has_value()) << c.name;
    if (!c.p_value) continue;
    ++tested;
    EXPECT_GE(*c.q_value, *c.p_value) << c.name;
    EXPECT_LE(*c.q_value, 1.0) << c.name;
  }
  EXPECT_EQ(tested, r.results.size());
}

TEST(RoundsCompareTest, AnAToAPairHasNoRegressionOverTwentySeeds) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    SplitMix64 rng(seed);
    const json base = report_of(noisy_values(rng, 200, 8, 1.0, 0.03));
    const json cand = report_of(noisy_values(rng, 200, 8, 1.0, 0.03));
    for (const bool paired : {false, true}) {
      const CompareResult r = compare_reports(base, cand, 0.05, 0.05, paired);
      ASSERT_EQ(r.results.size(), 200u);
      EXPECT_EQ(count_verdict(r, Verdict::kRegression), 0u) << "seed " << seed << " paired " << paired;
      EXPECT_EQ(count_verdict(r, Verdict::kImprovement), 0u) << "seed " << seed << " paired " << paired;
      EXPECT_NE(r.overall_verdict, Verdict::kRegression) << "seed " << seed << " paired " << paired;
      EXPECT_FALSE(r.has_regression()) << "seed " << seed << " paired " << paired;
      expect_q_at_least_p(r);
      // Benjamini-Hochberg raises some p-values: 200 tests, not one.
      EXPECT_TRUE(std::any_of(r.results.begin(), r.results.end(),
                              [](const ResultComparison& c) { return *c.q_value > *c.p_value; }))
          << "seed " << seed;
    }
  }
}

// A/B: a build 10% slower in every round, with the same independent +-3% per round and build, is
// a regression on at least 90% of the results with 10 rounds, whose interval is (x_(2), x_(9))
// of the per-round ratios (~97% expected). Not with 8: there the interval is still [min, max],
// one ratio in ~35 falls below 1.05, and only ~80% of the results (1 - 1/35)^8 get flagged.
TEST(RoundsCompareTest, ACandidateTenPercentSlowerIsARegressionInPairedMode) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    SplitMix64 rng(seed);
    const json base = report_of(noisy_values(rng, 200, 10, 1.0, 0.03));
    const json cand = report_of(noisy_values(rng, 200, 10, 1.1, 0.03));
    const CompareResult r = compare_reports(base, cand, 0.05, 0.05, /*paired=*/true);
    EXPECT_GE(count_verdict(r, Verdict::kRegression), 180u) << "seed " << seed;
    EXPECT_EQ(count_verdict(r, Verdict::kImprovement), 0u) << "seed " << seed;
    EXPECT_TRUE(r.has_regression());
    EXPECT_EQ(r.overall_verdict, Verdict::kRegression);
    EXPECT_NEAR(r.overall_worse_ratio, 1.1, 0.01);
    expect_q_at_least_p(r);
    for (const auto& c : r.results)
      if (c.verdict == Verdict::kRegression) {
        EXPECT_LT(*c.q_value, 0.05) << c.name;
        EXPECT_GT(c.change_low, 0.05) << c.name;  // the whole interval beyond the threshold
      }
  }
}

// The same slowdown when the round's noise is the machine's state, which both builds see in
// that round (they run back to back): pairing removes it entirely, with 8 rounds too.
TEST(RoundsCompareTest, PairingCancelsNoiseThatBothBuildsShareInARound) {
  SplitMix64 rng(99);
  const auto machine = noisy_values(rng, 200, 8, 1.0, 0.03);
  auto slower = machine;
  for (auto& result : slower)
    for (auto& v : result) v *= 1.1;
  const CompareResult r = compare_reports(report_of(machine), report_of(slower), 0.05, 0.05, true);
  EXPECT_EQ(count_verdict(r, Verdict::kRegression), 200u);
  for (const auto& c : r.results) {
    EXPECT_NEAR(c.change, 0.1, 1e-9) << c.name;
    EXPECT_NEAR(c.change_low, 0.1, 1e-9) << c.name;
  }
}

}  // namespace
}  // namespace interpbench
