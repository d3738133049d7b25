// Renderings of a CompareResult: a terminal table, Markdown for PR comments, JSON for tools.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/human_units.h"

#include "core/utf8.h"
#include "reports/compare.h"

namespace interpbench {
namespace {

bool has_candidate(const ResultComparison& c) { return c.verdict != Verdict::kOnlyInBase; }
bool has_base(const ResultComparison& c) { return c.verdict != Verdict::kOnlyInCandidate; }

std::string change_text(const ResultComparison& c) {
  if (!has_base(c) || !has_candidate(c)) return "";
  return fmt::format("{:+.1f}% [{:+.1f}, {:+.1f}]", c.change * 100, c.change_low * 100,
                     c.change_high * 100);
}

std::string p_text(const std::optional<double>& p) {
  if (!p) return "n/a";
  return *p < 1e-4 ? fmt::format("{:.1e}", *p) : fmt::format("{:.4f}", *p);
}

std::string overall_text(const CompareResult& r) {
  return fmt::format("{:+.1f}% [{:+.1f}, {:+.1f}]", (r.overall_worse_ratio - 1) * 100,
                     (r.overall_low - 1) * 100, (r.overall_high - 1) * 100);
}

std::string summary_line(const CompareResult& r) {
  const auto count = [&](Verdict v) {
    return std::count_if(r.results.begin(), r.results.end(),
                         [v](const auto& c) { return c.verdict == v; });
  };
  return fmt::format(
      "{}: {} regression(s), {} improvement(s), {} not significant, {} with too few rounds, "
      "{} unchanged, {} with the whole-run shift, {} of the machine; whole run {} (worse in {}, "
      "better in {} results; sign test p = {}) "
      "[{}; threshold {:.3g}%, false discovery rate {:.3g}]",
      r.has_regression() ? "REGRESSION" : r.compared_nothing() ? "NOTHING COMPARED" : "OK",
      count(Verdict::kRegression),
      count(Verdict::kImprovement), count(Verdict::kNotSignificant),
      count(Verdict::kTooFewRepetitions), count(Verdict::kUnchanged), count(Verdict::kRunShift),
      count(Verdict::kMachine), overall_text(r), r.overall_worse, r.overall_better,
      p_text(r.overall_p_value),
      r.paired ? "A/B, paired by round" : "two separate runs", r.threshold * 100, r.alpha);
}

}  // namespace

std::string format_compare_table(const CompareResult& r, const CompareOptions& o) {
  std::vector<std::array<std::string, 6>> rows;
  rows.push_back({"benchmark", "base", "candidate", "change [95% interval]", "q-value", "verdict"});
  for (const auto& c : r.results)
    rows.push_back({c.name, has_base(c) ? format_value(c.base_mean, c.unit) : "",
                    has_candidate(c) ? format_value(c.candidate_mean, c.unit) : "", change_text(c),
                    p_text(c.q_value), std::string(verdict_name(c.verdict))});
  rows.push_back({"OVERALL (median)", "", "", overall_text(r), p_text(r.overall_p_value),
                  std::string(verdict_name(r.overall_verdict))});
  std::array<std::size_t, 6> width{};
  // Width in code points so "µs" lines up.
  auto length = [](const std::string& s) {
    return static_cast<std::size_t>(
        std::count_if(s.begin(), s.end(), [](char ch) { return (ch & 0xC0) != 0x80; }));
  };
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], length(row[i]));
  std::string out = fmt::format("Comparing {} (base) with {} (candidate)\n", o.base_path,
                                o.candidate_path);
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      const std::string pad(width[i] - length(row[i]), ' ');
      // Names and verdicts left-aligned, figures right-aligned.
      line += (i == 0 || i == 5) ? row[i] + pad : pad + row[i];
      if (i + 1 < row.size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  for (const auto& w : r.warnings) out += "warning: " + w + "\n";
  out += summary_line(r) + "\n";
  return out;
}

namespace {

// `text` as a Markdown code span inside a table cell: a '|' would end the cell and a backtick
// the span (GFM: "\|" is an escaped pipe even inside code; a doubled fence takes a backtick).
std::string md_code(std::string_view text) {
  std::string body;
  for (char c : text) body += c == '|' ? std::string("\\|") : std::string(1, c);
  return text.find('`') == std::string_view::npos ? "`" + body + "`" : "`` " + body + " ``";
}

}  // namespace

