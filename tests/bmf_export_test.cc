// --format bmf: the Bencher Metric Format export (reports/bmf_export.h) has the structure Bencher
// documents (https://bencher.dev/docs/reference/bencher-metric-format; schema
// https://bencher.dev/bmf.json): an object of benchmarks, each an object of measures, each an
// object of value (required), lower_value and upper_value (optional), all numbers. We also hold
// it to what we promise: all three present, finite, lower <= value <= upper, one entry per
// measured result, named as in `benchmarks`, no outcomes and nothing from a failed row.
#include "reports/bmf_export.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <set>
#include <string>

#include "reports/json_report.h"
#include "tests/report_fixture.h"

namespace interpbench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path quick_fixture() {
  return fs::path(INTERPBENCH_SOURCE_DIR) / "tests" / "fixtures" / "report_quick.json";
}

// Bencher's structure, strictly: returns the number of measure objects.
std::size_t expect_bmf_shape(const json& bmf) {
  EXPECT_TRUE(bmf.is_object()) << bmf.dump();
  std::size_t measures = 0;
  for (const auto& [benchmark, by_measure] : bmf.items()) {
    SCOPED_TRACE(benchmark);
    EXPECT_FALSE(benchmark.empty());
    EXPECT_LE(benchmark.size(), 1024u);  // Bencher's limit for a benchmark name
    EXPECT_TRUE(by_measure.is_object());
    EXPECT_FALSE(by_measure.empty());
    for (const auto& [slug, metric] : by_measure.items()) {
      SCOPED_TRACE(slug);
      ++measures;
      EXPECT_FALSE(slug.empty());
      EXPECT_LE(slug.size(), 64u);  // Bencher's limit for a measure slug
      EXPECT_TRUE(metric.is_object());
      if (!metric.is_object()) continue;
      const std::set<std::string> keys = [&] {
        std::set<std::string> k;
        for (const auto& [key, v] : metric.items()) k.insert(key);
        return k;
      }();
      EXPECT_EQ(keys, (std::set<std::string>{"value", "lower_value", "upper_value"}));
      bool numbers = keys.size() == 3;
      for (const auto& [key, v] : metric.items()) {
        EXPECT_TRUE(v.is_number()) << key << ": " << metric.dump();
        EXPECT_TRUE(v.is_number() && std::isfinite(v.get<double>())) << key << ": " << metric.dump();
        numbers = numbers && v.is_number();
      }
      if (!numbers) continue;
      EXPECT_LE(metric["lower_value"].get<double>(), metric["value"].get<double>());
      EXPECT_LE(metric["value"].get<double>(), metric["upper_value"].get<double>());
    }
  }
  return measures;
}

TEST(BmfExportTest, QuickRunHasOneMeasurePerMeasuredResultInBencherShape) {
  const report::Run run = report::load_run(quick_fixture());
  const json bmf = export_bmf(run);
  std::size_t measured = 0;
  for (const auto& row : run.rows) {
    if (row.error || !row.worker_errors.empty()) continue;
    for (const auto& r : row.results) {
      if (r.is_status() || !bmf_measure(r.unit)) continue;
      ++measured;
      SCOPED_TRACE(r.benchmark_name);
      const auto slug = std::string(bmf_measure(r.unit)->slug);
      ASSERT_TRUE(bmf.contains(r.benchmark_name) && bmf[r.benchmark_name].contains(slug));
      EXPECT_DOUBLE_EQ(bmf[r.benchmark_name][slug]["value"].get<double>(),
                       r.figure * bmf_measure(r.unit)->scale);
    }
  }
  EXPECT_GT(measured, 100u);
  EXPECT_EQ(expect_bmf_shape(bmf), measured);
  // Each unit under its own measure.
  EXPECT_TRUE(bmf["pingpong/8/round_trip/subinterp"].contains("latency"));
  EXPECT_TRUE(bmf["taskfarm/10us/8B/task_throughput/subinterp"].contains("throughput"));
  EXPECT_TRUE(bmf["memory/1/uss/memory_uss/subinterp"].contains("memory"));
}

TEST(BmfExportTest, LatencyNamesAreTheGoogleBenchmarkNames) {
  // Google Benchmark's run_name: the benchmark's name on its repetitions and its aggregates alike
  // (the `name` of an aggregate has a suffix: "pingpong/8/round_trip/subinterp_mean").
  const json doc = load_report(quick_fixture());
  std::set<std::string> gb;
  for (const auto& b : doc["benchmarks"]) gb.insert(b["run_name"].get<std::string>());
  const json bmf = export_bmf(report::load_run(doc));
  std::set<std::string> latencies;
  for (const auto& [name, measures] : bmf.items())
    if (measures.contains("latency")) latencies.insert(name);
  EXPECT_FALSE(latencies.empty());
  EXPECT_EQ(latencies, gb);
}

TEST(BmfExportTest, ValueIsTheMedianOverRoundsAndTheBoundsItsInterval) {
  // Six rounds 100, 110, 90, 105, 95, 100: median 100, the 95% interval [min, max] = [90, 110].
  const json bmf = export_bmf(report::load_run(make_json_report(fixture::synthetic_run(fixture::kSixRounds))));
  expect_bmf_shape(bmf);
  EXPECT_EQ(bmf["pingpong/8/round_trip/subinterp"]["latency"],
            (json{{"value", 100.0}, {"lower_value", 90.0}, {"upper_value", 110.0}}));
  // KiB are exported in bytes.
  EXPECT_DOUBLE_EQ(bmf["memory/4/memory_uss/subinterp"]["memory"]["value"].get<double>(), 3072.0 * 1024);
}

TEST(BmfExportTest, FailedRowsOutcomesAndUnknownUnitsAreLeftOut) {
  json doc = make_json_report(fixture::synthetic_run(fixture::kSixRounds));
  for (auto& row : doc["interpbench"]["rows"]) {
    if (row["row"] == "subprocess") row["error"] = "worker 1 died";
    if (row["row"] == "py-threading") row["results"][0]["unit"] = "furlongs";
  }
  const json bmf = export_bmf(report::load_run(doc));
  expect_bmf_shape(bmf);
  EXPECT_TRUE(bmf.contains("pingpong/8/round_trip/subinterp"));
  for (const auto& [name, m] : bmf.items()) {
    EXPECT_EQ(name.find("subprocess"), std::string::npos) << name;
    EXPECT_EQ(name.find("py-threading"), std::string::npos) << name;
    EXPECT_EQ(name.find("crashy"), std::string::npos) << name;
  }
  EXPECT_FALSE(bmf_measure("furlongs"));

  // extcompat's outcomes (ok, import_error, crash) are not measurements.
  const json ext = export_bmf(report::load_run(make_json_report(fixture::extcompat_run())));
  EXPECT_EQ(ext, json::object());
}

}  // namespace
}  // namespace interpbench
