#include "core/report_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "core/errors.h"

namespace interpbench::report {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

// A report section with one row holding `result`.
json with_result(const json& result) {
  return {{"rows", {{{"row", "subinterp"}, {"workload", "pingpong"}, {"results", {result}}}}}};
}

Result only_result(const json& result) { return load_interpbench(with_result(result)).rows.at(0).results.at(0); }

std::string bad_input_of(const json& ib) {
  try {
    load_interpbench(ib);
  } catch (const BadInput& e) {
    return e.what();
  }
  return "";
}

TEST(ReportModelTest, FigureIsTheMedianOverRoundsWhenTheResultHasRounds) {
  const Result r = only_result({{"summary", {{"median", 9.0}, {"n", 30}}},
                                {"repetition_means", {1.0, 2.0}},
                                {"rounds", {{"n", 2}, {"median", 5.0}, {"cv", 0.2}, {"values", {4.0, 6.0, nullptr}}}}});
  EXPECT_DOUBLE_EQ(r.figure, 5.0);
  ASSERT_EQ(r.by_round.size(), 3u);
  EXPECT_DOUBLE_EQ(r.by_round[0], 4.0);
  EXPECT_DOUBLE_EQ(r.by_round[1], 6.0);
  EXPECT_TRUE(std::isnan(r.by_round[2]));  // a round without a value
  EXPECT_EQ(r.rounds_with_value(), 2u);
  EXPECT_EQ(r.rounds, 2);
  EXPECT_DOUBLE_EQ(r.rounds_cv, 0.2);
  EXPECT_EQ(r.summary.n, 30);
}

TEST(ReportModelTest, FigureIsTheSampleMedianWithoutRounds) {
  const Result r = only_result({{"summary", {{"median", 7.0}, {"mean", 7.5}}}, {"repetition_means", {6.0, 8.0}}});
  EXPECT_DOUBLE_EQ(r.figure, 7.0);
  EXPECT_EQ(r.by_round, (std::vector<double>{6.0, 8.0}));  // each repetition its own round
  EXPECT_DOUBLE_EQ(r.summary.mean, 7.5);
}

TEST(ReportModelTest, RoundsWithoutAValueFallBackToTheSampleMedian) {
  const Result r = only_result({{"summary", {{"median", 3.0}}}, {"rounds", {{"n", 0}, {"median", 0.0}}}});
  EXPECT_DOUBLE_EQ(r.figure, 3.0);
}

TEST(ReportModelTest, MissingFieldsTakeTheirDefaults) {
  const report::Run run = load_interpbench({{"rows", {{{"results", {json::object()}}}}}});
  const Row& row = run.rows.at(0);
  EXPECT_EQ(row.row, "");
  EXPECT_FALSE(row.error);
  EXPECT_FALSE(row.skipped);
  const Result& r = row.results.at(0);
  EXPECT_EQ(r.benchmark_name, "");
  EXPECT_FALSE(r.higher_is_better);
  EXPECT_DOUBLE_EQ(r.figure, 0);
  EXPECT_TRUE(r.by_round.empty());
  EXPECT_FALSE(r.workers);
  EXPECT_FALSE(r.pinned);
  EXPECT_FALSE(r.throughput_mean);
  EXPECT_FALSE(r.is_status());
  EXPECT_EQ(run.num_cpus, 0);
  EXPECT_TRUE(load_interpbench(json::object()).rows.empty());
}

TEST(ReportModelTest, AFieldOfTheWrongTypeIsBadInputNamingTheResult) {
  const std::string unit = bad_input_of(with_result({{"benchmark_name", "pingpong/8/subinterp"}, {"unit", 5}}));
  EXPECT_EQ(unit, "result \"pingpong/8/subinterp\": 'metric'/'unit' is not a string");
  EXPECT_EQ(bad_input_of(with_result({{"higher_is_better", "yes"}})),
            "result ?: 'higher_is_better' is not true/false");
  EXPECT_EQ(bad_input_of(with_result({{"rounds", {{"values", 3}}}})),
            "result ?: 'rounds' is not an object with a 'values' list");
  EXPECT_EQ(bad_input_of(with_result(json::array())), "result ?: no 'benchmark_name' string");
  EXPECT_THAT(bad_input_of(json::array()), HasSubstr("not an interpbench report"));
  EXPECT_THROW(load_run(json{{"context", json::object()}}), BadInput);
}

TEST(ReportModelTest, AControlCharacterInANameIsBadInputAndEscapedInLines) {
  // A name reaches terminals and tables verbatim: ESC would start an escape sequence there.
  EXPECT_EQ(bad_input_of(with_result({{"benchmark_name", "a\x1b[2Jb"}})),
            "result \"a\\u001b[2Jb\": 'benchmark_name' contains a control character");
  EXPECT_EQ(bad_input_of(with_result({{"name", "x\ry"}})), "result ?: 'name' contains a control character");
  json run = {{"rows", json::array({{{"row", "sub\ninterp"}, {"results", json::array()}}})}};
  EXPECT_EQ(bad_input_of(run), "row 0: 'row' contains a control character");
  // Prose lines are shown, escaped, not refused: a verdict line is the run's own text.
  json ok = {{"rows", json::array()}, {"verdict", {{"lines", json::array({"a\x1b[31mb"})}}}};
  EXPECT_EQ(load_run(json{{"interpbench", ok}}).verdict_lines, std::vector<std::string>{"a\\x1b[31mb"});
}

TEST(ReportModelTest, RowsCarryTheirOutcome) {
  const json ib = {{"rows",
                    {{{"row", "subinterp"},
                      {"gil", "shared"},
                      {"python", "3.11.7"},
                      {"python_label", "3.11"},
                      {"error", "killed by SIGSEGV"},
                      {"skipped", nullptr},
                      {"exit", {{"signal", "SIGSEGV"}, {"stderr_tail", "boom\n"}}},
                      {"worker_errors", {{{"worker", 2}, {"error", "ValueError: x"}}}},
                      {"results", json::array()}}}},
                   {"environment", {{"num_cpus", 4}}},
                   {"warnings", {"w"}},
                   {"incomplete", true},
                   {"incomplete_reason", "interrupted by SIGINT"},
                   {"verdict", {{"lines", {"Verdict"}}}}};
  const report::Run run = load_interpbench(ib);
  const Row& row = run.rows.at(0);
  EXPECT_EQ(row.error, "killed by SIGSEGV");
  EXPECT_FALSE(row.skipped);
  EXPECT_EQ(row.signal, "SIGSEGV");
  EXPECT_EQ(row.stderr_tail, "boom\n");
  ASSERT_EQ(row.worker_errors.size(), 1u);
  EXPECT_EQ(row.worker_errors[0].worker, 2);
  EXPECT_EQ(row.gil, "shared");
  EXPECT_EQ(row.python_label, "3.11");
  EXPECT_EQ(run.num_cpus, 4);
  EXPECT_EQ(run.warnings, std::vector<std::string>{"w"});
  EXPECT_TRUE(run.incomplete);
  EXPECT_EQ(run.verdict_lines, std::vector<std::string>{"Verdict"});
  EXPECT_TRUE(run.targets_lines.empty());
}

TEST(ReportModelTest, ResultsCarryTheirDetail) {
  const Result r = only_result({{"name", "memory/4/uss"},
                                {"params", {{"workers", 4}}},
                                {"bytes_per_op", 8},
                                {"repetition_counts", {100, 100}},
                                {"pinned", false},
                                {"shared_cpu", {{"repetitions", 1}, {"sampled", 5}}},
                                {"throughput", {{"mean", 2e9}}}});
  EXPECT_EQ(r.workers, 4.0);
  EXPECT_DOUBLE_EQ(r.bytes_per_op, 8);
  EXPECT_EQ(r.repetition_counts, (std::vector<std::int64_t>{100, 100}));
  EXPECT_EQ(r.pinned, false);
  EXPECT_EQ(r.shared_cpu_repetitions, 1);
  EXPECT_EQ(r.throughput_mean, 2e9);
  const Result status = only_result({{"status", "import_error"}, {"detail", "no module"}});
  EXPECT_TRUE(status.is_status());
  EXPECT_EQ(status.status, "import_error");
}

TEST(ReportModelTest, LoadingAFileNamesItInEveryProblem) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("report_model_test_" + std::to_string(::getpid()) + ".json");
  json report = {{"context", json::object()}, {"benchmarks", json::array()},
                 {"interpbench", {{"schema_version", kReportSchemaVersion}}}};
  report["interpbench"]["rows"] = with_result({{"unit", 5}})["rows"];
  std::ofstream(path) << report.dump();
  try {
    load_run(path);
    ADD_FAILURE() << "no BadInput";
  } catch (const BadInput& e) {
    EXPECT_EQ(std::string(e.what()), path.string() + ": result ?: 'metric'/'unit' is not a string");
  }
  report["interpbench"]["rows"] = with_result({{"summary", {{"median", 2.0}}}})["rows"];
  std::ofstream(path) << report.dump();
  EXPECT_DOUBLE_EQ(load_run(path).rows.at(0).results.at(0).figure, 2.0);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace interpbench::report