std::string format_compare_markdown(const CompareResult& r, const CompareOptions& o) {
  auto table = [&](auto keep) {
    std::string t =
        "| benchmark | base | candidate | change [95% interval] | q-value | verdict |\n"
        "|---|---:|---:|---:|---:|---|\n";
    for (const auto& c : r.results) {
      if (!keep(c)) continue;
      const bool bad = c.verdict == Verdict::kRegression;
      t += fmt::format("| {} | {} | {} | {} | {} | {} |\n", md_code(c.name),
                       has_base(c) ? format_value(c.base_mean, c.unit) : "",
                       has_candidate(c) ? format_value(c.candidate_mean, c.unit) : "",
                       change_text(c), p_text(c.q_value),
                       bad ? "**REGRESSION**" : std::string(verdict_name(c.verdict)));
    }
    return t;
  };
  std::string out = fmt::format("## interpbench compare: {}\n\n",
                                r.has_regression()     ? "regression found"
                                : r.compared_nothing() ? "nothing compared"
                                                       : "no significant regression");
  out += fmt::format("Base {}, candidate {}.\n\n{}\n\n", md_code(escape_control_chars(o.base_path)),
                     md_code(escape_control_chars(o.candidate_path)), summary_line(r));
  for (const auto& w : r.warnings) out += "- ⚠ " + w + "\n";
  if (!r.warnings.empty()) out += "\n";
  const auto significant = [](const ResultComparison& c) {
    return c.verdict == Verdict::kRegression || c.verdict == Verdict::kImprovement;
  };
  if (std::any_of(r.results.begin(), r.results.end(), significant))
    out += "### Significant changes\n\n" + table(significant) + "\n";
  out += "<details><summary>All " + std::to_string(r.results.size()) +
         " results</summary>\n\n" + table([](const auto&) { return true; }) +
         fmt::format("| **OVERALL (median)** | | | {} | {} | {} |\n", overall_text(r),
                     p_text(r.overall_p_value), verdict_name(r.overall_verdict)) +
         "\n</details>\n";
  return out;
}

nlohmann::json compare_to_json(const CompareResult& r, const CompareOptions& o) {
  nlohmann::json results = nlohmann::json::array();
  for (const auto& c : r.results) {
    results.push_back({
        {"name", c.name},
        {"metric", c.metric},
        {"unit", c.unit},
        {"higher_is_better", c.higher_is_better},
        {"base_mean", has_base(c) ? nlohmann::json(c.base_mean) : nlohmann::json()},
        {"candidate_mean", has_candidate(c) ? nlohmann::json(c.candidate_mean) : nlohmann::json()},
        {"change", has_base(c) && has_candidate(c) ? nlohmann::json(c.change) : nlohmann::json()},
        {"change_low", has_base(c) && has_candidate(c) ? nlohmann::json(c.change_low) : nlohmann::json()},
        {"change_high", has_base(c) && has_candidate(c) ? nlohmann::json(c.change_high) : nlohmann::json()},
        {"p_value", c.p_value ? nlohmann::json(*c.p_value) : nlohmann::json()},
        {"q_value", c.q_value ? nlohmann::json(*c.q_value) : nlohmann::json()},
        {"base_rounds", c.base_repetitions},
        {"candidate_rounds", c.candidate_repetitions},
        {"verdict", verdict_name(c.verdict)},
    });
  }
  return {
      {"schema", "interpbench-compare/2"},
      {"mode", r.paired ? "ab" : "two-runs"},
      {"base", o.base_path},
      {"candidate", o.candidate_path},
      {"threshold", r.threshold},
      {"alpha", r.alpha},
      {"regression", r.has_regression()},
      {"compared_nothing", r.compared_nothing()},
      {"results", results},
      {"overall",
       {{"median_change", r.overall_worse_ratio - 1},
        {"low", r.overall_low - 1},
        {"high", r.overall_high - 1},
        {"worse", r.overall_worse},
        {"better", r.overall_better},
        {"p_value", r.overall_p_value},
        {"verdict", verdict_name(r.overall_verdict)}}},
      {"warnings", r.warnings},
  };
}

}  // namespace interpbench
