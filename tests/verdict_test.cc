#include "reports/verdict.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "reports/json_report.h"
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

// The mean and spread the verdict compares (docs/json-schema.md: repetition means if 2+).
double compared_mean(const json& r) {
  return r["repetition_stats"]["n"].get<int>() >= 2 ? r["repetition_stats"]["mean"].get<double>()
                                                    : r["summary"]["mean"].get<double>();
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

interpbench::Run scenario() {
  interpbench::Run run = fixture::synthetic_run();
  const auto& base = fixture::kBase;
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

TEST(VerdictTest, EveryNumberEqualsTheResultItNames) {
  const json ib = make_json_report(scenario())["interpbench"];
  const auto results = results_by_name(ib);
  int checked = 0;
  for (const auto& f : ib["verdict"]["findings"]) {
    if (!f["numbers"].contains("a_mean")) continue;
    const json& a = results.at(f["results"][0].get<std::string>());
    const json& b = results.at(f["results"][1].get<std::string>());
    EXPECT_DOUBLE_EQ(f["numbers"]["a_mean"].get<double>(), compared_mean(a)) << f.dump();
    EXPECT_DOUBLE_EQ(f["numbers"]["b_mean"].get<double>(), compared_mean(b)) << f.dump();
    const double lo = std::min(compared_mean(a), compared_mean(b));
    const double hi = std::max(compared_mean(a), compared_mean(b));
    EXPECT_DOUBLE_EQ(f["numbers"]["ratio"].get<double>(), hi / lo) << f.dump();
    ++checked;
  }
  EXPECT_GT(checked, 3);
}

TEST(VerdictTest, WinnerIsTheFastestRowByTheRatioOfMeans) {
  const json v = make_json_report(scenario())["interpbench"]["verdict"];
  bool found = false;
  for (const auto& f : findings_of_kind(v, "winner")) {
    if (f["variant"] != "pingpong/8") continue;
    found = true;
    EXPECT_EQ(f["rows"], json({"subinterp", "py-threading"}));  // 100 < 200 < 300
    EXPECT_DOUBLE_EQ(f["numbers"]["ratio"].get<double>(), 2.0);
    EXPECT_TRUE(f["significant"].get<bool>());
  }
  EXPECT_TRUE(found);
  EXPECT_THAT(all_lines(v), HasSubstr("8: subinterp 2.00 ± "));
}

TEST(VerdictTest, SubprocessMatchesWhereEqualAndHasAGapWhereSlower) {
  const json v = make_json_report(scenario())["interpbench"]["verdict"];
  std::map<std::string, std::string> kind_of;
  for (const auto& f : v["findings"])
    if (f["kind"] == "match" || f["kind"] == "gap")
      kind_of[f["variant"].get<std::string>()] = f["kind"].get<std::string>();
  EXPECT_EQ(kind_of["pingpong/8"], "gap");       // subprocess 3x slower
  EXPECT_EQ(kind_of["pingpong/1024"], "match");  // identical samples
  const std::string text = all_lines(v);
  EXPECT_THAT(text, HasSubstr("Why not subprocesses?"));
  EXPECT_THAT(text, HasSubstr("subprocess (shared memory) vs subinterp over 2 shared results:"));
  EXPECT_THAT(text, HasSubstr("within 10%: 1: pingpong/1024 round_trip (1.00 ± 0.14)"));
  EXPECT_THAT(text, HasSubstr("subinterp better: 1: pingpong/8 round_trip 3.00 ± 0.42 times"));
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
  EXPECT_DOUBLE_EQ(s[0]["numbers"]["subprocess_over_subinterp"].get<double>(), 10.0);
  const auto m = findings_of_kind(v, "memory");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_DOUBLE_EQ(m[0]["numbers"]["subinterp"]["mean"].get<double>(), 3072);
  const std::string text = all_lines(v);
  EXPECT_THAT(text, HasSubstr("subinterp 2.00 ms, subprocess 20.0 ms"));
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
  EXPECT_EQ(findings_of_kind(v, "match").size(), 1u);  // 153.3 vs 150: within 10%
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
  EXPECT_THAT(all_lines(v), HasSubstr("too noisy to tell: 1"));
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
  run.children.push_back(fixture::child("py-interpreters", "reference", "w",
                                        {fixture::time_result("w/1", "wall", fixture::kBase)}));
  run.children.push_back(fixture::child(
      "py-multiprocessing-fork", "reference", "w",
      {fixture::time_result("w/1", "wall", fixture::scaled(fixture::kBase, 1.05))}, "process"));
  const json v = make_json_report(run)["interpbench"]["verdict"];
  EXPECT_THAT(all_lines(v), HasSubstr("py-multiprocessing-fork (pipes) vs py-interpreters over 1 "
                                      "shared results:"));
  EXPECT_EQ(findings_of_kind(v, "match").size(), 1u);
}

TEST(VerdictTest, EmptyRunSaysSoInsteadOfInventing) {
  const json v = make_verdict({{"rows", json::array()}});
  EXPECT_TRUE(v["findings"].empty());
  EXPECT_THAT(all_lines(v), HasSubstr("no result measured on two rows"));
  EXPECT_THAT(all_lines(v), HasSubstr("needs subinterp and subprocess rows"));
}

}  // namespace
}  // namespace interpbench
