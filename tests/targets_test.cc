#include "reports/targets.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "reports/json_report.h"
#include "tests/report_fixture.h"

namespace interpbench {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

// fixture::kSixRounds has round values 100, 110, 90, 105, 95, 100 (median 100); scaled(.., k)
// has k times each, so that the ratio of two such rows is k'/k in every one of the six rounds.
json pingpong8(double k) {
  return json::array({fixture::time_result("pingpong/8", "round_trip",
                                           fixture::scaled(fixture::kSixRounds, k),
                                           {{"size_bytes", 8}}, 8)});
}

json pingpong8_rounds(const std::vector<double>& values) {
  return json::array({fixture::time_result("pingpong/8", "round_trip", fixture::per_round(values),
                                           {{"size_bytes", 8}}, 8)});
}

Run base_run() {
  Run run;
  run.environment = {{"num_cpus", 2}};
  return run;
}

// Every target with this description, which must be unique.
json target(const json& targets, const std::string& what) {
  json found;
  int n = 0;
  for (const auto& t : targets["targets"])
    if (t["what"] == what) {
      found = t;
      ++n;
    }
  EXPECT_EQ(n, 1) << what;
  return found;
}

Run measured_run() {
  interpbench::Run run = base_run();
  const auto& b = fixture::kSixRounds;
  run.children.push_back(fixture::child("subinterp", "backend", "pingpong", pingpong8(1)));
  run.children.push_back(fixture::child("subprocess", "backend", "pingpong", pingpong8(1.2), "process"));
  run.children.push_back(fixture::child("py-interpreters-poll", "reference", "pingpong", pingpong8(20)));
  // subinterp / py-threading per round: 1/3, 1/3, 1/3, 0.3, 1/3, 0.4.
  run.children.push_back(fixture::child("py-threading", "reference", "pingpong",
                                        pingpong8_rounds({300, 330, 270, 350, 285, 250}), "shared"));
  run.children.push_back(fixture::child("py-multiprocessing-fork", "reference", "pingpong", pingpong8(100)));
  run.children.push_back(fixture::child("py-multiprocessing-spawn", "reference", "pingpong", pingpong8(50)));
  run.children.push_back(fixture::child("floor", "floor", "pingpong", pingpong8(0.5)));
  run.children.push_back(fixture::child(
      "subinterp", "backend", "stream",
      {fixture::time_result("stream/16777216", "one_way", fixture::scaled(b, 10), {}, 16777216)}));
  // memcpy's time over subinterp's (1000, 1100, 900, 1050, 950, 1000) per round: 0.4, 0.42, 0.38,
  // 0.4, 0.4, 0.41.
  run.children.push_back(fixture::child(
      "memcpy", "floor", "stream",
      {fixture::time_result("stream/16777216", "one_way",
                            fixture::per_round({400, 462, 342, 420, 380, 410}), {}, 16777216)}));
  run.children.push_back(fixture::child(
      "subinterp", "backend", "scaling",
      {fixture::time_result("scaling/1", "wall", fixture::scaled(b, 10), {{"workers", 1}}),
       fixture::time_result("scaling/2", "wall", fixture::scaled(b, 10.5), {{"workers", 2}}),
       fixture::time_result("scaling/3", "wall", fixture::scaled(b, 16), {{"workers", 3}})}));
  return run;
}

TEST(TargetsTest, RatiosArePairedMediansOfTheRowsTheyName) {
  const json t = make_json_report(measured_run())["interpbench"]["targets"];
  EXPECT_EQ(t["statistic"], "median of per-round ratios");
  const json p1 = target(t, "subinterp / py-interpreters-poll, 8 B round trip");
  EXPECT_DOUBLE_EQ(p1["ratio"].get<double>(), 100.0 / 2000.0);  // in every round
  EXPECT_EQ(p1["numerator"]["row"], "subinterp");
  EXPECT_EQ(p1["denominator"]["row"], "py-interpreters-poll");
  EXPECT_DOUBLE_EQ(p1["numerator"]["p50"].get<double>(), 100);  // the median over rounds
  EXPECT_EQ(p1["numerator"]["rounds"], 6);
  EXPECT_TRUE(p1["met"].get<bool>());
  EXPECT_FALSE(p1["undecided"].get<bool>());
  EXPECT_DOUBLE_EQ(p1["missed_by"].get<double>(), 1.0);

  // Sorted per-round ratios 0.3, 1/3, 1/3, 1/3, 1/3, 0.4: median 1/3, [min, max] = [0.3, 0.4]
  // (six rounds: coverage 1 - 2/64), against a goal of 1/5: missed by a factor of 5/3.
  const json threads = target(t, "subinterp / py-threading, 8 B round trip");
  EXPECT_DOUBLE_EQ(threads["ratio"].get<double>(), 1.0 / 3.0);
  const json& in = threads["interval"];
  EXPECT_DOUBLE_EQ(in["ratio"].get<double>(), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(in["low"].get<double>(), 0.3);
  EXPECT_DOUBLE_EQ(in["high"].get<double>(), 0.4);
  EXPECT_EQ(in["rounds"], 6);
  EXPECT_DOUBLE_EQ(in["coverage"].get<double>(), 1 - 2.0 / 64);
  EXPECT_TRUE(in["reaches_level"].get<bool>());
  EXPECT_TRUE(in["significant"].get<bool>());
  EXPECT_EQ(threads["ratio_text"], "0.333 [0.300, 0.400]");
  EXPECT_FALSE(threads["met"].get<bool>());
  EXPECT_FALSE(threads["undecided"].get<bool>());
  EXPECT_NEAR(threads["missed_by"].get<double>(), 5.0 / 3.0, 1e-12);
  // Split halves: even rounds (0, 2, 4) 1/3, 1/3, 1/3; odd rounds (1, 3, 5) 1/3, 0.3, 0.4.
  EXPECT_DOUBLE_EQ(threads["split_half"]["even"].get<double>(), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(threads["split_half"]["odd"].get<double>(), 1.0 / 3.0);
  EXPECT_NEAR(threads["split_half"]["disagreement"].get<double>(), 0, 1e-12);

  EXPECT_DOUBLE_EQ(target(t, "subinterp / floor, 8 B round trip")["ratio"].get<double>(), 2.0);
}

// A ratio whose 95% interval holds the goal may land on the other side of it next run.
TEST(TargetsTest, AnIntervalThatHoldsTheGoalIsUndecided) {
  interpbench::Run run = base_run();
  // subinterp / py-threading per round: 0.15, 0.18, 0.19, 0.21, 0.22, 0.25; median
  // sqrt(0.19 * 0.21) = 0.19975 <= 1/5 (met), but [0.15, 0.25] holds 0.2.
  run.children.push_back(fixture::child("subinterp", "backend", "pingpong",
                                        pingpong8_rounds({150, 180, 190, 210, 220, 250})));
  run.children.push_back(fixture::child("py-threading", "reference", "pingpong",
                                        pingpong8_rounds({1000, 1000, 1000, 1000, 1000, 1000}),
                                        "shared"));
  const json t = make_json_report(run)["interpbench"]["targets"];
  const json p1 = target(t, "subinterp / py-threading, 8 B round trip");
  EXPECT_DOUBLE_EQ(p1["ratio"].get<double>(), std::sqrt(0.19 * 0.21));
  EXPECT_DOUBLE_EQ(p1["interval"]["low"].get<double>(), 0.15);
  EXPECT_DOUBLE_EQ(p1["interval"]["high"].get<double>(), 0.25);
  EXPECT_TRUE(p1["met"].get<bool>());
  EXPECT_TRUE(p1["undecided"].get<bool>());
  EXPECT_EQ(p1["verdict"], "met (undecided: the 95% interval holds the goal)");
}

// Headline ratios carry their interval and split halves; the largest split-half disagreement
// is the run's reproducibility figure, and above 10% the run warns.
TEST(TargetsTest, HeadlinesAndTheirSplitHalvesGiveTheReproducibility) {
  interpbench::Run run = base_run();
  run.children.push_back(fixture::child("subinterp", "backend", "pingpong",
                                        pingpong8_rounds({100, 100, 100, 100, 100, 100})));
  // subprocess / subinterp per round: 1.2, 1.5, 1.2, 1.5, 1.2, 1.5: even rounds 1.2, odd 1.5.
  run.children.push_back(fixture::child("subprocess", "backend", "pingpong",
                                        pingpong8_rounds({120, 150, 120, 150, 120, 150}), "process"));
  const json ib = make_json_report(run)["interpbench"];
  const json& t = ib["targets"];
  ASSERT_EQ(t["headlines"].size(), 1u);
  const json& h = t["headlines"][0];
  EXPECT_EQ(h["what"], "8 B round trip, subprocess / subinterp");
  EXPECT_DOUBLE_EQ(h["ratio"].get<double>(), std::sqrt(1.2 * 1.5));
  EXPECT_DOUBLE_EQ(h["interval"]["low"].get<double>(), 1.2);
  EXPECT_DOUBLE_EQ(h["interval"]["high"].get<double>(), 1.5);
  EXPECT_DOUBLE_EQ(h["split_half"]["even"].get<double>(), 1.2);
  EXPECT_DOUBLE_EQ(h["split_half"]["odd"].get<double>(), 1.5);
  EXPECT_DOUBLE_EQ(h["split_half"]["disagreement"].get<double>(), 1.5 / 1.2 - 1);
  // The target P2 (subprocess / subinterp) is the same ratio: two ratios compared.
  const json& rep = t["reproducibility"];
  EXPECT_EQ(rep["ratios"], 2);
  EXPECT_DOUBLE_EQ(rep["max_disagreement"].get<double>(), 1.5 / 1.2 - 1);
  bool warned = false;
  for (const auto& w : ib["warnings"])
    warned = warned || w.get<std::string>().rfind("irreproducible: the ratio '", 0) == 0;
  EXPECT_TRUE(warned) << ib["warnings"].dump();
  std::string lines;
  for (const auto& l : t["lines"]) lines += l.get<std::string>() + "\n";
  EXPECT_THAT(lines, HasSubstr("8 B round trip, subprocess / subinterp"));
  EXPECT_THAT(lines, HasSubstr("1.34 [1.20, 1.50]"));
  EXPECT_THAT(lines, HasSubstr("agree within 25.0% between the odd and the even rounds"));

  // Halves that agree: no warning.
  run.children[1].child["results"] = pingpong8_rounds({120, 150, 150, 120, 135, 135});
  const json calm = make_json_report(run)["interpbench"];
  for (const auto& w : calm["warnings"])
    EXPECT_EQ(w.get<std::string>().find("irreproducible"), std::string::npos) << w;
}

TEST(TargetsTest, MultiprocessingIsItsFastestStartMethod) {
  const json t = make_json_report(measured_run())["interpbench"]["targets"];
  const json p2 = target(t, "subprocess / py-multiprocessing, 8 B round trip");
  EXPECT_EQ(p2["denominator"]["row"], "py-multiprocessing-spawn");
  EXPECT_DOUBLE_EQ(p2["ratio"].get<double>(), 120.0 / 5000.0);
  EXPECT_NEAR(target(t, "subprocess / subinterp, 8 B round trip")["ratio"].get<double>(), 1.2, 1e-12);
}

TEST(TargetsTest, ThroughputAgainstMemcpyIsTheInverseRatioOfTimes) {
  const json t = make_json_report(measured_run())["interpbench"]["targets"];
  const json p3 = target(t, "subinterp / memcpy, 16 MiB stream throughput");
  // memcpy's time over ours per round, sorted: 0.38, 0.4, 0.4, 0.4, 0.41, 0.42: median 0.4 (40%
  // of memcpy's throughput), [0.38, 0.42].
  EXPECT_DOUBLE_EQ(p3["ratio"].get<double>(), 0.4);
  EXPECT_TRUE(p3["inverted"].get<bool>());
  EXPECT_DOUBLE_EQ(p3["interval"]["low"].get<double>(), 0.38);
  EXPECT_DOUBLE_EQ(p3["interval"]["high"].get<double>(), 0.42);
  EXPECT_FALSE(p3["met"].get<bool>());
  EXPECT_FALSE(p3["undecided"].get<bool>());
  EXPECT_EQ(p3["id"], "P3'");
  EXPECT_DOUBLE_EQ(p3["missed_by"].get<double>(), 0.85 / 0.4);
  // Shown as throughputs, ours first, since both sides move bytes.
  std::string line;
  for (const auto& l : t["lines"])  // the target's line (the reproducibility line may name it too)
    if (line.empty() && l.get<std::string>().find("subinterp / memcpy") != std::string::npos) line = l;
  EXPECT_THAT(line, HasSubstr("B/s / "));
  EXPECT_THAT(line, HasSubstr("= 0.400 [0.380, 0.420] "));
  // The JSON keeps the figures and the verdict as printed, for the report tables.
  EXPECT_THAT(p3["figures"].get<std::string>(), HasSubstr("B/s / "));
  EXPECT_THAT(line, HasSubstr(p3["figures"].get<std::string>()));
  EXPECT_EQ(p3["verdict"], "MISSED by 2.12x");
}

// P6: at every round-trip size of the run (the floor's "pingpong/8/shm" is not a size), each of
// the three rows against its standard-library counterpart, goal <= 1.
TEST(TargetsTest, NeverSlowerThanTheStandardLibraryAtEveryRoundTripSize) {
  interpbench::Run run = base_run();
  auto sizes = [](double k8, double k1m) {
    return json::array(
        {fixture::time_result("pingpong/8", "round_trip", fixture::scaled(fixture::kSixRounds, k8),
                              {{"size_bytes", 8}}, 8),
         fixture::time_result("pingpong/1048576", "round_trip",
                              fixture::scaled(fixture::kSixRounds, k1m), {{"size_bytes", 1048576}},
                              1048576)});
  };
  run.children.push_back(fixture::child("subinterp", "backend", "pingpong", sizes(1, 100)));
  run.children.push_back(fixture::child("py-interpreters-poll", "reference", "pingpong", sizes(5, 80)));
  run.children.push_back(fixture::child("thread", "backend", "pingpong", sizes(2, 3)));
  run.children.push_back(fixture::child("py-threading", "reference", "pingpong", sizes(50, 60)));
  run.children.push_back(fixture::child("floor", "floor", "pingpong",
                                        json::array({fixture::time_result(
                                            "pingpong/8/shm", "round_trip",
                                            fixture::scaled(fixture::kSixRounds, 0.5),
                                            {{"size_bytes", 8}}, 8)})));
  const json t = make_json_report(run)["interpbench"]["targets"];
  std::vector<std::string> p6;
  for (const auto& x : t["targets"])
    if (x["id"] == "P6") p6.push_back(x["what"]);
  EXPECT_THAT(p6, ::testing::ElementsAre("round trip at 8 B: subinterp / py-interpreters-poll",
                                         "round trip at 8 B: subprocess / py-multiprocessing",
                                         "round trip at 8 B: thread / py-threading",
                                         "round trip at 1 MiB: subinterp / py-interpreters-poll",
                                         "round trip at 1 MiB: subprocess / py-multiprocessing",
                                         "round trip at 1 MiB: thread / py-threading"));
  const json big = target(t, "round trip at 1 MiB: subinterp / py-interpreters-poll");
  EXPECT_DOUBLE_EQ(big["ratio"].get<double>(), 100.0 / 80.0);
  EXPECT_FALSE(big["met"].get<bool>());
  EXPECT_TRUE(target(t, "round trip at 8 B: thread / py-threading")["met"].get<bool>());
  EXPECT_TRUE(target(t, "round trip at 1 MiB: subprocess / py-multiprocessing")["met"].is_null());
}

// The ring against the line: their batched figures (64 round trips timed together), not the
// per-round-trip ones whose clock reads narrow the ratio; a row with Python against the line:
// both timed one round trip at a time.
TEST(TargetsTest, TheRingIsHeldToTheLineBatchedAndPythonRowsPerRoundTrip) {
  interpbench::Run run = measured_run();
  const auto& b = fixture::kSixRounds;
  auto both = [&](const std::string& name, double per_op, double batched) {
    return json::array({fixture::time_result(name, "round_trip", fixture::scaled(b, per_op), {{"size_bytes", 8}}, 8),
                        fixture::time_result(name + "/batched", "round_trip_batched", fixture::scaled(b, batched),
                                             {{"size_bytes", 8}}, 8)});
  };
  run.children.push_back(fixture::child("floor-line", "floor", "pingpong", both("pingpong/8", 0.25, 0.1)));
  run.children.push_back(fixture::child("floor-line", "floor", "pingpong", both("pingpong/8/process", 0.3, 0.2)));
  run.children.push_back(fixture::child("floor", "floor", "pingpong", both("pingpong/8/shm", 0.6, 0.45)));
  // measured_run's floor has no batched figure: its P1' is not measured, not read per round trip.
  const json t = make_json_report(run)["interpbench"]["targets"];
  const json thread = target(t, "floor (ring, thread) / floor-line (thread), 8 B");
  EXPECT_TRUE(thread["met"].is_null());
  EXPECT_THAT(thread["missing"].get<std::string>(), HasSubstr("floor"));
  const json process = target(t, "floor (ring, process) / floor-line (process), 8 B");
  EXPECT_DOUBLE_EQ(process["ratio"].get<double>(), 0.45 / 0.2);  // batched; per round trip: 2
  EXPECT_EQ(process["measure"], "8 B round trip, 64 timed together, p50");
  EXPECT_FALSE(process["met"].get<bool>());
  EXPECT_DOUBLE_EQ(target(t, "subinterp / floor-line (thread), 8 B round trip")["ratio"].get<double>(),
                   1 / 0.25);  // per round trip; batched the line would give 10
  EXPECT_DOUBLE_EQ(target(t, "subprocess / floor-line (process), 8 B round trip")["ratio"].get<double>(),
                   1.2 / 0.3);
}

TEST(TargetsTest, ScalingEfficiencyIsAtTheCoreCount) {
  const json t = make_json_report(measured_run())["interpbench"]["targets"];
  const json p5 = target(t, "subinterp scaling efficiency at N = 2 (cores)");
  EXPECT_DOUBLE_EQ(p5["ratio"].get<double>(), 1000.0 / 1050.0);
  EXPECT_TRUE(p5["met"].get<bool>());
}

TEST(TargetsTest, AMissingRowIsNamedNotGuessed) {
  const json t = make_json_report(measured_run())["interpbench"]["targets"];
  const json p4 = target(t, "subinterp / bare-interp, startup");
  EXPECT_TRUE(p4["met"].is_null());
  EXPECT_THAT(p4["missing"].get<std::string>(), HasSubstr("subinterp"));
  const json zygote = target(t, "subprocess-zygote / subprocess (exec), startup");
  EXPECT_THAT(zygote["missing"].get<std::string>(), HasSubstr("subprocess-zygote"));
  std::string lines;
  for (const auto& l : t["lines"]) lines += l.get<std::string>() + "\n";
  EXPECT_THAT(lines, HasSubstr("not measured"));
  EXPECT_THAT(lines, HasSubstr("MISSED by 1.67x"));
}

TEST(TargetsTest, ARunWithoutAnyOfTheirRowsPrintsNothing) {
  interpbench::Run run = base_run();
  run.children.push_back(fixture::child(
      "subinterp", "backend", "objects",
      {fixture::time_result("objects/ints/16/pickle5/encode", "encode", fixture::kBase)}));
  const json t = make_json_report(run)["interpbench"]["targets"];
  EXPECT_TRUE(t["lines"].empty());
  for (const auto& x : t["targets"]) EXPECT_TRUE(x["met"].is_null());
}

}  // namespace
}  // namespace interpbench
