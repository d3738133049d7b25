#include "reports/console_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/human_units.h"
#include "reports/json_report.h"
#include "tests/report_fixture.h"

namespace interpbench {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct Printed {
  std::string out, err;
};

// verbose: the blocks and summaries of `-v`, besides the tables.
Printed print(const interpbench::Run& run, bool verbose = false) {
  std::ostringstream out, err;
  print_console_report(make_json_report(run), out, err, verbose);
  return {out.str(), err.str()};
}

Printed verbose(const interpbench::Run& run) { return print(run, true); }

TEST(ConsoleReportTest, BlockPerRowWithMeanSigmaPercentilesAndCounts) {
  const Printed p = verbose(fixture::synthetic_run());
  EXPECT_THAT(p.out, HasSubstr("pingpong/8 [subinterp]\n"));
  // pooled: mean 100, sample sd sqrt(1200/8) = 12.25; p50 100, p99 119.2; 3 samples x 3 reps
  EXPECT_THAT(p.out, HasSubstr("Round trip (mean ± σ):"));
  EXPECT_THAT(p.out, HasSubstr("100 ns ± 12.2 ns"));
  EXPECT_THAT(p.out, HasSubstr("[p50 … p99: 100 ns … 119 ns]  3 x 3"));
  EXPECT_THAT(p.out, HasSubstr("Throughput (mean):"));
}

TEST(ConsoleReportTest, AResultMeasuredWithBothSidesOnOneCpuSaysSo) {
  interpbench::Run run;
  nlohmann::json r = fixture::time_result("pingpong/8", "round_trip", fixture::kBase, {}, 8);
  r["cpus"] = {{1, 1}, {0, 1}, {0, 0}};
  run.children.push_back(fixture::child("subprocess", "backend", "pingpong", nlohmann::json::array({r})));
  const Printed p = verbose(run);
  EXPECT_THAT(p.out, HasSubstr("3 x 3 rounds  (driver and worker on one CPU after 2 of 3 repetitions)"));
  EXPECT_THAT(p.err, HasSubstr("warning: one CPU: in 1 result(s)"));
  EXPECT_THAT(verbose(fixture::synthetic_run()).out, Not(HasSubstr("on one CPU")));
  // The short table marks the cell and says what the mark means.
  EXPECT_THAT(print(run).out, HasSubstr("^ driver and worker on one CPU"));
}

TEST(ConsoleReportTest, ReferenceRowsAreLabelled) {
  EXPECT_THAT(verbose(fixture::synthetic_run()).out, HasSubstr("pingpong/8 [py-threading] (reference)"));
}

// Samples per repetition x repetitions, and the rounds they ran in.
TEST(ConsoleReportTest, CountsSayTheRoundsTheRepetitionsRanIn) {
  interpbench::Run run;
  nlohmann::json r = fixture::time_result("pingpong/8", "round_trip", fixture::kSixRounds, {}, 8);
  run.children.push_back(fixture::child("subinterp", "backend", "pingpong", nlohmann::json::array({r})));
  EXPECT_THAT(verbose(run).out, HasSubstr("  3 x 6 rounds\n"));  // one repetition per round
  r["rounds"] = {0, 0, 1, 1, 2, 2};
  run.children[0].child["results"] = nlohmann::json::array({r});
  EXPECT_THAT(verbose(run).out, HasSubstr("  3 x 6 in 3 rounds\n"));
}

TEST(ConsoleReportTest, ARoundValueFarFromTheOthersIsUnstable) {
  interpbench::Run run;
  // Round values 100, 100, 100, 100, 100, 160: mean 110, sd sqrt(3000 / 5) = 24.5: cv 22%.
  run.children.push_back(fixture::child(
      "subinterp", "backend", "pingpong",
      nlohmann::json::array({fixture::time_result(
          "pingpong/8", "round_trip", fixture::per_round({100, 100, 100, 100, 100, 160}))})));
  EXPECT_THAT(verbose(run).out, HasSubstr("3 x 6 rounds  (unstable: σ 22% between rounds)"));
  EXPECT_THAT(verbose(fixture::synthetic_run(fixture::kSixRounds)).out, Not(HasSubstr("unstable")));
  // The short table marks the figure and says what "!" means.
  EXPECT_THAT(print(run).out, HasSubstr("100 ns!  —"));
  EXPECT_THAT(print(run).out, HasSubstr("! unstable (σ > 10% between rounds)"));
  EXPECT_THAT(print(fixture::synthetic_run(fixture::kSixRounds)).out, Not(HasSubstr("unstable")));
}

TEST(ConsoleReportTest, SummaryRanksRowsWithMedianPerRoundRatiosAndTheirIntervals) {
  interpbench::Run run = fixture::synthetic_run(fixture::kSixRounds);
  // py-threading over subinterp per round: 2, 2.1, 1.9, 2, 2, 2.05 (sorted 1.9, 2, 2, 2, 2.05,
  // 2.1: median 2, six rounds give [min, max]); subprocess 3 in every round.
  run.children[2].child["results"][0]["repetitions"] =
      fixture::per_round({200, 231, 171, 210, 190, 205});
  const Printed p = verbose(run);
  EXPECT_THAT(p.out, HasSubstr("Summary (pingpong/8 Round trip; median of per-round ratios [95% "
                               "interval])\n  subinterp\n"
                               "    2.00 [1.90, 2.10] times faster than py-threading\n"
                               "    3.00 [3.00, 3.00] times faster than subprocess\n"));
  // 1024 B: identical in every round.
  EXPECT_THAT(p.out, HasSubstr("1.00 [1.00, 1.00] times faster than subprocess (not significantly "
                               "different)"));
  // Three rounds cannot reach 95%: the same 3x in every round is not significant.
  EXPECT_THAT(verbose(fixture::synthetic_run()).out,
              HasSubstr("3.00 [3.00, 3.00] times faster than subprocess (not significantly "
                        "different)"));
}

// Subinterpreters sharing one GIL are named apart: a note first, the row's blocks and summaries.
TEST(ConsoleReportTest, SharedGilSubinterpRowIsSaidFirstAndLabelled) {
  const Printed own = verbose(fixture::synthetic_run());
  EXPECT_THAT(own.out, Not(HasSubstr("shared GIL")));
  for (const char* python : {"3.11.7", "3.13.0"}) {
    interpbench::Run run = fixture::synthetic_run();
    run.children[0].child["gil"] = "shared";  // the subinterp row
    run.children[0].child["python"] = python;
    const std::string why = std::string(python) == "3.11.7" ? "Python 3.11" : "--shared-gil";
    const Printed p = verbose(run);
    EXPECT_EQ(p.out.rfind("Note: the subinterp row's subinterpreters share one GIL (" + why, 0), 0u)
        << p.out.substr(0, 200);
    EXPECT_THAT(p.out, HasSubstr("pingpong/8 [subinterp] (shared GIL: " + why + ")\n"));
    EXPECT_THAT(p.out, HasSubstr("Summary (pingpong/8 Round trip; median of per-round ratios [95% "
                                 "interval])\n  subinterp (shared GIL: " + why + ")\n"));
  }
}

TEST(ConsoleReportTest, ErrorRowsShowTheirErrorAndStderr) {
  const Printed p = print(fixture::synthetic_run());
  EXPECT_THAT(p.out, HasSubstr("crashy [subinterp]: error: killed by SIGSEGV"));
  EXPECT_THAT(p.out, HasSubstr("stderr: Fatal Python error: Segmentation fault"));
}

TEST(ConsoleReportTest, NonTimeUnitsAreHuman) {
  EXPECT_THAT(verbose(fixture::synthetic_run()).out, HasSubstr("Memory USS (mean ± σ):"));
  EXPECT_THAT(verbose(fixture::synthetic_run()).out, HasSubstr("3.00 MiB ± 0 MiB"));
  EXPECT_THAT(print(fixture::synthetic_run()).out, HasSubstr("memory: Memory USS, median of 2 rounds\n"));
  EXPECT_THAT(print(fixture::synthetic_run()).out, HasSubstr("  subinterp   3.00 MiB  —\n"));
}

TEST(ConsoleReportTest, WarningsGoToStderrAndVerdictToStdout) {
  const Printed p = print(fixture::synthetic_run());
  EXPECT_THAT(p.err, HasSubstr("warning: load average"));
  EXPECT_THAT(p.err, HasSubstr("fix:"));
  EXPECT_THAT(p.out, Not(HasSubstr("warning:")));
  EXPECT_THAT(p.out, HasSubstr("Verdict (from this run's figures only)"));
  EXPECT_THAT(p.out, HasSubstr("Why not subprocesses?"));
}

TEST(ConsoleReportTest, IncompleteRunIsSaid) {
  interpbench::Run run = fixture::synthetic_run();
  run.incomplete = true;
  run.incomplete_reason = "interrupted by SIGINT";
  EXPECT_THAT(print(run).out, HasSubstr("incomplete run: interrupted by SIGINT"));
}

// The paragraph of `text` that starts with `title` (up to the next empty line).
std::string paragraph(const std::string& text, const std::string& title) {
  const auto at = text.find(title);
  if (at == std::string::npos) return "";
  const auto end = text.find("\n\n", at);
  return text.substr(at, end == std::string::npos ? std::string::npos : end - at + 1);
}

// Lines of `text` that start with `prefix`.
std::vector<std::string> lines_starting(const std::string& text, const std::string& prefix) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(prefix, 0) == 0) out.push_back(line);
  return out;
}

