#include "reports/json_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "core/errors.h"
#include "tests/report_fixture.h"

namespace interpbench {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

std::vector<json> entries_named(const json& report, const std::string& run_name) {
  std::vector<json> out;
  for (const auto& b : report["benchmarks"])
    if (b["run_name"] == run_name) out.push_back(b);
  return out;
}

TEST(JsonReportTest, ContextHasEveryGoogleBenchmarkKey) {
  const json ctx = make_json_report(fixture::synthetic_run())["context"];
  EXPECT_EQ(ctx["date"], "2026-01-01T00:00:00+00:00");
  EXPECT_EQ(ctx["host_name"], "testhost");
  EXPECT_EQ(ctx["executable"], "/x/interpbench");
  EXPECT_EQ(ctx["num_cpus"], 2);
  EXPECT_EQ(ctx["mhz_per_cpu"], 2600);
  EXPECT_EQ(ctx["cpu_scaling_enabled"], true);  // governor "powersave"
  ASSERT_EQ(ctx["caches"].size(), 1u);
  for (const char* key : {"type", "level", "size", "num_sharing"})
    EXPECT_TRUE(ctx["caches"][0].contains(key)) << key;
  EXPECT_EQ(ctx["load_avg"].size(), 3u);
  EXPECT_EQ(ctx["library_build_type"], "release");
}

TEST(JsonReportTest, EveryBenchmarkEntryHasTheGoogleBenchmarkKeys) {
  const json report = make_json_report(fixture::synthetic_run());
  ASSERT_FALSE(report["benchmarks"].empty());
  for (const auto& b : report["benchmarks"]) {
    for (const char* key : {"name", "family_index", "per_family_instance_index", "run_name",
                            "run_type", "repetitions", "threads", "iterations", "real_time",
                            "cpu_time", "time_unit"})
      EXPECT_TRUE(b.contains(key)) << key << " in " << b.dump();
    EXPECT_TRUE(b["name"].is_string());
    EXPECT_TRUE(b["real_time"].is_number());
    EXPECT_TRUE(b["iterations"].is_number_integer());
    EXPECT_EQ(b["time_unit"], "ns");
    if (b["run_type"] == "iteration") {
      EXPECT_TRUE(b.contains("repetition_index")) << b.dump();
    } else {
      EXPECT_EQ(b["run_type"], "aggregate");
      EXPECT_TRUE(b.contains("aggregate_name")) << b.dump();
      EXPECT_TRUE(b.contains("aggregate_unit")) << b.dump();
      EXPECT_FALSE(b.contains("repetition_index")) << b.dump();
    }
  }
}

TEST(JsonReportTest, OneIterationEntryPerRepetitionThenAggregates) {
  const json report = make_json_report(fixture::synthetic_run());
  const auto e = entries_named(report, "pingpong/8/round_trip/subinterp");
  ASSERT_EQ(e.size(), 3u + 4u);
  const double means[] = {100, 110, 90};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(e[i]["run_type"], "iteration");
    EXPECT_EQ(e[i]["repetition_index"], i);
    EXPECT_EQ(e[i]["repetitions"], 3);
    EXPECT_EQ(e[i]["iterations"], 3);
    EXPECT_DOUBLE_EQ(e[i]["real_time"].get<double>(), means[i]);
    EXPECT_DOUBLE_EQ(e[i]["cpu_time"].get<double>(), means[i]);
    EXPECT_DOUBLE_EQ(e[i]["bytes_per_second"].get<double>(), 8 / (means[i] * 1e-9));
  }
  // Aggregates over the repetition means 100, 110, 90: mean 100, median 100, stddev 10, cv 0.1.
  const std::pair<const char*, double> expected[] = {
      {"mean", 100}, {"median", 100}, {"stddev", 10}, {"cv", 0.1}};
  for (int i = 0; i < 4; ++i) {
    const json& a = e[3 + i];
    EXPECT_EQ(a["name"], std::string("pingpong/8/round_trip/subinterp_") + expected[i].first);
    EXPECT_EQ(a["aggregate_name"], expected[i].first);
    EXPECT_EQ(a["aggregate_unit"], i == 3 ? "percentage" : "time");
    EXPECT_EQ(a["iterations"], 3);
    EXPECT_NEAR(a["real_time"].get<double>(), expected[i].second, 1e-9);
  }
}

