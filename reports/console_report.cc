#include "reports/console_report.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/human_units.h"
#include "reports/ext_matrix.h"
#include "reports/paired.h"
#include "reports/shared_gil.h"
#include "core/statistics.h"

namespace interpbench {
namespace {

using json = nlohmann::json;

struct Item {
  const json* row;
  const json* result;
};

std::string str(const json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

double num(const json& j, const char* key) {
  return j.contains(key) && j[key].is_number() ? j[key].get<double>() : 0.0;
}

std::string row_label(const json& row) {
  const std::string kind = str(row, "kind");
  std::string label = "[" + row_name(row) + "]";
  if (const std::string why = shared_gil_reason(row); !why.empty()) label += " (shared GIL: " + why + ")";
  if (kind == "reference") label += " (reference)";
  if (kind == "floor") {
    label += str(row, "row") == "memcpy" ? " (reference line: one thread's memcpy, no channel)"
                                         : " (floor: C++ only, no Python)";
  }
  if (kind == "baseline") label += " (baseline: timed in C++, no workload)";
  return label;
}

// "20000 x 5" when every repetition has the same count, else "n = 99998 in 5 repetitions".
std::string counts_text(const json& r) {
  const json counts = r.value("repetition_counts", json::array());
  if (counts.empty()) return "";
  bool same = true;
  for (const auto& c : counts) same = same && c == counts[0];
  const int rounds = r.contains("rounds") && r["rounds"].is_object() ? r["rounds"].value("n", 0) : 0;
  const std::string in_rounds =
      rounds > 1 && static_cast<std::size_t>(rounds) != counts.size() ? fmt::format(" in {} rounds", rounds)
      : rounds > 1 ? " rounds" : "";
  if (same) return fmt::format("{} x {}{}", counts[0].dump(), counts.size(), in_rounds);
  return fmt::format("n = {} in {} repetitions{}", r["summary"].value("n", 0), counts.size(), in_rounds);
}

void print_result(const json& r, std::ostream& out) {
  const json& s = r["summary"];
  const std::string unit = str(r, "unit");
  const std::string label = metric_label(str(r, "metric"));
  std::string line = fmt::format("  {:<24} {:<22}  [p50 … p99: {} … {}]  {}",
                                 label + " (mean ± σ):",
                                 format_mean_sd(num(s, "mean"), num(s, "stddev"), unit),
                                 format_value(num(s, "p50"), unit), format_value(num(s, "p99"), unit),
                                 counts_text(r));
  const json rs = r.value("rounds", json::object());
  if (rs.value("n", 0) >= 2 && rs.value("cv", 0.0) > 0.10)
    line += fmt::format("  (unstable: σ {:.0f}% between rounds)", 100 * rs.value("cv", 0.0));
  if (r.contains("pinned") && r["pinned"] == false) line += "  (not pinned)";
  if (r.contains("shared_cpu") && r["shared_cpu"].value("repetitions", 0) > 0)
    line += fmt::format("  (driver and worker on one CPU after {} of {} repetitions)",
                        r["shared_cpu"].value("repetitions", 0), r["shared_cpu"].value("sampled", 0));
  out << line << '\n';
  if (r.contains("throughput") && r["throughput"].is_object()) {
    out << fmt::format("  {:<24} {}\n", "Throughput (mean):",
                       format_value(num(r["throughput"], "mean"), "B/s"));
  }
}

std::string better_word(const json& r) {
  if (str(r, "unit") == "KiB") return "smaller";
  return "faster";
}

// "subinterp 1.31 [1.22, 1.40] times faster than subprocess": the median of per-round ratios
// with its 95% interval (reports/paired.h); "not significantly different" when it holds 1.
void print_summary(const std::string& title, std::vector<Item> items, std::ostream& out) {
  std::erase_if(items, [](const Item& i) { return str(*i.row, "kind") == "floor"; });
  if (items.size() < 2) return;
  const bool higher = items[0].result->value("higher_is_better", false);
  std::stable_sort(items.begin(), items.end(), [&](const Item& a, const Item& b) {
    const double ma = round_figure(*a.result), mb = round_figure(*b.result);
    return higher ? ma > mb : ma < mb;
  });
  // Ranked by the medians over rounds; between the first two the per-round ratios decide, as
  // the ratios printed are theirs (drift plus an outlier round can reverse the two orders).
  {
    const auto a = round_values(*items[0].result), b = round_values(*items[1].result);
    const double ab = paired_ratio(a, b).ratio;  // items[0] / items[1]
    if (higher ? ab < 1 : ab > 1) std::swap(items[0], items[1]);
  }
  out << fmt::format("Summary ({}; median of per-round ratios [95% interval])\n  {}\n", title,
                     row_display_name(*items[0].row));
  const auto best = round_values(*items[0].result);
  for (std::size_t i = 1; i < items.size(); ++i) {
    const auto other = round_values(*items[i].result);
    // Oriented so that the ratio is >= 1 ("times faster"): other / best for times.
    const RatioEstimate r = higher ? paired_ratio(best, other) : paired_ratio(other, best);
    out << fmt::format("    {} times {} than {}{}\n", format_ratio_interval(r),
                       better_word(*items[0].result), row_display_name(*items[i].row),
                       r.significant ? "" : " (not significantly different)");
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

void print_console_report(const json& report, std::ostream& out, std::ostream& err) {
  const json& ib = report.at("interpbench");
  // Group results by workload, then variant (result name), then row, in the order they ran.
  std::vector<std::string> workloads;
  std::map<std::string, std::vector<std::string>> variants;             // workload -> names
  std::map<std::string, std::vector<Item>> items_of;                    // name -> items
  std::map<std::string, std::vector<const json*>> problems;             // workload -> rows
  // First of all: subinterpreters that share one GIL are not what the subinterp row usually means.
  std::vector<std::string> shared_notes;
  for (const auto& row : ib.at("rows")) {
    const std::string why = shared_gil_reason(row);
    if (why.empty()) continue;
    const std::string note = fmt::format(
        "Note: the {} row's subinterpreters share one GIL ({}): its figures are not those "
        "of own-GIL (PEP 684) subinterpreters{}\n\n",
        str(row, "row"),
        why == "--shared-gil" ? "--shared-gil, the legacy config"
        : why.rfind("--", 0) == 0 ? why
                                  : why + " has no per-interpreter GIL",
        why.rfind("--", 0) == 0 ? "" : "; Python >= 3.12 measures those");
    if (std::find(shared_notes.begin(), shared_notes.end(), note) == shared_notes.end())
      shared_notes.push_back(note);
  }
  for (const auto& note : shared_notes) out << note;
  for (const auto& row : ib.at("rows")) {
    const std::string w = str(row, "workload");
    if (std::find(workloads.begin(), workloads.end(), w) == workloads.end()) workloads.push_back(w);
    if (!row["error"].is_null() || !row.value("skipped", json()).is_null() ||
        !row.value("worker_errors", json::array()).empty())
      problems[w].push_back(&row);
    for (const auto& r : row.at("results")) {
      if (is_status_result(r)) continue;  // the matrix below shows these
      const std::string name = str(r, "name");
      auto& names = variants[w];
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
      items_of[name].push_back({&row, &r});
    }
  }

  for (const auto& w : workloads) {
    for (const auto& name : variants[w]) {
      const auto& items = items_of[name];
      // A block per row: every metric this row measured for this variant.
      std::vector<std::string> rows_seen;
      std::vector<std::string> metrics;
      for (const Item& it : items) {
        const std::string row = row_name(*it.row);
        if (std::find(rows_seen.begin(), rows_seen.end(), row) == rows_seen.end())
          rows_seen.push_back(row);
        const std::string m = str(*it.result, "metric");
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
          if (str(*it.result, "metric") == m) same.push_back(it);
        std::string unit = same.empty() ? "" : str(*same[0].result, "unit");
        print_summary(fmt::format("{} {}", name, metric_label(m)), same, out);
      }
    }
    print_ext_matrix(ext_matrix(ib, w), out);
    for (const json* row : problems[w]) {
      if (row->contains("error") && (*row)["error"].is_string()) {
        out << fmt::format("{} {}: error: {}\n", w, row_label(*row),
                           (*row)["error"].get<std::string>());
        const json exit = row->value("exit", json::object());
        const std::string tail = exit.is_object() ? str(exit, "stderr_tail") : "";
        if (!tail.empty()) {
          // the last non-empty line of the child's stderr says most about the crash
          std::string last = tail;
          while (!last.empty() && (last.back() == '\n' || last.back() == '\r')) last.pop_back();
          const auto nl = last.rfind('\n');
          last = nl == std::string::npos ? last : last.substr(nl + 1);
          if ((*row)["error"].get<std::string>().find(last) == std::string::npos)
            out << fmt::format("  stderr: {}\n", last);
        }
      } else if (row->contains("skipped") && (*row)["skipped"].is_string()) {
        out << fmt::format("{} {}: skipped: {}\n", w, row_label(*row),
                           (*row)["skipped"].get<std::string>());
      }
      for (const auto& we : row->value("worker_errors", json::array()))
        out << fmt::format("{} {}: worker {}: {}\n", w, row_label(*row), we.value("worker", -1),
                           we.value("error", ""));
    }
    out << '\n';
  }

  if (ib.contains("verdict") && ib["verdict"].contains("lines"))
    for (const auto& line : ib["verdict"]["lines"]) out << line.get<std::string>() << '\n';
  if (ib.contains("targets") && ib["targets"].contains("lines"))
    for (const auto& line : ib["targets"]["lines"]) out << line.get<std::string>() << '\n';

  for (const auto& w : ib.value("warnings", json::array()))
    err << "warning: " << w.get<std::string>() << '\n';
  if (ib.value("incomplete", false)) {
    const std::string msg = fmt::format("incomplete run: {}", ib.value("incomplete_reason", ""));
    out << msg << '\n';
  }
}

}  // namespace interpbench