// By default: a table per workload, a line per row, a column per message size with the figure
// and the paired ratio to subinterp [95% interval]; no per-result blocks, no summaries.
TEST(ConsoleTableTest, OneLinePerRowWithTheFigureAndTheRatioToSubinterpAndItsInterval) {
  const Printed p = print(fixture::synthetic_run(fixture::kSixRounds));
  EXPECT_THAT(p.out, HasSubstr("pingpong: Round trip, median of 6 rounds\n"
                               "  row            8 B                         1 KiB\n"
                               "  subinterp      100 ns  —                   1.00 µs  —\n"
                               "  subprocess     300 ns  3.00 [3.00, 3.00]   1.00 µs ~1.00 [1.00, 1.00]\n"
                               "  py-threading   200 ns  2.00 [2.00, 2.00]\n"
                               "  ratio = row / subinterp (> 1: slower), median of per-round ratios "
                               "[95% interval]; ~ not significant\n"));
  EXPECT_EQ(lines_starting(paragraph(p.out, "pingpong:"), "  subprocess ").size(), 1u);
  EXPECT_THAT(p.out, Not(HasSubstr("mean ± σ")));
  EXPECT_THAT(p.out, Not(HasSubstr("Summary (")));
  EXPECT_THAT(p.out, Not(HasSubstr("pingpong/8 [subinterp]")));
  // Then the verdict and the targets.
  EXPECT_LT(p.out.find("pingpong: Round trip"), p.out.find("Verdict (from this run's figures only)"));
}