TEST(JsonReportTest, RowsOfTheSameResultShareAFamily) {
  const json report = make_json_report(fixture::synthetic_run());
  const auto si = entries_named(report, "pingpong/8/round_trip/subinterp");
  const auto sp = entries_named(report, "pingpong/8/round_trip/subprocess");
  const auto big = entries_named(report, "pingpong/1024/round_trip/subinterp");
  ASSERT_FALSE(si.empty());
  ASSERT_FALSE(sp.empty());
  ASSERT_FALSE(big.empty());
  EXPECT_EQ(si[0]["family_index"], sp[0]["family_index"]);
  EXPECT_NE(si[0]["family_index"], big[0]["family_index"]);
  EXPECT_EQ(si[0]["per_family_instance_index"], 0);
  EXPECT_EQ(sp[0]["per_family_instance_index"], 1);
}

TEST(JsonReportTest, NonTimeResultsAreOnlyInTheInterpbenchSection) {
  const json report = make_json_report(fixture::synthetic_run());
  for (const auto& b : report["benchmarks"])
    EXPECT_THAT(b["name"].get<std::string>(), ::testing::Not(HasSubstr("memory")));
  bool found = false;
  for (const auto& row : report["interpbench"]["rows"])
    for (const auto& r : row["results"])
      if (r["metric"] == "memory_uss") {
        found = true;
        EXPECT_EQ(r["unit"], "KiB");
        EXPECT_DOUBLE_EQ(r["summary"]["mean"].get<double>(), 3072);
      }
  EXPECT_TRUE(found);
}

TEST(JsonReportTest, CrashedChildBecomesAnErrorRowAndAnErrorEntry) {
  const json report = make_json_report(fixture::synthetic_run());
  const auto e = entries_named(report, "crashy/subinterp");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0]["error_occurred"], true);
  EXPECT_EQ(e[0]["error_message"], "killed by SIGSEGV");
  const json& rows = report["interpbench"]["rows"];
  const json& crash = rows[rows.size() - 1];
  EXPECT_EQ(crash["error"], "killed by SIGSEGV");
  EXPECT_EQ(crash["exit"]["signal"], "SIGSEGV");
  EXPECT_TRUE(crash["exit"]["exit_code"].is_null());
  EXPECT_TRUE(crash["results"].empty());
}

TEST(JsonReportTest, ResultsCarryPooledSummaryRepetitionMeansAndThroughput) {
  const json report = make_json_report(fixture::synthetic_run());
  const json& r = report["interpbench"]["rows"][0]["results"][0];
  EXPECT_EQ(r["name"], "pingpong/8");
  EXPECT_EQ(r["benchmark_name"], "pingpong/8/round_trip/subinterp");
  EXPECT_EQ(r["summary"]["n"], 9);
  EXPECT_DOUBLE_EQ(r["summary"]["mean"].get<double>(), 100);
  EXPECT_DOUBLE_EQ(r["summary"]["min"].get<double>(), 80);
  EXPECT_DOUBLE_EQ(r["summary"]["max"].get<double>(), 120);
  EXPECT_DOUBLE_EQ(r["summary"]["median"].get<double>(), 100);
  EXPECT_EQ(r["repetition_means"], json({100.0, 110.0, 90.0}));
  EXPECT_EQ(r["repetition_counts"], json({3, 3, 3}));
  EXPECT_DOUBLE_EQ(r["throughput"]["mean"].get<double>(), 8 / 100e-9);
  EXPECT_EQ(r["throughput"]["unit"], "B/s");
  const json& ib = report["interpbench"];
  EXPECT_EQ(ib["schema_version"], kReportSchemaVersion);
  EXPECT_EQ(ib["options"]["suite"], "test");
  EXPECT_EQ(ib["incomplete"], false);
  EXPECT_TRUE(ib["verdict"]["findings"].is_array());
}

