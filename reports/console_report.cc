#include "reports/console_report.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/human_units.h"
#include "reports/console_table.h"
#include "reports/ext_matrix.h"
#include "reports/paired.h"
#include "reports/shared_gil.h"

namespace interpbench {
namespace {

using json = nlohmann::json;

using report::Result;
using report::Row;

struct Item {
  const Row* row;
  const Result* result;
};

std::string row_label(const Row& row) {
  std::string label = "[" + row_name(row) + "]";
  if (const std::string why = shared_gil_reason(row); !why.empty()) label += " (shared GIL: " + why + ")";
  if (row.kind == "reference") label += " (reference)";
  if (row.kind == "floor") {
    label += row.row == "memcpy" ? " (reference line: one thread's memcpy, no channel)"
                                 : " (floor: C++ only, no Python)";
  }
  if (row.kind == "baseline") label += " (baseline: timed in C++, no workload)";
  return label;
}

// "20000 x 5" when every repetition has the same count, else "n = 99998 in 5 repetitions".
std::string counts_text(const Result& r) {
  const auto& counts = r.repetition_counts;
  if (counts.empty()) return "";
  const bool same = std::all_of(counts.begin(), counts.end(), [&](auto c) { return c == counts[0]; });
  const std::int64_t rounds = r.rounds;
  const std::string in_rounds =
      rounds > 1 && static_cast<std::size_t>(rounds) != counts.size() ? fmt::format(" in {} rounds", rounds)
      : rounds > 1 ? " rounds" : "";
  if (same) return fmt::format("{} x {}{}", counts[0], counts.size(), in_rounds);
  return fmt::format("n = {} in {} repetitions{}", r.summary.n, counts.size(), in_rounds);
}

void print_result(const Result& r, std::ostream& out) {
  const auto& s = r.summary;
  const std::string& unit = r.unit;
  const std::string label = metric_label(r.metric);
  std::string line = fmt::format("  {:<24} {:<22}  [p50 … p99: {} … {}]  {}",
                                 label + " (mean ± σ):", format_mean_sd(s.mean, s.stddev, unit),
                                 format_value(s.p50, unit), format_value(s.p99, unit),
                                 counts_text(r));
  if (r.rounds >= 2 && r.rounds_cv > 0.10)
    line += fmt::format("  (unstable: σ {:.0f}% between rounds)", 100 * r.rounds_cv);
  if (r.pinned == false) line += "  (not pinned)";
  if (r.shared_cpu_repetitions > 0)
    line += fmt::format("  (driver and worker on one CPU after {} of {} repetitions)",
                        r.shared_cpu_repetitions, r.shared_cpu_sampled);
  out << line << '\n';
  if (r.throughput_mean)
    out << fmt::format("  {:<24} {}\n", "Throughput (mean):", format_value(*r.throughput_mean, "B/s"));
}

std::string better_word(const Result& r) { return r.unit == "KiB" ? "smaller" : "faster"; }

// "subinterp 1.31 [1.22, 1.40] times faster than subprocess": the median of per-round ratios
// with its 95% interval (reports/paired.h); "not significantly different" when it holds 1.
void print_summary(const std::string& title, std::vector<Item> items, std::ostream& out) {
  std::erase_if(items, [](const Item& i) { return i.row->kind == "floor"; });
  if (items.size() < 2) return;
  const bool higher = items[0].result->higher_is_better;
  std::stable_sort(items.begin(), items.end(), [&](const Item& a, const Item& b) {
    const double ma = a.result->figure, mb = b.result->figure;
    return higher ? ma > mb : ma < mb;
  });
  // Ranked by the medians over rounds; between the first two the per-round ratios decide, as
  // the ratios printed are theirs (drift plus an outlier round can reverse the two orders).
  {
    const double ab = paired_ratio(items[0].result->by_round, items[1].result->by_round).ratio;
    if (higher ? ab < 1 : ab > 1) std::swap(items[0], items[1]);
  }
  out << fmt::format("Summary ({}; median of per-round ratios [95% interval])\n  {}\n", title,
                     row_display_name(*items[0].row));
  const auto& best = items[0].result->by_round;
  for (std::size_t i = 1; i < items.size(); ++i) {
    const auto& other = items[i].result->by_round;
    // Oriented so that the ratio is >= 1 ("times faster"): other / best for times.
    const RatioEstimate r = higher ? paired_ratio(best, other) : paired_ratio(other, best);
    out << fmt::format("    {} times {} than {}{}\n", format_ratio_interval(r),
                       better_word(*items[0].result), row_display_name(*items[i].row),
                       r.significant ? "" : " (not significantly different)");
  }
}

// The crash or skip of a row, and each failed worker.
void print_problems(const std::string& w, const Row& row, std::ostream& out) {
  if (row.error) {
    out << fmt::format("{} {}: error: {}\n", w, row_label(row), *row.error);
    if (!row.stderr_tail.empty()) {
      // the last non-empty line of the child's stderr says most about the crash
      std::string last = row.stderr_tail;
      while (!last.empty() && (last.back() == '\n' || last.back() == '\r')) last.pop_back();
      const auto nl = last.rfind('\n');
      last = nl == std::string::npos ? last : last.substr(nl + 1);
      if (row.error->find(last) == std::string::npos) out << fmt::format("  stderr: {}\n", last);
    }
  } else if (row.skipped) {
    out << fmt::format("{} {}: skipped: {}\n", w, row_label(row), *row.skipped);
  }
  for (const auto& we : row.worker_errors)
    out << fmt::format("{} {}: worker {}: {}\n", w, row_label(row), we.worker, we.error);
}

// --verbose: a block per row of one variant (every metric the row measured for it), then a
// Summary per metric that ranks the rows.
void print_variant_blocks(const std::string& name, const std::vector<Item>& items, std::ostream& out) {
  // A block per row: every metric this row measured for this variant.
  std::vector<std::string> rows_seen;
  std::vector<std::string> metrics;
  for (const Item& it : items) {
    const std::string row = row_name(*it.row);
    if (std::find(rows_seen.begin(), rows_seen.end(), row) == rows_seen.end())
      rows_seen.push_back(row);
    const std::string& m = it.result->metric;
    if (std::find(metrics.begin(), metrics.end(), m) == metrics.end()) metrics.push_back(m);
  }
  for (const auto& row : rows_seen) {
    bool header = false;
    for (const Item& it : items) {
      if (row_name(*it.row) != row) continue;
      if (!header) {
        out << fmt::format("{} {}\n", name, row_label(*it.row));
        header = true;
      }
      print_result(*it.result, out);
    }
  }
  out << '\n';
  for (const auto& m : metrics) {
    std::vector<Item> same;
    for (const Item& it : items)
      if (it.result->metric == m) same.push_back(it);
    print_summary(fmt::format("{} {}", name, metric_label(m)), same, out);
  }
}

}  // namespace

std::string metric_label(const std::string& metric) {
  if (metric.rfind("memory_", 0) == 0) {
    std::string kind = metric.substr(7);
    for (auto& c : kind) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return "Memory " + kind;
  }
  std::string label = metric;
  std::replace(label.begin(), label.end(), '_', ' ');
  if (!label.empty()) label[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(label[0])));
  return label;
}

