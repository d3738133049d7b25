#pragma once
// `interpbench compare BASE.json CAND.json`: matches results by benchmark_name, gives each the
// change of its mean and a two-sided Mann-Whitney U test over the repetition means (as
// google/benchmark's tools/compare.py does), and flags a regression only when the change is both
// beyond the threshold and significant. The whole-run row (OVERALL, the median change) also gates, so that a
// run-wide slowdown is caught even where each result has too few repetitions for its own test.
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

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
  kRegression,         // worse beyond the threshold and p < alpha
  kImprovement,        // better beyond the threshold and p < alpha
  kNotSignificant,     // beyond the threshold, p >= alpha
  kUnchanged,          // within the threshold
  kTooFewRepetitions,  // beyond the threshold, but no p-value below alpha is possible
  kOnlyInBase,         // missing (or failed) in the candidate
  kOnlyInCandidate,    // new in the candidate
};
std::string_view verdict_name(Verdict v);  // "regression", "not significant", ...

struct ResultComparison {
  std::string name;  // benchmark_name, e.g. "pingpong/8/round_trip/subinterp"
  std::string metric, unit;
  bool higher_is_better = false;
  double base_mean = 0, candidate_mean = 0;
  double change = 0;  // (candidate - base) / base
  std::size_t base_repetitions = 0, candidate_repetitions = 0;
  std::optional<double> p_value;  // absent when either side has fewer than 2 repetitions
  Verdict verdict = Verdict::kUnchanged;
};

struct CompareResult {
  std::vector<ResultComparison> results;
  // Whole run: median of the per-result ratios, oriented so that > 1 is worse, and a
  // two-sided sign test over the direction of every non-zero change.
  double overall_worse_ratio = 1;
  std::size_t overall_worse = 0, overall_better = 0;
  double overall_p_value = 1;
  Verdict overall_verdict = Verdict::kUnchanged;
  std::vector<std::string> warnings;  // each with its fix
  double threshold = 0.05, alpha = 0.05;

  bool has_regression() const;
};

// Pure comparison of two loaded (validated) reports.
CompareResult compare_reports(const nlohmann::json& base, const nlohmann::json& candidate,
                              double threshold, double alpha);

std::string format_compare_table(const CompareResult& r, const CompareOptions& o);
std::string format_compare_markdown(const CompareResult& r, const CompareOptions& o);
nlohmann::json compare_to_json(const CompareResult& r, const CompareOptions& o);

// The command: loads both files (load_report: BadInput naming the file), compares, writes the
// chosen format to `out`. Returns 0 (no significant regression) or 1 (regression found);
// bad input throws BadInput, which main turns into one line on stderr and exit 2.
int run_compare(const CompareOptions& options, std::ostream& out);

}  // namespace interpbench
