#include "reports/compare.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "reports/json_report.h"
#include "reports/mann_whitney.h"
#include "reports/ext_matrix.h"
#include "reports/shared_gil.h"
#include "runners/errors.h"

namespace interpbench {
namespace {

// google/benchmark's tools/gbench/report.py: below 9 repetitions its U test warns that the
// p-value is unreliable (UTEST_OPTIMAL_REPETITIONS); below 2 there is no test at all.
constexpr std::size_t kOptimalRepetitions = 9;
constexpr std::size_t kMinRepetitions = 2;

// A string field, or `fallback` when absent or of another type (these only label output).
std::string text_or(const nlohmann::json& j, const char* key, const char* fallback) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>()
                                                                : fallback;
}

struct Entry {
  const nlohmann::json* result;
  std::string row, workload;
};

// Every result of a report keyed by benchmark_name, in file order.
std::vector<std::pair<std::string, Entry>> results_of(const nlohmann::json& report) {
  std::vector<std::pair<std::string, Entry>> out;
  for (const auto& row : report.at("interpbench").at("rows")) {
    if (!row.contains("results") || !row["results"].is_array()) continue;
    for (const auto& r : row["results"]) {
      if (!r.contains("benchmark_name") || is_status_result(r)) continue;  // outcomes, not figures
      out.emplace_back(r["benchmark_name"].get<std::string>(),
                       Entry{&r, text_or(row, "row", ""), text_or(row, "workload", "")});
    }
  }
  return out;
}

std::vector<double> repetition_means_of(const nlohmann::json& r) {
  std::vector<double> v;
  if (r.contains("repetition_means") && r["repetition_means"].is_array())
    for (const auto& x : r["repetition_means"])
      if (x.is_number()) v.push_back(x.get<double>());
  return v;
}

double mean_of(const nlohmann::json& r) {
  if (r.contains("summary") && r["summary"].contains("mean") && r["summary"]["mean"].is_number())
    return r["summary"]["mean"].get<double>();
  const auto means = repetition_means_of(r);
  if (means.empty()) return 0;
  double s = 0;
  for (double m : means) s += m;
  return s / static_cast<double>(means.size());
}

// The smallest two-sided p-value a U test can give for these sample sizes: both samples fully
// separated, 2 / C(n1 + n2, n1). At or above alpha no result can ever be significant.
double smallest_p(std::size_t n1, std::size_t n2) {
  const double log_c = std::lgamma(static_cast<double>(n1 + n2) + 1) -
                       std::lgamma(static_cast<double>(n1) + 1) -
                       std::lgamma(static_cast<double>(n2) + 1);
  return std::min(1.0, 2.0 * std::exp(-log_c));
}

// Repetitions per side needed so that a fully separated pair of samples reaches p < alpha.
std::size_t repetitions_needed(double alpha) {
  std::size_t n = kMinRepetitions;
  while (smallest_p(n, n) >= alpha && n < 1000) ++n;
  return n;
}

// Two-sided exact sign test: P(at least this lopsided | each direction equally likely).
double sign_test_p(std::size_t worse, std::size_t better) {
  const std::size_t n = worse + better;
  if (n == 0) return 1;
  const std::size_t k = std::min(worse, better);
  double tail = 0;
  for (std::size_t i = 0; i <= k; ++i) {
    const double log_term = std::lgamma(static_cast<double>(n) + 1) -
                            std::lgamma(static_cast<double>(i) + 1) -
                            std::lgamma(static_cast<double>(n - i) + 1) -
                            static_cast<double>(n) * std::log(2.0);
    tail += std::exp(log_term);
  }
  return std::min(1.0, 2.0 * tail);
}

Verdict judge(double change, bool higher_is_better, std::optional<double> p, bool testable,
              double threshold, double alpha) {
  const double worse_by = higher_is_better ? -change : change;
  if (std::abs(worse_by) <= threshold) return Verdict::kUnchanged;
  if (!p || !testable) return Verdict::kTooFewRepetitions;
  if (*p >= alpha) return Verdict::kNotSignificant;
  return worse_by > 0 ? Verdict::kRegression : Verdict::kImprovement;
}

std::string env_string(const nlohmann::json& report, std::initializer_list<const char*> path) {
  const nlohmann::json* j = &report;
  for (const char* key : path) {
    if (!j->is_object() || !j->contains(key)) return "";
    j = &(*j)[key];
  }
  if (j->is_string()) return j->get<std::string>();
  if (j->is_null()) return "";
  return j->dump();
}

void environment_warnings(const nlohmann::json& base, const nlohmann::json& cand,
                          std::vector<std::string>& warnings) {
  struct Field {
    const char* label;
    std::initializer_list<const char*> path;
  };
  const Field fields[] = {
      {"Python version", {"interpbench", "environment", "python", "version"}},
      {"host", {"interpbench", "environment", "host_name"}},
      {"CPU model", {"interpbench", "environment", "cpu_model"}},
      {"number of CPUs", {"interpbench", "environment", "num_cpus"}},
      {"interpbench build type", {"interpbench", "environment", "interpbench", "build_type"}},
      {"suite", {"interpbench", "options", "suite"}},
  };
  for (const auto& f : fields) {
    const auto a = env_string(base, f.path), b = env_string(cand, f.path);
    if (a != b)
      warnings.push_back(fmt::format(
          "the runs differ in {} ({} vs {}): differences may come from that, not from the change; "
          "compare runs made alike",
          f.label, a.empty() ? "unknown" : a, b.empty() ? "unknown" : b));
  }
  for (const auto* which : {&base, &cand}) {
    const auto& ib = (*which)["interpbench"];
    if (ib.contains("incomplete") && ib["incomplete"] == true)
      warnings.push_back(fmt::format("the {} run is incomplete ({}): rerun it to compare everything",
                                     which == &base ? "base" : "candidate",
                                     text_or(ib, "incomplete_reason", "interrupted")));
  }
  // A row run in another GIL mode (subinterp with --shared-gil or on Python 3.11 vs own GIL)
  // measures something else under the same name: say so once per row.
  auto gil_words = [](const nlohmann::json& row) {
    const std::string gil = text_or(row, "gil", "");
    const std::string why = shared_gil_reason(row);
    const std::string config = text_or(row, "config", "");
    return (gil == "own" ? std::string("its own GIL per subinterpreter")
                         : fmt::format("GIL '{}'{}", gil, why.empty() ? "" : " (" + why + ")")) +
           (config.empty() ? "" : ", the " + config + " config");
  };
  std::map<std::string, const nlohmann::json*> base_rows;
  for (const auto& row : base["interpbench"]["rows"])
    if (row.contains("gil") && row["gil"].is_string()) base_rows.emplace(text_or(row, "row", ""), &row);
  for (const auto& row : cand["interpbench"]["rows"]) {
    const auto it = base_rows.find(text_or(row, "row", ""));
    if (it == base_rows.end() || !row.contains("gil") || !row["gil"].is_string()) continue;
    // The config counts only when both runs recorded one (runs before the modes did not).
    const std::string config = text_or(row, "config", ""), base_config = text_or(*it->second, "config", "");
    if (row["gil"] == (*it->second)["gil"] && (config.empty() || base_config.empty() || config == base_config))
      continue;
    warnings.push_back(fmt::format(
        "the {} row ran with {} in the base and {} in the candidate: its figures measure "
        "different things, not the change; compare runs made with the same GIL mode",
        it->first, gil_words(*it->second), gil_words(row)));
    base_rows.erase(it);  // once per row
  }
  // Failed candidate rows: one warning, naming the first few.
  std::vector<std::string> failed;
  for (const auto& row : cand["interpbench"]["rows"])
    if (row.contains("error") && row["error"].is_string())
      failed.push_back(fmt::format("{} on {} ({})", text_or(row, "row", "?"),
                                   text_or(row, "workload", "?"), row["error"].get<std::string>()));
  if (!failed.empty()) {
    constexpr std::size_t kShown = 3;
    std::string list;
    for (std::size_t i = 0; i < std::min(kShown, failed.size()); ++i)
      list += (i ? "; " : "") + failed[i];
    if (failed.size() > kShown) list += fmt::format("; and {} more", failed.size() - kShown);
    warnings.push_back(fmt::format(
        "{} row(s) failed in the candidate, their results are missing: {}; fix the failures "
        "(see the run's report) before trusting the comparison",
        failed.size(), list));
  }

}

}  // namespace

