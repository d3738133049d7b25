#include "reports/console_table.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/human_units.h"
#include "core/round_statistics.h"
#include "reports/console_report.h"
#include "reports/paired.h"
#include "reports/shared_gil.h"

namespace interpbench {
namespace {

using report::Result;
using report::Row;

// A column: results of one name and metric.
struct Variant {
  std::string name, metric;
  bool operator==(const Variant&) const = default;
};

// The metric a workload with too many variants to show keeps, first found first.
const std::vector<std::string> kHeadlineMetrics = {"transfer", "memory_uss"};

std::string pad_right(const std::string& s, std::size_t width) {
  const std::size_t w = display_width(s);
  return w >= width ? s : s + std::string(width - w, ' ');
}

std::string pad_left(const std::string& s, std::size_t width) {
  const std::size_t w = display_width(s);
  return w >= width ? s : std::string(width - w, ' ') + s;
}

// The row's result for a variant; else one of the same metric named "<variant>/<more>": the
// floor row's "pingpong/8/shm" stands in the column of "pingpong/8".
const Result* find_result(const Row& row, const Variant& v) {
  for (const auto& r : row.results)
    if (!r.is_status() && r.name == v.name && r.metric == v.metric) return &r;
  for (const auto& r : row.results)
    if (!r.is_status() && r.metric == v.metric && r.name.rfind(v.name + "/", 0) == 0) return &r;
  return nullptr;
}

// A variant named "<another variant>/<more>" of the same metric: shown in that one's column.
bool folded(const Variant& v, const std::vector<Variant>& all) {
  return std::any_of(all.begin(), all.end(), [&](const Variant& o) {
    return o.metric == v.metric && v.name.rfind(o.name + "/", 0) == 0;
  });
}

// The subinterp row the ratios of `row` are to: the one of the same Python (merged runs).
const Row* base_row(const std::vector<const Row*>& rows, const Row& row) {
  for (const Row* r : rows)
    if (r->row == "subinterp" && r->python_label == row.python_label) return r;
  return nullptr;
}

// "!" unstable between rounds, "*" not pinned, "^" driver and worker shared a CPU.
std::string markers(const Result& r) {
  std::string m;
  if (r.rounds >= 2 && r.rounds_cv > 0.10) m += "!";
  if (r.pinned == false) m += "*";
  if (r.shared_cpu_repetitions > 0) m += "^";
  return m;
}

// What a cell's ratio > 1 means.
std::string above_one(const Result& r) {
  if (r.higher_is_better) return "higher";
  return r.unit == "ns" ? "slower" : "more";
}

struct Cell {
  std::string value, ratio;  // "" when the row has no such result
  const Result* result = nullptr;
  RatioEstimate estimate;
  bool has_ratio = false;
  bool base = false;  // the subinterp row's own cell
};

struct Table {
  std::vector<const Row*> rows;      // the table's lines
  std::vector<Variant> variants;     // every variant of the workload
  std::vector<std::string> headers;  // per variant
  std::vector<std::vector<Cell>> cells;  // [row][variant]
  std::vector<std::size_t> value_w, ratio_w, column_w;  // per variant
  std::size_t label_w = 0;

