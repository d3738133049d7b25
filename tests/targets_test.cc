#include "reports/targets.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "reports/json_report.h"
#include "tests/report_fixture.h"

namespace interpbench {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

// fixture::kBase has p50 100; scaled(kBase, k) has p50 100 k.
json pingpong8(double k) {
  return json::array({fixture::time_result("pingpong/8", "round_trip", fixture::scaled(fixture::kBase, k),
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
  const auto& b = fixture::kBase;
  run.children.push_back(fixture::child("subinterp", "backend", "pingpong", pingpong8(1)));
  run.children.push_back(fixture::child("subprocess", "backend", "pingpong", pingpong8(1.2), "process"));
  run.children.push_back(fixture::child("py-interpreters", "reference", "pingpong", pingpong8(20)));
  run.children.push_back(fixture::child("py-threading", "reference", "pingpong", pingpong8(3), "shared"));
  run.children.push_back(fixture::child("py-multiprocessing-fork", "reference", "pingpong", pingpong8(100)));
  run.children.push_back(fixture::child("py-multiprocessing-spawn", "reference", "pingpong", pingpong8(50)));
  run.children.push_back(fixture::child("floor", "floor", "pingpong", pingpong8(0.5)));
  run.children.push_back(fixture::child(
      "subinterp", "backend", "stream",
      {fixture::time_result("stream/16777216", "one_way", fixture::scaled(b, 10), {}, 16777216)}));
  run.children.push_back(fixture::child(
      "memcpy", "floor", "stream",
      {fixture::time_result("stream/16777216", "one_way", fixture::scaled(b, 4), {}, 16777216)}));
  run.children.push_back(fixture::child(
      "subinterp", "backend", "scaling",
      {fixture::time_result("scaling/1", "wall", fixture::scaled(b, 10), {{"workers", 1}}),
       fixture::time_result("scaling/2", "wall", fixture::scaled(b, 10.5), {{"workers", 2}}),
       fixture::time_result("scaling/3", "wall", fixture::scaled(b, 16), {{"workers", 3}})}));
  return run;
}

TEST(TargetsTest, RatiosArePfiftiesOfTheRowsTheyName) {
  const json t = make_json_report(measured_run())["interpbench"]["targets"];
  EXPECT_EQ(t["statistic"], "p50");
  const json p1 = target(t, "subinterp / py-interpreters, 8 B round trip");
  EXPECT_DOUBLE_EQ(p1["ratio"].get<double>(), 100.0 / 2000.0);
  EXPECT_EQ(p1["numerator"]["row"], "subinterp");
  EXPECT_EQ(p1["denominator"]["row"], "py-interpreters");
  EXPECT_TRUE(p1["met"].get<bool>());
  EXPECT_DOUBLE_EQ(p1["missed_by"].get<double>(), 1.0);

  // 1/3 against a goal of 1/5: missed by a factor of 5/3.
  const json threads = target(t, "subinterp / py-threading, 8 B round trip");
  EXPECT_FALSE(threads["met"].get<bool>());
  EXPECT_NEAR(threads["missed_by"].get<double>(), 5.0 / 3.0, 1e-12);

  EXPECT_DOUBLE_EQ(target(t, "subinterp / floor, 8 B round trip")["ratio"].get<double>(), 2.0);
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
  EXPECT_DOUBLE_EQ(p3["ratio"].get<double>(), 400.0 / 1000.0);  // 40% of memcpy's throughput
  EXPECT_FALSE(p3["met"].get<bool>());
  EXPECT_DOUBLE_EQ(p3["missed_by"].get<double>(), 0.5 / 0.4);
  // Shown as throughputs, ours first, since both sides move bytes.
  std::string line;
  for (const auto& l : t["lines"])
    if (l.get<std::string>().find("subinterp / memcpy") != std::string::npos) line = l;
  EXPECT_THAT(line, HasSubstr("B/s / "));
  EXPECT_THAT(line, HasSubstr("= 0.4 "));
  // The JSON keeps the figures and the verdict as printed, for the report tables.
  EXPECT_THAT(p3["figures"].get<std::string>(), HasSubstr("B/s / "));
  EXPECT_THAT(line, HasSubstr(p3["figures"].get<std::string>()));
  EXPECT_EQ(p3["verdict"], "MISSED by 1.25x");
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