TEST(JsonReportTest, RunWarningsAreKeptAndTooFewRoundsAreFlagged) {
  auto too_few = [](const json& ib) {
    for (const auto& line : ib["warnings"])
      if (line.get<std::string>().find("too few for a 95% interval") != std::string::npos)
        return line.get<std::string>();
    return std::string();
  };
  const json ib = make_json_report(fixture::synthetic_run())["interpbench"];
  ASSERT_GE(ib["warnings"].size(), 2u);
  EXPECT_THAT(ib["warnings"][0].get<std::string>(), HasSubstr("load average"));
  // Six results: five with three rounds (kBase, one round per repetition), memory/4 with two.
  EXPECT_EQ(too_few(ib),
            "6 of 6 results have 2 round(s), too few for a 95% interval of their ratios (it needs "
            "6); fix: --rounds 6 or more");
  // Six rounds are enough: only the memory result (two rounds) is left.
  EXPECT_THAT(too_few(make_json_report(fixture::synthetic_run(fixture::kSixRounds))["interpbench"]),
              HasSubstr("1 of 6 results have 2 round(s)"));
}

TEST(JsonReportTest, RepetitionsWhereBothSidesSharedOneCpuAreCountedAndWarned) {
  auto with_cpus = [](json cpus) {
    interpbench::Run run;
    json r = fixture::time_result("pingpong/8", "round_trip", fixture::kBase, {{"size_bytes", 8}}, 8);
    if (!cpus.is_null()) r["cpus"] = cpus;
    run.children.push_back(fixture::child("subinterp", "backend", "pingpong", json::array({r})));
    return make_json_report(run)["interpbench"];
  };
  auto one_cpu_warning = [](const json& ib) {
    for (const auto& w : ib["warnings"])
      if (w.get<std::string>().rfind("one CPU:", 0) == 0) return w.get<std::string>();
    return std::string();
  };
  // Repetition 1 on CPU 0 twice, repetition 2 split, repetition 3 unknown on the worker's side.
  const json ib = with_cpus({{0, 0}, {0, 1}, {1, nullptr}});
  const json& r = ib["rows"][0]["results"][0];
  EXPECT_EQ(r["shared_cpu"], json({{"repetitions", 1}, {"sampled", 2}}));
  EXPECT_THAT(one_cpu_warning(ib), HasSubstr("pingpong/8/round_trip/subinterp (1 of 2)"));

  const json apart = with_cpus({{0, 1}, {1, 0}});
  EXPECT_EQ(apart["rows"][0]["results"][0]["shared_cpu"]["repetitions"], 0);
  EXPECT_EQ(one_cpu_warning(apart), "");
  EXPECT_FALSE(with_cpus(nullptr)["rows"][0]["results"][0].contains("shared_cpu"));
}

TEST(JsonReportTest, SharedGilSubinterpRowKeepsItsGilAndWarnsUnderSharedGilOption) {
  auto shared_gil_warned = [](const json& ib) {
    for (const auto& line : ib["warnings"])
      if (line.get<std::string>().find("--shared-gil") != std::string::npos) return true;
    return false;
  };
  EXPECT_FALSE(shared_gil_warned(make_json_report(fixture::synthetic_run())["interpbench"]));
  interpbench::Run run = fixture::synthetic_run();
  run.children[0].child["gil"] = "shared";  // the subinterp row, Python 3.13
  const json ib = make_json_report(run)["interpbench"];
  EXPECT_EQ(ib["rows"][0]["gil"], "shared");
  EXPECT_TRUE(shared_gil_warned(ib));
  run.children[0].child["python"] = "3.11.7";  // said by the environment's warning instead
  EXPECT_FALSE(shared_gil_warned(make_json_report(run)["interpbench"]));
}