double parse_percent(std::string_view text) {
  std::string_view digits = text;
  if (!digits.empty() && digits.back() == '%') digits.remove_suffix(1);
  double value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || value < 0 ||
      !std::isfinite(value))
    throw BadInput(fmt::format("bad threshold '{}': expected a percentage such as 5%", text));
  return value / 100.0;
}

std::string_view verdict_name(Verdict v) {
  switch (v) {
    case Verdict::kRegression: return "REGRESSION";
    case Verdict::kImprovement: return "improvement";
    case Verdict::kNotSignificant: return "not significant";
    case Verdict::kUnchanged: return "unchanged";
    case Verdict::kTooFewRepetitions: return "too few repetitions";
    case Verdict::kOnlyInBase: return "missing in candidate";
    case Verdict::kOnlyInCandidate: return "new in candidate";
  }
  return "?";
}

bool CompareResult::has_regression() const {
  if (overall_verdict == Verdict::kRegression) return true;
  return std::any_of(results.begin(), results.end(),
                     [](const auto& r) { return r.verdict == Verdict::kRegression; });
}

CompareResult compare_reports(const nlohmann::json& base, const nlohmann::json& candidate,
                              double threshold, double alpha) {
  CompareResult out;
  out.threshold = threshold;
  out.alpha = alpha;
  const auto base_results = results_of(base);
  const auto cand_results = results_of(candidate);
  std::map<std::string, const Entry*> cand_by_name;
  for (const auto& [name, e] : cand_results) cand_by_name.emplace(name, &e);
  std::map<std::string, bool> seen;

  std::vector<double> worse_ratios;
  std::size_t untestable = 0, few = 0;
  std::size_t fewest = SIZE_MAX;
  for (const auto& [name, be] : base_results) {
    seen[name] = true;
    ResultComparison c;
    c.name = name;
    const auto& b = *be.result;
    c.metric = text_or(b, "metric", "");
    c.unit = text_or(b, "unit", "");
    c.higher_is_better = b.value("higher_is_better", false);
    c.base_mean = mean_of(b);
    const auto b_means = repetition_means_of(b);
    c.base_repetitions = b_means.size();
    const auto it = cand_by_name.find(name);
    if (it == cand_by_name.end()) {
      c.verdict = Verdict::kOnlyInBase;
      out.results.push_back(c);
      continue;
    }
    const auto& k = *it->second->result;
    c.candidate_mean = mean_of(k);
    const auto k_means = repetition_means_of(k);
    c.candidate_repetitions = k_means.size();
    c.change = c.base_mean != 0 ? (c.candidate_mean - c.base_mean) / std::abs(c.base_mean) : 0;
    bool testable = false;
    if (c.base_repetitions >= kMinRepetitions && c.candidate_repetitions >= kMinRepetitions) {
      c.p_value = mann_whitney_u(b_means, k_means).p_value;
      testable = smallest_p(c.base_repetitions, c.candidate_repetitions) < alpha;
    }
    fewest = std::min({fewest, c.base_repetitions, c.candidate_repetitions});
    if (std::min(c.base_repetitions, c.candidate_repetitions) < kOptimalRepetitions) ++few;
    c.verdict = judge(c.change, c.higher_is_better, c.p_value, testable, threshold, alpha);
    if (c.verdict == Verdict::kTooFewRepetitions) ++untestable;

    if (c.base_mean > 0 && c.candidate_mean > 0) {
      const double worse_ratio = c.higher_is_better ? c.base_mean / c.candidate_mean
                                                    : c.candidate_mean / c.base_mean;
      worse_ratios.push_back(worse_ratio);
      if (worse_ratio > 1) ++out.overall_worse;
      if (worse_ratio < 1) ++out.overall_better;
    }
    out.results.push_back(c);
  }
  for (const auto& [name, ke] : cand_results) {
    if (seen.count(name)) continue;
    ResultComparison c;
    c.name = name;
    c.metric = text_or(*ke.result, "metric", "");
    c.unit = text_or(*ke.result, "unit", "");
    c.higher_is_better = ke.result->value("higher_is_better", false);
    c.candidate_mean = mean_of(*ke.result);
    c.candidate_repetitions = repetition_means_of(*ke.result).size();
    c.verdict = Verdict::kOnlyInCandidate;
    out.results.push_back(c);
  }

  // Whole run: the median ratio, significant by a sign test over the results' directions. The
  // median, not the geometric mean: a few results near zero (memory deltas of a few KiB) swing
  // by 10x from run to run and would dominate a mean of ratios.
  const std::size_t ratio_n = worse_ratios.size();
  if (ratio_n > 0) {
    std::sort(worse_ratios.begin(), worse_ratios.end());
    out.overall_worse_ratio = ratio_n % 2 ? worse_ratios[ratio_n / 2]
                                          : std::sqrt(worse_ratios[ratio_n / 2 - 1] *
                                                      worse_ratios[ratio_n / 2]);
  }
  out.overall_p_value = sign_test_p(out.overall_worse, out.overall_better);
  const double overall_change = out.overall_worse_ratio - 1;
  // Testable when even a unanimous direction over this many results could reach alpha.
  out.overall_verdict = judge(overall_change, false, out.overall_p_value,
                              sign_test_p(ratio_n, 0) < alpha, threshold, alpha);

  if (untestable > 0)
    out.warnings.push_back(fmt::format(
        "{} result(s) changed beyond {:.3g}% but have too few repetitions for a p-value below "
        "{:.3g}: rerun both with --repetitions {} or more",
        untestable, threshold * 100, alpha, std::max(repetitions_needed(alpha), kOptimalRepetitions)));
  else if (few > 0)
    out.warnings.push_back(fmt::format(
        "{} result(s) have fewer than {} repetitions (fewest: {}); the U test's p-values are "
        "unreliable that way (google/benchmark's advice): rerun with --repetitions {}",
        few, kOptimalRepetitions, fewest, kOptimalRepetitions));
  const auto missing = std::count_if(out.results.begin(), out.results.end(), [](const auto& r) {
    return r.verdict == Verdict::kOnlyInBase;
  });
  if (missing > 0)
    out.warnings.push_back(fmt::format(
        "{} result(s) of the base are missing in the candidate (a row failed, was skipped or not "
        "run): run the same rows and workloads in both",
        missing));
  if (ratio_n == 0 && !base_results.empty())
    out.warnings.push_back("no result is present in both runs: nothing to compare");
  environment_warnings(base, candidate, out.warnings);
  return out;
}

}  // namespace interpbench