// -v (run and report --format table): the blocks and summaries are back, before each table.
TEST(ConsoleTableTest, VerboseRestoresTheBlockPerResultAndTheSummaries) {
  const Printed p = verbose(fixture::synthetic_run(fixture::kSixRounds));
  EXPECT_THAT(p.out, HasSubstr("pingpong/8 [subinterp]\n  Round trip (mean ± σ):"));
  EXPECT_THAT(p.out, HasSubstr("Summary (pingpong/8 Round trip; median of per-round ratios"));
  EXPECT_THAT(p.out, HasSubstr("  subprocess     300 ns  3.00 [3.00, 3.00]"));
  EXPECT_LT(p.out.find("Summary (pingpong/1024"), p.out.find("pingpong: Round trip"));
}

TEST(ConsoleTableTest, ARatioWhoseIntervalHoldsOneIsMarkedNotSignificant) {
  interpbench::Run run;
  auto result = [](std::vector<double> rounds) {
    return nlohmann::json::array(
        {fixture::time_result("pingpong/8", "round_trip", fixture::per_round(rounds), {{"size_bytes", 8}})});
  };
  run.children.push_back(fixture::child("subinterp", "backend", "pingpong",
                                        result({100, 100, 100, 100, 100, 100})));
  // Per-round ratios 0.9 .. 1.1 around 1: [0.900, 1.10] holds 1.
  run.children.push_back(fixture::child("subprocess", "backend", "pingpong",
                                        result({90, 110, 95, 105, 92, 108}), "process"));
  // 3x in every round: significant.
  run.children.push_back(fixture::child("thread", "backend", "pingpong",
                                        result({300, 300, 300, 300, 300, 300})));
  const Printed p = print(run);
  EXPECT_THAT(p.out, testing::ContainsRegex("\n  subprocess +[0-9.]+ ns ~0.999 \\[0.900, 1.10\\]\n"));
  EXPECT_THAT(p.out, testing::ContainsRegex("\n  thread +300 ns  3.00 \\[3.00, 3.00\\]\n"));
  EXPECT_THAT(p.out, HasSubstr("~ not significant"));
  // Three rounds cannot reach 95%: every ratio is "~", and the legend says why.
  const Printed few = print(fixture::synthetic_run());
  EXPECT_THAT(few.out, HasSubstr("300 ns ~3.00 [3.00, 3.00]"));
  EXPECT_THAT(few.out, HasSubstr("with these few rounds an interval covers 75%, short of 95%"));
}