TEST(JsonReportTest, MalformedResultIsIgnoredWithANote) {
  interpbench::Run run;
  run.children.push_back(fixture::child(
      "thread", "backend", "w",
      {{{"name", "w/1"}, {"metric", "wall"}, {"unit", "ns"}, {"repetitions", {{"x"}}}},
       fixture::time_result("w/2", "wall", {{5}})}));
  const json report = make_json_report(run);
  const json& row = report["interpbench"]["rows"][0];
  ASSERT_EQ(row["results"].size(), 1u);
  EXPECT_EQ(row["results"][0]["name"], "w/2");
  EXPECT_THAT(row["notes"].dump(), HasSubstr("ignored malformed result #0"));
}

TEST(JsonReportTest, MetricIsNotRepeatedWhenTheNameHasIt) {
  EXPECT_EQ(benchmark_name("objects/pickle5/list/encode", "encode", "thread"),
            "objects/pickle5/list/encode/thread");
  EXPECT_EQ(benchmark_name("pingpong/8", "round_trip", "subinterp"),
            "pingpong/8/round_trip/subinterp");
}

class LoadReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("json_report_test-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p;
  }
  std::string error_of(const fs::path& p) {
    try {
      load_report(p);
    } catch (const BadInput& e) {
      return e.what();
    }
    return "";
  }
  fs::path dir_;
};

TEST_F(LoadReportTest, RoundTripsAWrittenReport) {
  const json report = make_json_report(fixture::synthetic_run());
  const fs::path p = dir_ / "run.json";
  write_json_file(report, p);
  EXPECT_EQ(load_report(p), report);
}

TEST_F(LoadReportTest, RejectsNonJsonNamingTheFile) {
  const fs::path p = write("bad.json", "hello, world");
  EXPECT_THAT(error_of(p), HasSubstr(p.string() + ": not JSON"));
}

TEST_F(LoadReportTest, RejectsTruncatedJson) {
  const std::string full = make_json_report(fixture::synthetic_run()).dump();
  // Cut anywhere: inside a string, a number, a literal, between tokens.
  for (std::size_t cut = 1; cut < full.size(); cut += full.size() / 37 + 1) {
    const fs::path p = write("cut.json", full.substr(0, cut));
    EXPECT_THAT(error_of(p), HasSubstr(p.string() + ": truncated JSON")) << "cut at " << cut;
  }
}

TEST_F(LoadReportTest, RejectsAnotherSchemaVersion) {
  json report = make_json_report(fixture::synthetic_run());
  report["interpbench"]["schema_version"] = 2;
  const fs::path p = write("v2.json", report.dump());
  EXPECT_THAT(error_of(p), HasSubstr(p.string() + ": schema_version 2"));
}

TEST_F(LoadReportTest, RejectsJsonThatIsNotAnInterpbenchReport) {
  const fs::path p = write("gb.json", R"({"context": {}, "benchmarks": []})");
  EXPECT_THAT(error_of(p), HasSubstr(p.string() + ": not an interpbench report"));
}

TEST_F(LoadReportTest, RejectsAMissingFile) {
  const fs::path p = dir_ / "nope.json";
  EXPECT_THAT(error_of(p), HasSubstr(p.string() + ": cannot read"));
}

TEST_F(LoadReportTest, UnwritablePathIsBadInputAndLeavesNothing) {
  const fs::path p = dir_ / "no-such-dir" / "run.json";
  EXPECT_THROW(write_json_file(json::object(), p), BadInput);
  EXPECT_FALSE(fs::exists(dir_ / "no-such-dir"));
}

}  // namespace
}  // namespace interpbench