namespace interpbench {

namespace {

// load_report checks the file's shape; this checks the fields compare reads, so that a
// hand-edited or foreign result is bad input naming its file, not an exception from deep inside.
void check_results(const nlohmann::json& report, const std::string& path) {
  for (const auto& row : report["interpbench"]["rows"]) {
    for (const auto& r : row["results"]) {
      const auto bad = [&](const char* what) {
        return BadInput(fmt::format("{}: result {}: {}", path,
                                    r.contains("benchmark_name") ? r["benchmark_name"].dump() : "?",
                                    what));
      };
      if (!r.is_object() || !r.contains("benchmark_name") || !r["benchmark_name"].is_string())
        throw bad("no 'benchmark_name' string");
      for (const char* key : {"metric", "unit"})
        if (r.contains(key) && !r[key].is_string()) throw bad("'metric'/'unit' is not a string");
      if (r.contains("higher_is_better") && !r["higher_is_better"].is_boolean())
        throw bad("'higher_is_better' is not true/false");
      if (r.contains("summary") && !r["summary"].is_object()) throw bad("'summary' is not an object");
      if (r.contains("repetition_means") && !r["repetition_means"].is_array())
        throw bad("'repetition_means' is not a list");
    }
  }
}

}  // namespace

int run_compare(const CompareOptions& options, std::ostream& out) {
  if (options.format != "table" && options.format != "json" && options.format != "md")
    throw BadInput(fmt::format("unknown compare format '{}': expected table, json or md",
                               options.format));
  if (!(options.alpha > 0 && options.alpha < 1))
    throw BadInput(fmt::format("bad alpha {}: expected a number between 0 and 1", options.alpha));
  const auto base = load_report(options.base_path);
  const auto candidate = load_report(options.candidate_path);
  check_results(base, options.base_path);
  check_results(candidate, options.candidate_path);
  const auto result = compare_reports(base, candidate, options.threshold, options.alpha);
  if (options.format == "json")
    out << compare_to_json(result, options).dump(2) << "\n";
  else if (options.format == "md")
    out << format_compare_markdown(result, options);
  else
    out << format_compare_table(result, options);
  return result.has_regression() ? 1 : 0;
}

}  // namespace interpbench
