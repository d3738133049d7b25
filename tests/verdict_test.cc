#include "reports/verdict.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <string>

#include "reports/json_report.h"
#include "core/round_statistics.h"
#include "tests/report_fixture.h"

namespace interpbench {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

std::map<std::string, json> results_by_name(const json& ib) {
  std::map<std::string, json> out;
  for (const auto& row : ib["rows"])
    for (const auto& r : row["results"]) out[r["benchmark_name"].get<std::string>()] = r;
  return out;
}

// A result's value in each round (docs/json-schema.md: "rounds"."values"; null: no value).
std::vector<double> round_values_of(const json& r) {
  std::vector<double> out;
  for (const auto& v : r["rounds"]["values"])
    out.push_back(v.is_number() ? v.get<double>() : std::numeric_limits<double>::quiet_NaN());
  return out;
}

std::vector<json> findings_of_kind(const json& verdict, const std::string& kind) {
  std::vector<json> out;
  for (const auto& f : verdict["findings"])
    if (f["kind"] == kind) out.push_back(f);
  return out;
}

std::string all_lines(const json& verdict) {
  std::string s;
  for (const auto& l : verdict["lines"]) s += l.get<std::string>() + "\n";
  return s;
}

// Six rounds (fixture::kSixRounds: values 100, 110, 90, 105, 95, 100), enough for a 95% interval.
interpbench::Run scenario() {
  const auto& base = fixture::kSixRounds;
  interpbench::Run run = fixture::synthetic_run(base);
  // py-threading's 8 B round trip over subinterp's, per round: 200/100, 231/110, 171/90,
  // 210/105, 190/95, 205/100 = 2, 2.1, 1.9, 2, 2, 2.05 (subprocess: 3 in every round).
  run.children[2].child["results"][0]["repetitions"] =
      fixture::per_round({200, 231, 171, 210, 190, 205});
  // objects: encode 300, transfer 100, decode 600 on subinterp (transfer share 10%).
  run.children.push_back(fixture::child(
      "subinterp", "backend", "objects",
      {fixture::time_result("objects/pickle5/list/1000", "encode", fixture::scaled(base, 3)),
       fixture::time_result("objects/pickle5/list/1000", "transfer", base),
       fixture::time_result("objects/pickle5/list/1000", "decode", fixture::scaled(base, 6))}));
  // scaling (weak): wall 1000 at 1 worker, 550 at 2 workers -> speedup 2 * 1000/550.
  run.children.push_back(fixture::child(
      "subinterp", "backend", "scaling",
      {fixture::time_result("scaling/1", "wall", fixture::scaled(base, 10), {{"workers", 1}}),
       fixture::time_result("scaling/2", "wall", fixture::scaled(base, 5.5), {{"workers", 2}}),
       fixture::time_result("scaling/4", "wall", fixture::scaled(base, 5.4), {{"workers", 4}})}));
  // startup: subinterp 2 ms, subprocess 20 ms.
  run.children.push_back(fixture::child(
      "subinterp", "backend", "startup",
      {fixture::time_result("startup/exec", "startup", fixture::scaled(base, 2e4))}));
  run.children.push_back(fixture::child(
      "subprocess", "backend", "startup",
      {fixture::time_result("startup/exec", "startup", fixture::scaled(base, 2e5))}, "process"));
  return run;
}

// Every pair finding's figures are the medians over rounds of the results it names, and its
// ratio is the median of their per-round ratios, worse over better, with that estimate's interval.
TEST(VerdictTest, EveryNumberEqualsTheResultItNames) {
  const json ib = make_json_report(scenario())["interpbench"];
  const auto results = results_by_name(ib);
  int checked = 0;
  for (const auto& f : ib["verdict"]["findings"]) {
    if (!f["numbers"].contains("a_median")) continue;
    const json& n = f["numbers"];
    const json& a = results.at(f["results"][0].get<std::string>());
    const json& b = results.at(f["results"][1].get<std::string>());
    EXPECT_DOUBLE_EQ(n["a_median"].get<double>(), a["rounds"]["median"].get<double>()) << f.dump();
    EXPECT_DOUBLE_EQ(n["b_median"].get<double>(), b["rounds"]["median"].get<double>()) << f.dump();
    const RatioEstimate ab = paired_ratio(round_values_of(a), round_values_of(b));
    const bool a_faster = ab.ratio < 1;  // every paired result here is a time
    EXPECT_DOUBLE_EQ(n["ratio"].get<double>(), a_faster ? 1 / ab.ratio : ab.ratio) << f.dump();
    EXPECT_DOUBLE_EQ(n["ratio_low"].get<double>(), a_faster ? 1 / ab.high : ab.low) << f.dump();
    EXPECT_DOUBLE_EQ(n["ratio_high"].get<double>(), a_faster ? 1 / ab.low : ab.high) << f.dump();
    EXPECT_EQ(n["rounds"], 6) << f.dump();
    EXPECT_DOUBLE_EQ(n["p_value"].get<double>(), ab.p_value) << f.dump();
    EXPECT_GE(n["ratio"].get<double>(), 1.0) << f.dump();
    ++checked;
  }
  EXPECT_GT(checked, 3);
}

TEST(VerdictTest, WinnerIsTheFastestRowByTheMedianPerRoundRatio) {
  const json v = make_json_report(scenario())["interpbench"]["verdict"];
  bool found = false;
  for (const auto& f : findings_of_kind(v, "winner")) {
    if (f["variant"] != "pingpong/8") continue;
    found = true;
    EXPECT_EQ(f["rows"], json({"subinterp", "py-threading"}));  // 100 < 202.5 < 300
    // py-threading / subinterp per round, sorted: 1.9, 2, 2, 2, 2.05, 2.1; the median is the
    // geometric mean of the middle two, 2; six rounds give [min, max] at 96.9%.
    const json& n = f["numbers"];
    EXPECT_DOUBLE_EQ(n["ratio"].get<double>(), 2.0);
    EXPECT_DOUBLE_EQ(n["ratio_low"].get<double>(), 1.9);
    EXPECT_DOUBLE_EQ(n["ratio_high"].get<double>(), 2.1);
    EXPECT_EQ(n["rounds"], 6);
    EXPECT_DOUBLE_EQ(n["p_value"].get<double>(), 2.0 / 64);  // sign test: 6 of 6 one way
    EXPECT_DOUBLE_EQ(n["a_median"].get<double>(), 100);
    EXPECT_DOUBLE_EQ(n["b_median"].get<double>(), (200 + 205) / 2.0);
    EXPECT_TRUE(f["significant"].get<bool>());
  }
  EXPECT_TRUE(found);
  EXPECT_THAT(all_lines(v), HasSubstr("8: subinterp 2.00 [1.90, 2.10] times faster than py-threading"));

  // The same ratios in five rounds: every round agrees, yet [min, max] covers only 93.75%.
  interpbench::Run five = scenario();
  for (std::size_t row : {0, 2})
    five.children[row].child["results"][0]["repetitions"].erase(5);
  const json v5 = make_json_report(five)["interpbench"]["verdict"];
  for (const auto& f : findings_of_kind(v5, "winner")) {
    if (f["variant"] == "pingpong/8") {
      EXPECT_FALSE(f["significant"].get<bool>()) << f.dump();
    }
  }
  EXPECT_THAT(all_lines(v5), HasSubstr("8: subinterp and py-threading not significantly different "
                                       "(2.00 [1.90, 2.10])"));
}

// The rows' medians over rounds and their per-round ratios can disagree on who is faster (here a
// drift across rounds and one outlier round); the winner is the row the per-round ratios favour,
// as its ratio and interval say.
TEST(VerdictTest, TheWinnerIsTheRowThePerRoundRatiosFavour) {
  interpbench::Run run;
  // subinterp / subprocess per round: 1.01 in rounds 0-7, 0.0001 in round 8 (sorted: 0.0001, then
  // 1.01 eight times: median 1.01, nine rounds give (x_(2), x_(8)) = [1.01, 1.01]). The medians
  // over rounds are 404 (subinterp) and 500 (subprocess).
  run.children.push_back(fixture::child(
      "subinterp", "backend", "w",
      {fixture::time_result("w/1", "wall", fixture::per_round({101, 202, 303, 404, 505, 606, 707, 808, 1}))}));
  run.children.push_back(fixture::child(
      "subprocess", "backend", "w",
      {fixture::time_result("w/1", "wall",
                            fixture::per_round({100, 200, 300, 400, 500, 600, 700, 800, 10000}))},
      "process"));
  const json v = make_json_report(run)["interpbench"]["verdict"];
  const auto f = findings_of_kind(v, "winner");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_DOUBLE_EQ(f[0]["numbers"]["ratio"].get<double>(), 1.01);
  EXPECT_TRUE(f[0]["significant"].get<bool>());
  EXPECT_EQ(f[0]["rows"], json({"subprocess", "subinterp"}));
  EXPECT_THAT(all_lines(v), HasSubstr("1: subprocess 1.01 [1.01, 1.01] times faster than subinterp"));
}

TEST(VerdictTest, SubprocessMatchesWhereEqualAndHasAGapWhereSlower) {
  const json v = make_json_report(scenario())["interpbench"]["verdict"];
  std::map<std::string, std::string> kind_of;
  for (const auto& f : v["findings"])
    if (f["kind"] == "match" || f["kind"] == "gap")
      kind_of[f["variant"].get<std::string>()] = f["kind"].get<std::string>();
  EXPECT_EQ(kind_of["pingpong/8"], "gap");       // subprocess 3x slower in every round
  EXPECT_EQ(kind_of["pingpong/1024"], "match");  // identical samples
  const std::string text = all_lines(v);
  EXPECT_THAT(text, HasSubstr("Why not subprocesses?"));
  EXPECT_THAT(text, HasSubstr("subprocess (shared memory) vs subinterp over 2 shared results:"));
  EXPECT_THAT(text, HasSubstr("within 10% (the whole 95% interval): 1: pingpong/1024 round_trip (1.00 [1.00, 1.00])"));
  EXPECT_THAT(text, HasSubstr("subinterp better by more than 10%: 1: pingpong/8 round_trip 3.00 [3.00, 3.00] times"));

  // Three rounds give no 95% interval: neither the 3x gap nor the identical pair is decided.
  const json v3 = make_json_report(fixture::synthetic_run())["interpbench"]["verdict"];
  EXPECT_EQ(findings_of_kind(v3, "gap").size(), 0u);
  EXPECT_EQ(findings_of_kind(v3, "match").size(), 0u);
  EXPECT_EQ(findings_of_kind(v3, "noise").size(), 2u);
}

// Encode and decode run the same codec in the driver whatever the row: no row wins them, and
// they are neither a match nor a gap between subinterp and subprocess; transfer is compared.
TEST(VerdictTest, CodecMetricsAreNotComparedBetweenRows) {
  interpbench::Run run;
  const std::vector<std::pair<const char*, double>> rows = {{"subinterp", 1}, {"subprocess", 2}};
  for (const auto& [row, factor] : rows)
    run.children.push_back(fixture::child(
        row, "backend", "objects",
        {fixture::time_result("objects/pickle5/list/1000/encode", "encode",
                              fixture::scaled(fixture::kSixRounds, factor)),
         fixture::time_result("objects/pickle5/list/1000/transfer", "transfer",
                              fixture::scaled(fixture::kSixRounds, factor)),
         fixture::time_result("objects/pickle5/list/1000/decode", "decode",
                              fixture::scaled(fixture::kSixRounds, factor))}));
  const json v = make_json_report(run)["interpbench"]["verdict"];
  std::vector<std::string> compared;
  for (const auto& f : v["findings"])
    if (f["kind"] == "winner" || f["kind"] == "gap" || f["kind"] == "match" || f["kind"] == "noise")
      compared.push_back(f["kind"].get<std::string>() + " " + f["metric"].get<std::string>());
  EXPECT_EQ(compared, std::vector<std::string>({"winner transfer", "gap transfer"}));
  EXPECT_EQ(findings_of_kind(v, "codec_share").size(), 2u);
}

TEST(VerdictTest, CodecShareIsTransferOverTheWholeMessageCost) {
  const json v = make_json_report(scenario())["interpbench"]["verdict"];
  const auto f = findings_of_kind(v, "codec_share");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_DOUBLE_EQ(f[0]["numbers"]["transfer_share"].get<double>(), 100.0 / (300 + 100 + 600));
  EXPECT_THAT(all_lines(v), HasSubstr("subinterp 10%"));
}

TEST(VerdictTest, ScalingUsesTheLargestWorkerCountUpToTheCores) {
  const json v = make_json_report(scenario())["interpbench"]["verdict"];
  const auto f = findings_of_kind(v, "scaling");
  ASSERT_EQ(f.size(), 1u);
  const json& n = f[0]["numbers"]["subinterp"];
  EXPECT_EQ(n["workers"], 2);  // 4 workers exceed the 2 cores of the synthetic machine
  EXPECT_NEAR(n["speedup"].get<double>(), 2 * 1000.0 / 550.0, 1e-9);
  EXPECT_NEAR(n["efficiency"].get<double>(), 1000.0 / 550.0, 1e-9);
}

TEST(VerdictTest, StartupAndMemoryCostsAreReportedPerRow) {
  const json v = make_json_report(scenario())["interpbench"]["verdict"];
  const auto s = findings_of_kind(v, "startup");
  ASSERT_EQ(s.size(), 1u);
  const json& n = s[0]["numbers"];
  EXPECT_EQ(n["subinterp"], json({{"median", 2e6}, {"unit", "ns"}}));
  EXPECT_EQ(n["subprocess"], json({{"median", 2e7}, {"unit", "ns"}}));
  // 10 in every one of the six rounds.
  const json& r = n["subprocess_over_subinterp"];
  EXPECT_DOUBLE_EQ(r["ratio"].get<double>(), 10.0);
  EXPECT_DOUBLE_EQ(r["low"].get<double>(), 10.0);
  EXPECT_DOUBLE_EQ(r["high"].get<double>(), 10.0);
  EXPECT_EQ(r["rounds"], 6);
  EXPECT_DOUBLE_EQ(r["coverage"].get<double>(), 1 - 2.0 / 64);
  EXPECT_TRUE(r["significant"].get<bool>());
  EXPECT_TRUE(s[0]["significant"].get<bool>());
  const auto m = findings_of_kind(v, "memory");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_DOUBLE_EQ(m[0]["numbers"]["subinterp"]["median"].get<double>(), 3072);
  const std::string text = all_lines(v);
  EXPECT_THAT(text, HasSubstr("subinterp 2.00 ms, subprocess 20.0 ms; subprocess takes 10.0 [10.0, "
                              "10.0] times subinterp's"));
  EXPECT_THAT(text, HasSubstr("memory per worker (memory/4, 4 workers): subinterp 3.00 MiB"));
}

TEST(VerdictTest, CrashSaysWhatWentDown) {
  const json v = make_json_report(scenario())["interpbench"]["verdict"];
  const auto f = findings_of_kind(v, "crash");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0]["workload"], "crashy");
  EXPECT_THAT(all_lines(v), HasSubstr("subinterp on crashy: killed by SIGSEGV"));
}