  std::size_t width_of(const std::vector<std::size_t>& shown) const {
    std::size_t w = 2 + label_w;
    for (std::size_t v : shown) w += 3 + column_w[v];
    return w;
  }
};

std::vector<std::size_t> spread(const std::vector<std::size_t>& from, std::size_t k) {
  if (k >= from.size()) return from;
  if (k <= 1) return {from.front()};
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < k; ++i) {
    const auto at = static_cast<std::size_t>(
        std::lround(static_cast<double>(i) * static_cast<double>(from.size() - 1) /
                    static_cast<double>(k - 1)));
    if (out.empty() || out.back() != from[at]) out.push_back(from[at]);
  }
  return out;
}

// Headers: the names without "workload/" and without a last part every shown column shares.
void set_headers(Table& t, const std::string& workload, const std::vector<std::size_t>& shown) {
  std::vector<std::string> parts(t.variants.size());
  for (std::size_t v = 0; v < t.variants.size(); ++v) {
    const std::string& name = t.variants[v].name;
    parts[v] = name.rfind(workload + "/", 0) == 0 ? name.substr(workload.size() + 1) : name;
  }
  auto last_part = [](const std::string& s) {
    const auto slash = s.rfind('/');
    return slash == std::string::npos ? std::string() : s.substr(slash + 1);
  };
  std::set<std::string> lasts;
  for (std::size_t v : shown) lasts.insert(last_part(parts[v]));
  const bool strip = shown.size() > 1 && lasts.size() == 1 && !lasts.begin()->empty();
  t.headers.assign(t.variants.size(), "");
  for (std::size_t v = 0; v < t.variants.size(); ++v) {
    std::string h = strip ? parts[v].substr(0, parts[v].rfind('/')) : parts[v];
    // A message size: "65536" -> "64 KiB".
    for (const Row* row : t.rows) {
      const Result* r = find_result(*row, t.variants[v]);
      if (!r || !r->params.contains("size_bytes") || !r->params["size_bytes"].is_number()) continue;
      const double size = r->params["size_bytes"].get<double>();
      if (h == fmt::format("{}", static_cast<long long>(size))) h = size_label(size);
      break;
    }
    t.headers[v] = h;
  }
}

void set_widths(Table& t) {
  const std::size_t n = t.variants.size();
  t.value_w.assign(n, 0);
  t.ratio_w.assign(n, 0);
  t.column_w.assign(n, 0);
  t.label_w = display_width("row");
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    t.label_w = std::max(t.label_w, display_width(row_name(*t.rows[i])));
    for (std::size_t v = 0; v < n; ++v) {
      t.value_w[v] = std::max(t.value_w[v], display_width(t.cells[i][v].value));
      t.ratio_w[v] = std::max(t.ratio_w[v], display_width(t.cells[i][v].ratio));
    }
  }
  for (std::size_t v = 0; v < n; ++v)
    t.column_w[v] = std::max(display_width(t.headers[v]), t.value_w[v] + 1 + t.ratio_w[v]);
}

// Joins legend items into lines of at most `width` columns, each indented by two spaces.
void print_wrapped(const std::vector<std::string>& items, std::size_t width, std::ostream& out) {
  std::string line;
  for (const auto& item : items) {
    if (!line.empty() && display_width(line) + 2 + display_width(item) > width) {
      out << line << ";\n";
      line.clear();
    }
    line += line.empty() ? "  " + item : "; " + item;
  }
  if (!line.empty()) out << line << '\n';
}

}  // namespace

