#include "reports/compare.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "core/row_catalogue.h"
#include "reports/paired.h"
#include "core/round_statistics.h"
#include "reports/ext_matrix.h"
#include "reports/verdict_text.h"
#include "reports/shared_gil.h"
#include "core/errors.h"

namespace interpbench {
namespace {

using report::Result;
using report::Row;

struct Named {
  const Result* result;
  const std::string* row;
};

// Every result of a run keyed by benchmark_name, with its row's label, in file order.
std::vector<std::pair<std::string, Named>> results_of(const report::Run& run) {
  std::vector<std::pair<std::string, Named>> out;
  for (const auto& row : run.rows)
    for (const auto& r : row.results)
      if (!r.benchmark_name.empty() && !r.is_status())  // outcomes, not figures
        out.emplace_back(r.benchmark_name, Named{&r, &row.row});
  return out;
}

// A comparison of `n` named `name`, its figures not yet filled in.
ResultComparison comparison_of(const std::string& name, const Named& n) {
  const Result& r = *n.result;
  ResultComparison c;
  c.name = name;
  c.row = *n.row;
  c.metric = r.metric;
  c.unit = r.unit;
  c.higher_is_better = r.higher_is_better;
  return c;
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

// worse_* are candidate / base oriented so that > 1 is worse, with the interval's ends.
Verdict judge(double worse, double worse_low, double worse_high, bool reaches_level,
              std::optional<double> q, double threshold, double alpha) {
  if (std::abs(worse - 1) <= threshold) return Verdict::kUnchanged;
  if (!q || !reaches_level) return Verdict::kTooFewRepetitions;
  if (*q < alpha && worse_low > 1 + threshold) return Verdict::kRegression;
  if (*q < alpha && worse_high < 1 / (1 + threshold)) return Verdict::kImprovement;
  return Verdict::kNotSignificant;
}

std::string env_string(const nlohmann::json& section, std::initializer_list<const char*> path) {
  const nlohmann::json* j = &section;
  for (const char* key : path) {
    if (!j->is_object() || !j->contains(key)) return "";
    j = &(*j)[key];
  }
  if (j->is_string()) return j->get<std::string>();
  if (j->is_null()) return "";
  return j->dump();
}

// The probes of two runs whose means differ by more than this are worth a warning.
constexpr double kProbeShiftWarn = 0.05;

void environment_warnings(const report::Run& base, const report::Run& cand,
                          std::vector<std::string>& warnings) {
  struct Field {
    const char* label;
    nlohmann::json report::Run::*section;
    std::initializer_list<const char*> path;
  };
  const Field fields[] = {
      {"Python version", &report::Run::environment, {"python", "version"}},
      {"host", &report::Run::environment, {"host_name"}},
      {"CPU model", &report::Run::environment, {"cpu_model"}},
      {"number of CPUs", &report::Run::environment, {"num_cpus"}},
      {"interpbench build type", &report::Run::environment, {"interpbench", "build_type"}},
      {"suite", &report::Run::options, {"suite"}},
  };
  for (const auto& f : fields) {
    const auto a = env_string(base.*f.section, f.path), b = env_string(cand.*f.section, f.path);
    if (a != b)
      warnings.push_back(fmt::format(
          "the runs differ in {} ({} vs {}): differences may come from that, not from the change; "
          "compare runs made alike",
          f.label, a.empty() ? "unknown" : a, b.empty() ? "unknown" : b));
  }
  // Python's speed on the two machines (environment.python_speed, runners/speed_probe.h): the
  // probes' mean, over every probe of every CPU. An A/A pair of default runs: 2.50 and 2.74 ms
  // (+9.6%), and compare flagged 12 startup results of the slower one, +13% to +27%.
  const auto probe_mean = [](const report::Run& run) -> std::optional<double> {
    const auto& speed = run.environment.value("python_speed", nlohmann::json::object());
    const auto& probes = speed.value("probes", nlohmann::json::array());
    double sum = 0;
    std::size_t n = 0;
    for (const auto& p : probes)
      for (const auto& ms : p.value("ms", nlohmann::json::array()))
        if (ms.is_number() && ms.get<double>() > 0) {
          sum += ms.get<double>();
          ++n;
        }
    if (n < 3) return std::nullopt;
    return sum / static_cast<double>(n);
  };
  const auto base_speed = probe_mean(base), cand_speed = probe_mean(cand);
  if (base_speed && cand_speed && std::abs(*cand_speed / *base_speed - 1) > kProbeShiftWarn)
    warnings.push_back(fmt::format(
        "Python's speed differed between the runs: the speed probes averaged {:.3g} ms in the "
        "base and {:.3g} ms in the candidate ({:+.1f}%; environment.python_speed): the {} ran on "
        "a slower machine, and changes in that direction may be the machine's, by more than that "
        "where a result is all Python; `compare --run` measures both builds on the same machine "
        "state (docs/ci.md)",
        *base_speed, *cand_speed, (*cand_speed / *base_speed - 1) * 100,
        *cand_speed > *base_speed ? "candidate" : "base"));
  // Python on two CPUs at once against alone (environment.python_speed.together): the host's
  // placement of the CPUs, which a scaling or task-farm result at N = 2 measures with the row.
  const auto together = [](const report::Run& run) -> std::optional<double> {
    const auto& t = run.environment.value("python_speed", nlohmann::json::object())
                        .value("together", nlohmann::json::object());
    const auto& m = t.value("median_slowdown", nlohmann::json());
    if (!m.is_number() || t.value("probes", 0) < 3) return std::nullopt;
    return m.get<double>();
  };
  const auto base_together = together(base), cand_together = together(cand);
  if (base_together && cand_together &&
      std::abs(*cand_together / *base_together - 1) > kProbeShiftWarn)
    warnings.push_back(fmt::format(
        "the CPUs shared the host differently in the two runs: Python on two CPUs at once took "
        "{:.2f}x its time alone in the base and {:.2f}x in the candidate (medians; "
        "environment.python_speed.together): results with two workers busy at once (scaling, "
        "taskfarm, apps at N = 2) moved with that; `compare --run` measures both builds on the "
        "same machine state (docs/ci.md)",
        *base_together, *cand_together));
  for (const auto* which : {&base, &cand}) {
    if (which->incomplete)
      warnings.push_back(fmt::format(
          "the {} run is incomplete ({}): rerun it to compare everything",
          which == &base ? "base" : "candidate",
          which->incomplete_reason.empty() ? "interrupted" : which->incomplete_reason));
  }
  // A row run in another GIL mode (subinterp with --shared-gil or on Python 3.11 vs own GIL)
  // measures something else under the same name: say so once per row.
  auto gil_words = [](const Row& row) {
    const std::string why = shared_gil_reason(row);
    return (row.gil == "own" ? std::string("its own GIL per subinterpreter")
                             : fmt::format("GIL '{}'{}", row.gil, why.empty() ? "" : " (" + why + ")")) +
           (row.config.empty() ? "" : ", the " + row.config + " config");
  };
  std::map<std::string, const Row*> base_rows;
  for (const auto& row : base.rows)
    if (!row.gil.empty()) base_rows.emplace(row.row, &row);
  for (const auto& row : cand.rows) {
    const auto it = base_rows.find(row.row);
    if (it == base_rows.end() || row.gil.empty()) continue;
    // The config counts only when both runs recorded one (runs before the modes did not).
    const std::string& config = row.config;
    const std::string& base_config = it->second->config;
    if (row.gil == it->second->gil && (config.empty() || base_config.empty() || config == base_config))
      continue;
    warnings.push_back(fmt::format(
        "the {} row ran with {} in the base and {} in the candidate: its figures measure "
        "different things, not the change; compare runs made with the same GIL mode",
        it->first, gil_words(*it->second), gil_words(row)));
    base_rows.erase(it);  // once per row
  }
  // Failed candidate rows: one warning, naming the first few.
  std::vector<std::string> failed;
  for (const auto& row : cand.rows)
    if (row.error)
      failed.push_back(fmt::format("{} on {} ({})", row.row.empty() ? "?" : row.row,
                                   row.workload.empty() ? "?" : row.workload, *row.error));
  if (!failed.empty())
    warnings.push_back(fmt::format(
        "{} row(s) failed in the candidate, their results are missing: {}; fix the failures "
        "(see the run's report) before trusting the comparison",
        failed.size(), list_some(failed, 3, "; ")));

}

// What a result measures, without its row: "stream/16777216/one_way" of
// "stream/16777216/one_way/memcpy". Results of different rows with one measure are the same
// workload, size and metric.
std::string measure_of(const std::string& benchmark_name, const std::string& row) {
  const std::string suffix = "/" + row;
  if (benchmark_name.size() > suffix.size() && benchmark_name.ends_with(suffix))
    return benchmark_name.substr(0, benchmark_name.size() - suffix.size());
  return benchmark_name;
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
    case Verdict::kTooFewRepetitions: return "too few rounds";
    case Verdict::kOnlyInBase: return "missing in candidate";
    case Verdict::kOnlyInCandidate: return "new in candidate";
    case Verdict::kRunShift: return "with the whole-run shift (not gated)";
    case Verdict::kMachine: return "the machine changed (not gated)";
  }
  return "?";
}

bool CompareResult::has_regression() const {
  if (overall_verdict == Verdict::kRegression) return true;
  return std::any_of(results.begin(), results.end(),
                     [](const auto& r) { return r.verdict == Verdict::kRegression; });
}

bool CompareResult::compared_nothing() const {
  return std::none_of(results.begin(), results.end(), [](const auto& r) {
    return r.verdict != Verdict::kOnlyInBase && r.verdict != Verdict::kOnlyInCandidate;
  });
}

CompareResult compare_reports(const nlohmann::json& base, const nlohmann::json& candidate,
                              double threshold, double alpha, bool paired) {
  return compare_reports(report::load_run(base), report::load_run(candidate), threshold, alpha,
                         paired);
}

CompareResult compare_reports(const report::Run& base, const report::Run& candidate,
                              double threshold, double alpha, bool paired) {
  CompareResult out;
  out.threshold = threshold;
  out.alpha = alpha;
  out.paired = paired;
  const auto base_results = results_of(base);
  const auto cand_results = results_of(candidate);
  std::map<std::string, Named> cand_by_name;
  for (const auto& [name, r] : cand_results) cand_by_name.emplace(name, r);
  std::map<std::string, bool> seen;

  std::vector<double> worse_ratios;
  std::vector<std::size_t> tested;  // indices into out.results with a p-value
  std::vector<RatioEstimate> estimates;
  std::size_t fewest = SIZE_MAX;
  for (const auto& [name, named] : base_results) {
    seen[name] = true;
    const Result* b = named.result;
    ResultComparison c = comparison_of(name, named);
    c.base_mean = b->figure;
    const auto& b_rounds = b->by_round;
    c.base_repetitions = b->rounds_with_value();
    const auto it = cand_by_name.find(name);
    if (it == cand_by_name.end()) {
      c.verdict = Verdict::kOnlyInBase;
      out.results.push_back(c);
      estimates.emplace_back();
      continue;
    }
    const Result& k = *it->second.result;
    c.candidate_mean = k.figure;
    const auto& k_rounds = k.by_round;
    c.candidate_repetitions = k.rounds_with_value();
    // candidate / base: per round when both ran in the same rounds, else two samples of rounds.
    const RatioEstimate est = paired ? paired_ratio(k_rounds, b_rounds)
                                     : hodges_lehmann_ratio(b_rounds, k_rounds);
    c.change = est.ratio - 1;
    c.change_low = est.low - 1;
    c.change_high = est.high - 1;
    if (c.base_repetitions >= 2 && c.candidate_repetitions >= 2 && est.n > 0) {
      c.p_value = est.p_value;
      tested.push_back(out.results.size());
    }
    fewest = std::min({fewest, c.base_repetitions, c.candidate_repetitions});
    if (est.ratio > 0) {
      const double worse_ratio = c.higher_is_better ? 1 / est.ratio : est.ratio;
      worse_ratios.push_back(worse_ratio);
      if (worse_ratio > 1) ++out.overall_worse;
      if (worse_ratio < 1) ++out.overall_better;
    }
    out.results.push_back(c);
    estimates.push_back(est);
  }
  // Benjamini-Hochberg over every result that has a test: with ~1,000 results, 50 would pass
  // p < 0.05 by chance alone.
  std::vector<double> p_values;
  for (std::size_t i : tested) p_values.push_back(*out.results[i].p_value);
  const std::vector<double> q_values = benjamini_hochberg(p_values);
  for (std::size_t j = 0; j < tested.size(); ++j) out.results[tested[j]].q_value = q_values[j];
  std::size_t untestable = 0;
  std::vector<std::string> machine;  // results of rows that run no interpbench code that moved
  // Each machine result that moved, by its benchmark_name without the row ("stream/16777216/
  // one_way"): its verdict and the interval of its worse ratio.
  struct MachineMove {
    Verdict verdict;
    double worse_low, worse_high;
    std::string text;
  };
  std::map<std::string, MachineMove> machine_by_measure;
  std::vector<std::pair<double, double>> worse_interval(out.results.size());
  for (std::size_t i = 0; i < out.results.size(); ++i) {
    auto& c = out.results[i];
    if (c.verdict == Verdict::kOnlyInBase) continue;
    const RatioEstimate& e = estimates[i];
    const bool hib = c.higher_is_better;
    const double worse = hib ? 1 / e.ratio : e.ratio;
    const double worse_low = hib ? 1 / e.high : e.low, worse_high = hib ? 1 / e.low : e.high;
    worse_interval[i] = {worse_low, worse_high};
    c.verdict = judge(worse, worse_low, worse_high, e.reaches_level, c.q_value, threshold, alpha);
    if (c.verdict == Verdict::kTooFewRepetitions) ++untestable;
    // A reference that runs no interpbench code (floor-line's cache line, memcpy) changed: the
    // machine did (an A/A pair of default runs: floor-line 120 -> 130 ns, +8.3%, every round).
    if ((c.verdict == Verdict::kRegression || c.verdict == Verdict::kImprovement) &&
        measures_the_machine(c.row)) {
      const MachineMove& move = machine_by_measure[measure_of(c.name, c.row)] = {
          c.verdict, worse_low, worse_high,
          fmt::format("{} {:+.1f}% [{:+.1f}, {:+.1f}]", c.name, c.change * 100,
                      c.change_low * 100, c.change_high * 100)};
      c.verdict = Verdict::kMachine;
      machine.push_back(move.text);
    }
  }
  if (!machine.empty())
    out.warnings.push_back(fmt::format(
        "the machine changed between the runs: {}, {} that run{} no interpbench code; figures "
        "that bounce cache lines or copy memory may have moved with it; not gated",
        list_some(machine, 3, "; "), machine.size() == 1 ? "a reference" : "references",
        machine.size() == 1 ? "s" : ""));
  // Two separate runs: a result that moved the way the machine's own figure of the same
  // measurement did (the same workload, size and metric; memcpy beside a 16 MiB stream), by an
  // amount its interval can't tell from the machine's, moved with the machine. Measured: an A/A
  // pair of default runs whose memcpy 16 MiB was +29.1% [+15.6, +41.8] flagged subprocess's 16 MiB
  // stream, +25.0% [+16.2, +40.3], as a regression. In A/B mode both builds share each round's
  // machine, so a change there is the build's.
  std::vector<std::string> with_machine;
  if (!paired && !machine_by_measure.empty()) {
    for (std::size_t i = 0; i < out.results.size(); ++i) {
      auto& c = out.results[i];
      if (c.verdict != Verdict::kRegression && c.verdict != Verdict::kImprovement) continue;
      const auto m = machine_by_measure.find(measure_of(c.name, c.row));
      if (m == machine_by_measure.end() || m->second.verdict != c.verdict) continue;
      const auto [low, high] = worse_interval[i];
      if (low > m->second.worse_high || high < m->second.worse_low) continue;
      c.verdict = Verdict::kMachine;
      with_machine.push_back(fmt::format("{} {:+.1f}% [{:+.1f}, {:+.1f}] (beside {})", c.name,
                                         c.change * 100, c.change_low * 100,
                                         c.change_high * 100, m->second.text));
    }
  }
  if (!with_machine.empty())
    out.warnings.push_back(fmt::format(
        "{} result(s) moved as the machine's own figure of the same measurement did, by as much "
        "as its interval can tell: {}; counted as the machine's change, not gated (two separate "
        "runs; `compare --run` measures both builds on the same machine state)",
        with_machine.size(), list_some(with_machine, 3, "; ")));
  for (const auto& [name, named] : cand_results) {
    if (seen.count(name)) continue;
    const Result* k = named.result;
    ResultComparison c = comparison_of(name, named);
    c.candidate_mean = k->figure;
    c.candidate_repetitions = k->rounds_with_value();
    c.verdict = Verdict::kOnlyInCandidate;
    out.results.push_back(c);
  }

  // Whole run: the median ratio with its order-statistic interval. The median, not the
  // geometric mean: a few results near zero (memory deltas of a few KiB) swing by 10x from run
  // to run and would dominate a mean of ratios.
  const std::size_t ratio_n = worse_ratios.size();
  if (ratio_n > 0) {
    std::sort(worse_ratios.begin(), worse_ratios.end());
    const MedianInterval mi = median_interval(worse_ratios);
    out.overall_worse_ratio = ratio_n % 2 ? worse_ratios[ratio_n / 2]
                                          : std::sqrt(worse_ratios[ratio_n / 2 - 1] *
                                                      worse_ratios[ratio_n / 2]);
    out.overall_low = mi.low;
    out.overall_high = mi.high;
    out.overall_p_value = sign_test_p(out.overall_worse, out.overall_better);
    out.overall_verdict = judge(out.overall_worse_ratio, mi.low, mi.high, mi.reaches_level,
                                out.overall_p_value, threshold, alpha);
    // Two separate runs: every result of a run shares the machine's state of those minutes, so
    // a shift of the whole run is as likely the host as the change (measured: 7% and 15% between
    // two default runs of one build, docs/performance.md). Said, not gated.
    if (!paired && (out.overall_verdict == Verdict::kRegression ||
                    out.overall_verdict == Verdict::kImprovement)) {
      // The results that moved the way the whole run did can't be told from it either: said
      // as part of the shift, not gated. A result that moved against the run still counts.
      const Verdict with_run = out.overall_verdict;
      std::size_t absorbed = 0;
      for (auto& c : out.results)
        if (c.verdict == with_run) {
          c.verdict = Verdict::kRunShift;
          ++absorbed;
        }
      out.overall_verdict = Verdict::kRunShift;
      if (absorbed > 0)
        out.warnings.push_back(fmt::format(
            "{} result(s) changed beyond the threshold the way the whole run did: counted as part "
            "of the whole-run shift, not gated",
            absorbed));
      out.warnings.push_back(fmt::format(
          "the whole candidate run is {:+.1f}% [{:+.1f}, {:+.1f}] off the base: two separate runs "
          "can't tell a change from the machine moving between them (it does, on VMs and cloud "
          "runners); not gated: measure both builds in the same rounds with `compare --run "
          "BASE_BINARY CANDIDATE_BINARY` (docs/ci.md)",
          (out.overall_worse_ratio - 1) * 100, (mi.low - 1) * 100, (mi.high - 1) * 100));
    }
  }

  if (untestable > 0)
    out.warnings.push_back(fmt::format(
        "{} result(s) changed beyond {:.3g}% but have too few rounds for a 95% interval (fewest: "
        "{}): rerun both with --rounds 6 or more",
        untestable, threshold * 100, fewest));
  if (!paired && !tested.empty())
    out.warnings.push_back(
        "two separate runs: a slow spell of the machine in one run shows as a change; `interpbench "
        "compare --run BASE_BINARY CANDIDATE_BINARY` measures both builds in the same rounds "
        "(docs/ci.md)");
  const auto missing = std::count_if(out.results.begin(), out.results.end(), [](const auto& r) {
    return r.verdict == Verdict::kOnlyInBase;
  });
  if (missing > 0)
    out.warnings.push_back(fmt::format(
        "{} result(s) of the base are missing in the candidate (a row failed, was skipped or not "
        "run): run the same rows and workloads in both",
        missing));
  if (out.compared_nothing())
    out.warnings.push_back(
        "no result is present in both runs: nothing was compared, so the gate fails (exit 1); "
        "check that the candidate's rows ran (its run's errors) and that both ran the same workloads");
  environment_warnings(base, candidate, out.warnings);
  return out;
}

}  // namespace interpbench

namespace interpbench {

namespace {

// Compare keys results by benchmark_name: a result without one is bad input naming its file.
report::Run load_for_compare(const std::string& path) {
  report::Run run = report::load_run(std::filesystem::path(path));
  for (const auto& row : run.rows)
    for (const auto& r : row.results)
      if (r.benchmark_name.empty())
        throw BadInput(fmt::format("{}: result ?: no 'benchmark_name' string", path));
  return run;
}

}  // namespace

int run_compare(const CompareOptions& options, std::ostream& out) {
  if (options.format != "table" && options.format != "json" && options.format != "md")
    throw BadInput(fmt::format("unknown compare format '{}': expected table, json or md",
                               options.format));
  if (!(options.alpha > 0 && options.alpha < 1))
    throw BadInput(fmt::format("bad alpha {}: expected a number between 0 and 1", options.alpha));
  const auto base = load_for_compare(options.base_path);
  const auto candidate = load_for_compare(options.candidate_path);
  const auto result = compare_reports(base, candidate, options.threshold, options.alpha);
  if (options.format == "json")
    out << compare_to_json(result, options).dump(2) << "\n";
  else if (options.format == "md")
    out << format_compare_markdown(result, options);
  else
    out << format_compare_table(result, options);
  return result.fails() ? 1 : 0;
}

}  // namespace interpbench