TEST(VerdictTest, OverlappingRowsAreNotSignificant) {
  interpbench::Run run;
  run.children.push_back(fixture::child("subinterp", "backend", "w",
                                        {fixture::time_result("w/1", "wall", {{100}, {200}, {150}})}));
  run.children.push_back(fixture::child("subprocess", "backend", "w",
                                        {fixture::time_result("w/1", "wall", {{110}, {210}, {160}})}));
  const json v = make_json_report(run)["interpbench"]["verdict"];
  const auto f = findings_of_kind(v, "winner");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_FALSE(f[0]["significant"].get<bool>());
  EXPECT_THAT(all_lines(v), HasSubstr("not significantly different"));
  // Ratios 1.1, 1.05, 1.067 per round: the median is within 10%, but three rounds give no 95%
  // interval, so it is not a match either: undecided.
  EXPECT_TRUE(findings_of_kind(v, "match").empty());
  EXPECT_EQ(findings_of_kind(v, "noise").size(), 1u);
}

TEST(VerdictTest, AMatchNeedsTheWholeIntervalWithinTenPercent) {
  interpbench::Run run;
  // Six rounds: subprocess / subinterp = 1.02, 1.04, 1.05, 1.06, 1.08, 1.09: all within 10%.
  run.children.push_back(fixture::child("subinterp", "backend", "w",
      {fixture::time_result("w/1", "wall", {{100}, {100}, {100}, {100}, {100}, {100}})}));
  run.children.push_back(fixture::child("subprocess", "backend", "w",
      {fixture::time_result("w/1", "wall", {{102}, {104}, {105}, {106}, {108}, {109}})}));
  // ... and 1.02 .. 1.15 on another result: the median is within 10%, the interval is not.
  run.children[0].child["results"].push_back(
      fixture::time_result("w/2", "wall", {{100}, {100}, {100}, {100}, {100}, {100}}));
  run.children[1].child["results"].push_back(
      fixture::time_result("w/2", "wall", {{102}, {104}, {105}, {106}, {108}, {115}}));
  // ... and 0.70 .. 1.08: the median is within 10%, the interval reaches 1.43x the other way.
  run.children[0].child["results"].push_back(
      fixture::time_result("w/3", "wall", {{100}, {100}, {100}, {100}, {100}, {100}}));
  run.children[1].child["results"].push_back(
      fixture::time_result("w/3", "wall", {{70}, {101}, {102}, {103}, {104}, {108}}));
  const json v = make_json_report(run)["interpbench"]["verdict"];
  std::map<std::string, std::string> kind_of;
  for (const char* k : {"match", "gap", "noise"})
    for (const auto& f : findings_of_kind(v, k)) kind_of[f["variant"].get<std::string>()] = k;
  EXPECT_EQ(kind_of["w/1"], "match");
  EXPECT_EQ(kind_of["w/2"], "noise");
  EXPECT_EQ(kind_of["w/3"], "noise");
}