void print_workload_table(const std::string& workload, const std::vector<Row>& all_rows,
                          std::ostream& out, std::size_t width) {
  Table t;
  std::vector<const Row*> rows;
  for (const auto& row : all_rows)
    if (row.workload == workload) rows.push_back(&row);
  for (const Row* row : rows)
    for (const auto& r : row->results) {
      if (r.is_status()) continue;
      const Variant v{r.name, r.metric};
      if (std::find(t.variants.begin(), t.variants.end(), v) == t.variants.end())
        t.variants.push_back(v);
    }
  std::erase_if(t.variants, [&](const Variant& v) { return folded(v, t.variants); });
  if (t.variants.empty()) return;
  const std::size_t n = t.variants.size();

  // The lines: rows with a result, and rows that failed or were skipped (said under the table).
  for (const Row* row : rows) {
    const bool any = std::any_of(t.variants.begin(), t.variants.end(),
                                 [&](const Variant& v) { return find_result(*row, v) != nullptr; });
    if (any || row->error || row->skipped) t.rows.push_back(row);
  }
  for (const Row* row : t.rows) {
    const Row* base = base_row(rows, *row);
    auto& line = t.cells.emplace_back(n);
    for (std::size_t v = 0; v < n; ++v) {
      Cell& c = line[v];
      c.result = find_result(*row, t.variants[v]);
      if (!c.result) continue;
      c.value = format_value(c.result->figure, c.result->unit) + markers(*c.result);
      const Result* b = base ? find_result(*base, t.variants[v]) : nullptr;
      if (!b) continue;
      if (base == row) {
        c.ratio = " —";
        c.base = true;
        continue;
      }
      c.estimate = paired_ratio(c.result->by_round, b->by_round);
      c.has_ratio = c.estimate.n > 0;
      c.ratio = !c.has_ratio              ? " n/a"
                : c.estimate.significant ? " " + format_ratio_interval(c.estimate)
                                         : "~" + format_ratio_interval(c.estimate);
    }
    if (std::all_of(line.begin(), line.end(), [](const Cell& c) { return !c.result; }))
      line[0].value = row->error ? "error" : "skipped";
  }

  // The columns shown: all when they fit; else those subinterp has (a variant only a floor row
  // measures compares with nothing), of the headline metric, spread evenly.
  std::vector<std::size_t> candidates(n);
  for (std::size_t v = 0; v < n; ++v) candidates[v] = v;
  set_headers(t, workload, candidates);
  set_widths(t);
  std::string kept_metric;
  if (t.width_of(candidates) > width) {
    auto compared = [&](std::size_t v) {
      for (std::size_t i = 0; i < t.rows.size(); ++i)
        if (t.cells[i][v].base) return true;
      return false;
    };
    if (std::any_of(candidates.begin(), candidates.end(), compared))
      std::erase_if(candidates, [&](std::size_t v) { return !compared(v); });
  }
  if (t.width_of(candidates) > width) {
    std::set<std::string> metrics;
    for (const auto& v : t.variants) metrics.insert(v.metric);
    for (const auto& m : kHeadlineMetrics)
      if (metrics.size() > 1 && metrics.count(m)) {
        kept_metric = m;
        break;
      }
    if (kept_metric.empty() && metrics.size() > 1) kept_metric = t.variants[0].metric;
    if (!kept_metric.empty())
      std::erase_if(candidates, [&](std::size_t v) { return t.variants[v].metric != kept_metric; });
  }
  std::vector<std::size_t> shown = candidates;
  for (std::size_t k = candidates.size(); k >= 1; --k) {
    shown = spread(candidates, k);
    set_headers(t, workload, shown);
    set_widths(t);
    if (t.width_of(shown) <= width) break;
  }

  // Title: what was measured, and the rounds its figures are medians of.
  std::vector<std::string> metrics;
  std::set<std::int64_t> rounds;
  const Result* first = nullptr;
  double coverage = 1;
  bool any_ratio = false;
  std::string marks;
  for (std::size_t i = 0; i < t.rows.size(); ++i)
    for (std::size_t v : shown) {
      const Cell& c = t.cells[i][v];
      if (!c.result) continue;
      if (!first) first = c.result;
      const std::string label = metric_label(c.result->metric);
      if (std::find(metrics.begin(), metrics.end(), label) == metrics.end()) metrics.push_back(label);
      rounds.insert(c.result->rounds);
      marks += markers(*c.result);
      if (c.has_ratio) {
        any_ratio = true;
        if (!c.estimate.reaches_level) coverage = std::min(coverage, c.estimate.coverage);
      }
    }
  const std::string of_rounds =
      rounds.empty() || *rounds.rbegin() <= 1 ? "p50 of the samples"
      : rounds.size() == 1 ? fmt::format("median of {} rounds", *rounds.begin())
                           : fmt::format("median of {}-{} rounds", *rounds.begin(), *rounds.rbegin());
  out << fmt::format("{}: {}, {}\n", workload, fmt::join(metrics, " / "), of_rounds);

  std::string header = "  " + pad_right("row", t.label_w);
  for (std::size_t v : shown) header += "   " + pad_right(t.headers[v], t.column_w[v]);
  while (!header.empty() && header.back() == ' ') header.pop_back();
  out << header << '\n';
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    std::string line = "  " + pad_right(row_name(*t.rows[i]), t.label_w);
    for (std::size_t v : shown) {
      const Cell& c = t.cells[i][v];
      line += "   " + pad_right(pad_left(c.value, t.value_w[v]) + " " + c.ratio, t.column_w[v]);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << '\n';
  }

  std::vector<std::string> legend;
  if (any_ratio && first) {
    legend.push_back(fmt::format("ratio = row / subinterp (> 1: {}), median of per-round ratios "
                                 "[95% interval]; ~ not significant",
                                 above_one(*first)));
    if (coverage < 1)
      legend.push_back(fmt::format("with these few rounds an interval covers {:.0f}%, short of 95%",
                                   100 * coverage));
  } else if (std::none_of(rows.begin(), rows.end(), [](const Row* r) { return r->row == "subinterp"; })) {
    legend.push_back("no subinterp row: no ratios");
  }
  if (marks.find('!') != std::string::npos) legend.push_back("! unstable (σ > 10% between rounds)");
  if (marks.find('*') != std::string::npos) legend.push_back("* not pinned");
  if (marks.find('^') != std::string::npos) legend.push_back("^ driver and worker on one CPU");
  if (shown.size() < n)
    legend.push_back(fmt::format("{} of {} variants shown{}, {} omitted: -v or "
                                 "`interpbench report` show all",
                                 shown.size(), n,
                                 kept_metric.empty() ? "" : " (" + metric_label(kept_metric) + ")",
                                 n - shown.size()));
  print_wrapped(legend, width, out);
}

}  // namespace interpbench