void print_console_report(const json& report, std::ostream& out, std::ostream& err, bool verbose) {
  print_console_report(report::load_run(report), out, err, verbose);
}

void print_console_report(const report::Run& run, std::ostream& out, std::ostream& err,
                          bool verbose) {
  // Group results by workload, then variant (result name), then row, in the order they ran.
  std::vector<std::string> workloads;
  std::map<std::string, std::vector<std::string>> variants;  // workload -> names
  std::map<std::string, std::vector<Item>> items_of;         // name -> items
  std::map<std::string, std::vector<const Row*>> problems;   // workload -> rows
  // First of all: subinterpreters that share one GIL are not what the subinterp row usually means.
  std::vector<std::string> shared_notes;
  for (const auto& row : run.rows) {
    const std::string why = shared_gil_reason(row);
    if (why.empty()) continue;
    const std::string note = fmt::format(
        "Note: the {} row's subinterpreters share one GIL ({}): its figures are not those "
        "of own-GIL (PEP 684) subinterpreters{}\n\n",
        row.row,
        why == "--shared-gil" ? "--shared-gil, the legacy config"
        : why.rfind("--", 0) == 0 ? why
                                  : why + " has no per-interpreter GIL",
        why.rfind("--", 0) == 0 ? "" : "; Python >= 3.12 measures those");
    if (std::find(shared_notes.begin(), shared_notes.end(), note) == shared_notes.end())
      shared_notes.push_back(note);
  }
  for (const auto& note : shared_notes) out << note;
  for (const auto& row : run.rows) {
    const std::string& w = row.workload;
    if (std::find(workloads.begin(), workloads.end(), w) == workloads.end()) workloads.push_back(w);
    if (row.error || row.skipped || !row.worker_errors.empty()) problems[w].push_back(&row);
    for (const auto& r : row.results) {
      if (r.is_status()) continue;  // the matrix below shows these
      auto& names = variants[w];
      if (std::find(names.begin(), names.end(), r.name) == names.end()) names.push_back(r.name);
      items_of[r.name].push_back({&row, &r});
    }
  }

  for (const auto& w : workloads) {
    if (verbose)
      for (const auto& name : variants[w]) print_variant_blocks(name, items_of[name], out);
    print_workload_table(w, run.rows, out);
    print_ext_matrix(ext_matrix(run, w), out, verbose);
    for (const Row* row : problems[w]) print_problems(w, *row, out);
    out << '\n';
  }

  for (const auto& line : run.answer_lines) out << line << '\n';
  if (!run.answer_lines.empty()) out << '\n';
  for (const auto& line : run.verdict_lines) out << line << '\n';
  // The headline ratios repeat the answer's figures: shown with -v (and in the JSON and report).
  bool in_headlines = false;
  for (const auto& line : run.targets_lines) {
    if (line.rfind("Headline ratios", 0) == 0) in_headlines = true;
    else if (!line.empty() && line[0] != ' ') in_headlines = false;
    if (!in_headlines || verbose) out << line << '\n';
  }
  for (const auto& w : run.warnings) err << "warning: " << w << '\n';
  if (run.incomplete) out << fmt::format("incomplete run: {}", run.incomplete_reason) << '\n';
}

}  // namespace interpbench