TEST(VerdictTest, FarApartButNoisyIsNeitherMatchNorGap) {
  interpbench::Run run;
  run.children.push_back(fixture::child("subinterp", "backend", "w",
                                        {fixture::time_result("w/1", "wall", {{50}, {150}, {100}})}));
  run.children.push_back(fixture::child(
      "subprocess", "backend", "w", {fixture::time_result("w/1", "wall", {{100}, {250}, {100}})}));
  const json v = make_json_report(run)["interpbench"]["verdict"];
  EXPECT_EQ(findings_of_kind(v, "noise").size(), 1u);
  EXPECT_TRUE(findings_of_kind(v, "match").empty());
  EXPECT_TRUE(findings_of_kind(v, "gap").empty());
  EXPECT_THAT(all_lines(v), HasSubstr("not decided: 1"));
}

TEST(VerdictTest, TheSameErrorOnManyRowsIsSaidOnce) {
  interpbench::Run run;
  for (const char* row : {"subinterp", "subprocess", "thread"}) {
    ChildRun c;
    c.row = row;
    c.kind = "backend";
    c.workload = "pingpong";
    c.exit_code = 1;
    c.error = "exit status 1: driver host missing";
    run.children.push_back(c);
  }
  const json v = make_json_report(run)["interpbench"]["verdict"];
  EXPECT_EQ(findings_of_kind(v, "crash").size(), 3u);
  EXPECT_THAT(all_lines(v), HasSubstr("3 rows: exit status 1: driver host missing (subinterp on "
                                      "pingpong, subprocess on pingpong, thread on pingpong)"));
}

