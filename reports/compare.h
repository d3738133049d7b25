#pragma once
// `interpbench compare BASE.json CAND.json`: matches results by benchmark_name; the unit of
// evidence is the round (docs/design.md, "Rounds"), never the samples inside one child, which
// share the machine's state of that second. Two separate runs: the Hodges-Lehmann change of the
// round values with its Moses interval and a Mann-Whitney U p-value. A/B (`compare --run`, both
// builds in the same rounds): the median of the per-round ratios candidate / base with its
// order-statistic interval and a sign-test p-value. p-values are corrected for the number of
// results tested (Benjamini-Hochberg at alpha). A result is a regression only when its whole
// interval of change lies beyond the threshold and its corrected p-value is below alpha. The
// whole-run row (OVERALL, the median change with its interval) gates the same way in A/B mode;
// for two separate runs it is reported (kRunShift) but does not gate, since a machine whose speed
// drifts from minute to minute moves every result of a run alike. A change of a row that runs no
// interpbench code (floor-line, memcpy) is the machine's, not gated; for two separate runs so is
// a change of another row's result of the same measurement that the machine's interval can't
// tell apart from it (docs/ci.md).
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/report_model.h"

namespace interpbench {

struct CompareOptions {
  std::string base_path;
  std::string candidate_path;
  double threshold = 0.05;  // fraction: 0.05 = 5%
  double alpha = 0.05;
  std::string format = "table";  // table | json | md
};

// "5%", "5" -> 0.05; "0.5%" -> 0.005. Throws BadInput on anything else (negative, not a number).
double parse_percent(std::string_view text);

enum class Verdict {
  kRegression,         // the interval of change lies beyond +threshold and q < alpha
  kImprovement,        // the interval lies beyond -threshold and q < alpha
  kNotSignificant,     // the median change is beyond the threshold, the interval is not
  kUnchanged,          // the median change is within the threshold
  kTooFewRepetitions,  // beyond the threshold, but too few rounds for a 95% interval
  kOnlyInBase,         // missing (or failed) in the candidate
  kOnlyInCandidate,    // new in the candidate
  kRunShift,           // two separate runs whose whole run moved beyond the threshold: OVERALL,
                       // and each result that moved the same way; the machine may have moved
                       // between the runs; said, not gated (docs/ci.md)
  kMachine,            // a significant change of a row that runs no interpbench code (floor-line,
                       // memcpy: RowInfo::measures_the_machine): the machine changed; said, not
                       // gated
};
std::string_view verdict_name(Verdict v);  // "regression", "not significant", ...

struct ResultComparison {
  std::string name;  // benchmark_name, e.g. "pingpong/8/round_trip/subinterp"
  std::string row;   // its row's label, e.g. "subinterp", "floor-line"
  std::string metric, unit;
  bool higher_is_better = false;
  double base_mean = 0, candidate_mean = 0;  // the figures: medians over rounds
  double change = 0;  // candidate / base - 1, as estimated (median paired ratio, or HL)
  double change_low = 0, change_high = 0;     // its 95% interval
  std::size_t base_repetitions = 0, candidate_repetitions = 0;  // rounds with a value
  std::optional<double> p_value;  // absent when either side has fewer than 2 rounds
  std::optional<double> q_value;  // p corrected over every result tested (Benjamini-Hochberg)
  Verdict verdict = Verdict::kUnchanged;
};

struct CompareResult {
  std::vector<ResultComparison> results;
  // Whole run: median of the per-result ratios, oriented so that > 1 is worse, with the
  // order-statistic interval of that median, and a two-sided sign test over the directions.
  double overall_worse_ratio = 1;
  double overall_low = 1, overall_high = 1;
  bool paired = false;
  std::size_t overall_worse = 0, overall_better = 0;
  double overall_p_value = 1;
  Verdict overall_verdict = Verdict::kUnchanged;
  std::vector<std::string> warnings;  // each with its fix
  double threshold = 0.05, alpha = 0.05;

  bool has_regression() const;
  // No result was measured in both runs (the candidate's rows all failed, or the runs measured
  // different things): nothing was gated, so a gate must not pass.
  bool compared_nothing() const;
  // What the exit code says: a regression, or nothing compared.
  bool fails() const { return has_regression() || compared_nothing(); }
};

// Pure comparison of two loaded runs.
CompareResult compare_reports(const report::Run& base, const report::Run& candidate,
                              double threshold, double alpha, bool paired = false);
// The same from two run JSONs (report::load_run).
CompareResult compare_reports(const nlohmann::json& base, const nlohmann::json& candidate,
                              double threshold, double alpha, bool paired = false);

std::string format_compare_table(const CompareResult& r, const CompareOptions& o);
std::string format_compare_markdown(const CompareResult& r, const CompareOptions& o);
nlohmann::json compare_to_json(const CompareResult& r, const CompareOptions& o);

// The command: loads both files (report::load_run: BadInput naming the file), compares, writes the
// chosen format to `out`. Returns 0 (no significant regression) or 1 (regression found);
// bad input throws BadInput, which main turns into one line on stderr and exit 2.
int run_compare(const CompareOptions& options, std::ostream& out);

}  // namespace interpbench