// objects has kinds x sizes x codecs x phases: the table keeps to the transfer phase, spreads
// the columns to fit 120 columns, and says how many it left out.
TEST(ConsoleTableTest, AWorkloadWithManyVariantsShowsASubsetThatFitsAndSaysSo) {
  interpbench::Run run;
  for (const char* row : {"subinterp", "subprocess", "py-multiprocessing-forkserver"}) {
    nlohmann::json results = nlohmann::json::array();
    for (const char* kind : {"list", "dict", "tuple"})
      for (const char* n : {"16", "256", "4096"})
        for (const char* codec : {"pickle", "marshal"})
          for (const char* phase : {"encode", "transfer", "decode"})
            results.push_back(fixture::time_result(
                fmt::format("objects/{}/{}/{}/{}", kind, n, codec, phase), phase, fixture::kSixRounds));
    run.children.push_back(fixture::child(row, "backend", "objects", results));
  }
  const Printed p = print(run);
  EXPECT_THAT(p.out, HasSubstr("objects: Transfer, median of 6 rounds\n"));
  EXPECT_THAT(p.out, HasSubstr("of 54 variants shown (Transfer)"));
  EXPECT_THAT(p.out, HasSubstr("-v or `interpbench report` show all"));
  EXPECT_THAT(p.out, HasSubstr("   list/16/pickle "));
  EXPECT_THAT(paragraph(p.out, "objects:"), Not(HasSubstr("encode")));
  EXPECT_EQ(lines_starting(paragraph(p.out, "objects:"), "  subprocess ").size(), 1u);
  std::istringstream in(paragraph(p.out, "objects:"));
  for (std::string line; std::getline(in, line);) EXPECT_LE(display_width(line), 120u) << line;
}

TEST(HumanUnitsTest, PicksTheScaleWithThreeSignificantDigits) {
  EXPECT_EQ(format_value(850, "ns"), "850 ns");
  EXPECT_EQ(format_value(1834, "ns"), "1.83 µs");
  EXPECT_EQ(format_value(3.4e6, "ns"), "3.40 ms");
  EXPECT_EQ(format_value(2.5e9, "ns"), "2.50 s");
  EXPECT_EQ(format_value(512, "KiB"), "512 KiB");
  EXPECT_EQ(format_value(3300, "KiB"), "3.22 MiB");
  EXPECT_EQ(format_value(2.5e8, "B/s"), "250 MB/s");
  EXPECT_EQ(format_value(12345, "items/s"), "12.3 k items/s");
  EXPECT_EQ(format_mean_sd(2100, 300, "ns"), "2.10 µs ± 0.30 µs");
  EXPECT_EQ(display_width("2.10 µs — σ"), 11u);
}


// extcompat's outcomes: one matrix, not a block per module; no benchmark entries, no winners.
// Without -v the modules that differ are named in one line; -v shows their matrix.
TEST(ConsoleReportTest, ExtcompatNamesTheModulesThatDifferAndVerboseShowsTheirMatrix) {
  const Printed p = print(fixture::extcompat_run());
  EXPECT_THAT(p.out, HasSubstr("Extension modules: 3 imported on 2 rows; 1 import on every row"));
  EXPECT_THAT(p.out, HasSubstr("2 import differently between rows: _curses, fx_crash (-v: the matrix)"));
  EXPECT_THAT(p.out, Not(HasSubstr("ok on every row")));
}

TEST(ConsoleReportTest, ExtcompatIsAModuleByRowMatrixMarkingWhereSubprocessDiffers) {
  const Printed p = verbose(fixture::extcompat_run());
  EXPECT_THAT(p.out, HasSubstr("Extension modules: 3 imported on 2 rows; 1 import on every row"));
  EXPECT_THAT(p.out, testing::ContainsRegex(R"(\* _curses +ImportError +ok)"));
  EXPECT_THAT(p.out, HasSubstr("\n    fx_crash  crash: SIGSEGV  crash: SIGSEGV\n"));
  EXPECT_THAT(p.out, HasSubstr("ImportError: module does not support loading in subinterpreters: _curses"));
  EXPECT_THAT(p.out, HasSubstr("ok on every row: _decimal"));
  EXPECT_THAT(p.out, HasSubstr("import in a process but not in an isolated subinterpreter: _curses"));
  const auto report = make_json_report(fixture::extcompat_run());
  EXPECT_TRUE(report["benchmarks"].empty()) << report["benchmarks"].dump();
  EXPECT_EQ(report["interpbench"]["rows"][0]["results"][1]["status"], "import_error");
  for (const auto& w : report["interpbench"]["warnings"])  // one import each: not "too few"
    EXPECT_EQ(w.get<std::string>().find("repetition"), std::string::npos) << w;
}

}  // namespace
}  // namespace interpbench