TEST(VerdictTest, StandardLibraryRowsAnswerTooWhenTheBackendsAreMissing) {
  interpbench::Run run;
  run.children.push_back(fixture::child("py-interpreters-poll", "reference", "w",
                                        {fixture::time_result("w/1", "wall", fixture::kSixRounds)}));
  run.children.push_back(fixture::child(
      "py-multiprocessing-fork", "reference", "w",
      {fixture::time_result("w/1", "wall", fixture::scaled(fixture::kSixRounds, 1.05))}, "process"));
  const json v = make_json_report(run)["interpbench"]["verdict"];
  EXPECT_THAT(all_lines(v), HasSubstr("py-multiprocessing-fork (pipes) vs py-interpreters-poll over 1 "
                                      "shared results:"));
  EXPECT_EQ(findings_of_kind(v, "match").size(), 1u);
}

TEST(VerdictTest, EmptyRunSaysSoInsteadOfInventing) {
  const json v = make_verdict(report::load_interpbench({{"rows", json::array()}}));
  EXPECT_TRUE(v["findings"].empty());
  EXPECT_THAT(all_lines(v), HasSubstr("no result measured on two rows"));
  EXPECT_THAT(all_lines(v), HasSubstr("needs subinterp and subprocess rows"));
}

}  // namespace
}  // namespace interpbench
