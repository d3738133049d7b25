#include "reports/verdict.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "reports/ext_matrix.h"
#include "core/human_units.h"
#include "reports/paired.h"
#include "core/statistics.h"

namespace interpbench {
namespace {

using json = nlohmann::json;

// One summarized result of one row: its figure (the median over rounds) and its value in each
// round, which every comparison pairs with the other row's (reports/paired.h).
struct Entry {
  std::string row, kind, workload, name, metric, unit, bench;
  bool higher_is_better = false;
  double mean = 0;  // the figure: median of the round values
  std::vector<double> by_round;
  const json* result = nullptr;
};

std::vector<Entry> entries_of(const json& ib) {
  std::vector<Entry> out;
  if (!ib.contains("rows") || !ib["rows"].is_array()) return out;
  for (const auto& row : ib["rows"]) {
    if (!row.contains("results") || !row["results"].is_array()) continue;
    for (const auto& r : row["results"]) {
      if (is_status_result(r)) continue;  // an outcome, not a figure (reports/ext_matrix.h)
      Entry e;
      e.row = row.value("row", "");
      e.kind = row.value("kind", "");
      e.workload = row.value("workload", "");
      e.name = r.value("name", "");
      e.metric = r.value("metric", "");
      e.unit = r.value("unit", "");
      e.bench = r.value("benchmark_name", "");
      e.higher_is_better = r.value("higher_is_better", false);
      e.mean = round_figure(r);
      e.by_round = round_values(r);
      e.result = &r;
      out.push_back(std::move(e));
    }
  }
  return out;
}

bool is_cost_metric(const std::string& metric) {
  return metric.rfind("memory_", 0) == 0 || metric == "startup" || metric == "teardown";
}

// Encode and decode run the same codec in the driver's main interpreter whatever the row: a
// difference between rows there is the machine's state at that second, not the concurrency
// model, so no row "wins" them (codec_share still reports them).
bool is_codec_metric(const std::string& metric) { return metric == "encode" || metric == "decode"; }

// "pingpong/8 round_trip", but "objects/ints/16/pickle5/encode" when the name has the metric.
std::string name_and_metric(const Entry& e) {
  const std::string padded = "/" + e.name + "/";
  return padded.find("/" + e.metric + "/") != std::string::npos ? e.name
                                                                  : e.name + " " + e.metric;
}

std::string variant_of(const Entry& e) {
  const std::string prefix = e.workload + "/";
  return e.name.rfind(prefix, 0) == 0 ? e.name.substr(prefix.size()) : e.name;
}

std::string ratio_text(const RatioEstimate& r) { return format_ratio_interval(r); }

std::string better_word(const Entry& e) { return e.unit == "KiB" ? "smaller" : "faster"; }

// Is a better than b (by mean), for this metric's direction?
bool better(const Entry& a, const Entry& b) {
  return a.higher_is_better ? a.mean > b.mean : a.mean < b.mean;
}

// a compared with b, paired by round: the median per-round ratio (always >= 1) of the worse
// over the better, with its 95% interval.
struct Comparison {
  RatioEstimate r;
  bool a_better = false;
};
Comparison compare(const Entry& a, const Entry& b) {
  Comparison c;
  const RatioEstimate ab = paired_ratio(a.by_round, b.by_round);  // a / b
  c.a_better = a.higher_is_better ? ab.ratio > 1 : ab.ratio < 1;
  // worse / better: b / a when a is better at a time, a / b when a is better at a rate.
  c.r = (c.a_better != a.higher_is_better) ? inverted(ab) : ab;
  return c;
}

json pair_finding(const std::string& kind, const Entry& a, const Entry& b, const Comparison& c) {
  json f;
  f["kind"] = kind;
  f["workload"] = a.workload;
  f["variant"] = a.name;
  f["metric"] = a.metric;
  f["rows"] = {a.row, b.row};
  f["results"] = {a.bench, b.bench};
  f["numbers"] = {{"ratio", c.r.ratio},    {"ratio_low", c.r.low}, {"ratio_high", c.r.high},
                  {"rounds", c.r.n},       {"p_value", c.r.p_value}, {"a_median", a.mean},
                  {"b_median", b.mean},    {"unit", a.unit},
                  {"source", "median of per-round ratios"}};
  f["significant"] = c.r.significant;
  return f;
}

// Groups of entries that measure the same thing on different rows, in first-seen order.
using Groups = std::vector<std::pair<std::string, std::vector<const Entry*>>>;
Groups group_by(const std::vector<Entry>& entries, auto key_of) {
  Groups groups;
  std::map<std::string, std::size_t> index;
  for (const auto& e : entries) {
    const std::string key = key_of(e);
    const auto [it, fresh] = index.try_emplace(key, groups.size());
    if (fresh) groups.push_back({key, {}});
    groups[it->second].second.push_back(&e);
  }
  return groups;
}

std::string list_some(const std::vector<std::string>& items, std::size_t max_items = 4,
                      const std::string& separator = "; ") {
  std::string s;
  for (std::size_t i = 0; i < items.size() && i < max_items; ++i)
    s += (i ? separator : "") + items[i];
  if (items.size() > max_items) s += fmt::format("; and {} more", items.size() - max_items);
  return s;
}

const Entry* find_row(const std::vector<const Entry*>& group, const std::string& row) {
  for (const Entry* e : group)
    if (e->row == row) return e;
  return nullptr;
}

// Per workload and metric: the winner of each variant over the runner-up.
void winners(const std::vector<Entry>& entries, json& findings, std::vector<std::string>& lines) {
  const Groups groups = group_by(entries, [](const Entry& e) {
    return e.workload + "\n" + e.metric + "\n" + e.name;
  });
  // workload+metric -> the per-variant texts and the tally of winners
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::string>> texts;
  std::map<std::string, std::map<std::string, int>> tally;
  std::map<std::string, int> significant;
  for (const auto& [key, group] : groups) {
    std::vector<const Entry*> rows;
    for (const Entry* e : group)
      if (e->kind != "floor" && !is_cost_metric(e->metric) && !is_codec_metric(e->metric))
        rows.push_back(e);
    if (rows.size() < 2) continue;
    std::stable_sort(rows.begin(), rows.end(),
                     [](const Entry* a, const Entry* b) { return better(*a, *b); });
    // Ranked by the medians over rounds; between the first two the per-round ratios decide, as
    // the ratio and interval reported are theirs (drift plus an outlier round can reverse them).
    if (!compare(*rows[0], *rows[1]).a_better && compare(*rows[1], *rows[0]).a_better)
      std::swap(rows[0], rows[1]);
    const Entry& best = *rows[0];
    const Entry& next = *rows[1];
    const Comparison c = compare(best, next);
    findings.push_back(pair_finding("winner", best, next, c));
    const std::string wm = best.workload + " " + best.metric;
    if (!texts.count(wm)) order.push_back(wm);
    tally[wm][best.row]++;
    if (c.r.significant) significant[wm]++;
    texts[wm].push_back(
        c.r.significant
            ? fmt::format("{}: {} {} times {} than {}", variant_of(best), best.row,
                          ratio_text(c.r), better_word(best), next.row)
            : fmt::format("{}: {} and {} not significantly different ({})", variant_of(best),
                          best.row, next.row, ratio_text(c.r)));
  }
  for (const auto& wm : order) {
    const auto& t = texts[wm];
    if (t.size() <= 4) {
      lines.push_back(fmt::format("  {}: {}", wm, list_some(t)));
      continue;
    }
    std::vector<std::pair<int, std::string>> counts;
    for (const auto& [row, n] : tally[wm]) counts.push_back({-n, row});
    std::sort(counts.begin(), counts.end());
    std::string who;
    for (const auto& [n, row] : counts) who += fmt::format("{}{} {}", who.empty() ? "" : ", ", row, -n);
    lines.push_back(fmt::format("  {}: best in {} variants: {} ({} of them significant)", wm,
                                t.size(), who, significant[wm]));
  }
}

// A process row against a subinterpreter row, on the communication and throughput results:
// where the process row matches (within kMatchWithin or within noise) and where it doesn't.
// Returns false when the two rows share no result.
bool match_or_gap(const std::vector<Entry>& entries, const std::string& interp_row,
                  const std::string& process_row, const std::string& process_label,
                  json& findings, std::vector<std::string>& lines) {
  const Groups groups = group_by(entries, [](const Entry& e) {
    return e.workload + "\n" + e.metric + "\n" + e.name;
  });
  std::vector<std::string> match, noise, interp_better, process_better;
  for (const auto& [key, group] : groups) {
    const Entry* si = find_row(group, interp_row);
    const Entry* sp = find_row(group, process_row);
    if (!si || !sp || is_cost_metric(si->metric) || is_codec_metric(si->metric)) continue;
    const Comparison c = compare(*si, *sp);
    // Decided by the whole 95% interval, so that another run lands in the same bucket: "match"
    // when all of it lies within kMatchWithin, "gap" when all of it lies beyond, else "noise".
    const bool inside = c.r.high <= 1 + kMatchWithin && c.r.low >= 1 / (1 + kMatchWithin);
    const std::string kind = c.r.reaches_level && inside                       ? "match"
                             : c.r.significant && c.r.low > 1 + kMatchWithin   ? "gap"
                                                                               : "noise";
    json f = pair_finding(kind, *si, *sp, c);
    f["within"] = kMatchWithin;
    findings.push_back(std::move(f));
    const std::string label = name_and_metric(*si);
    if (kind == "match")
      match.push_back(fmt::format("{} ({})", label, ratio_text(c.r)));
    else if (kind == "noise")
      noise.push_back(label);
    else if (c.a_better)
      interp_better.push_back(fmt::format("{} {} times", label, ratio_text(c.r)));
    else
      process_better.push_back(fmt::format("{} {} times", label, ratio_text(c.r)));
  }
  const std::size_t total = match.size() + noise.size() + interp_better.size() + process_better.size();
  if (total == 0) return false;
  lines.push_back(fmt::format("  {} vs {} over {} shared results:", process_label, interp_row,
                              total));
  lines.push_back(fmt::format("    within {:.0f}% (the whole 95% interval): {}{}{}", 100 * kMatchWithin, match.size(),
                              match.empty() ? "" : ": ", list_some(match, 3)));
  if (!interp_better.empty())
    lines.push_back(fmt::format("    {} better by more than 10%: {}: {}", interp_row, interp_better.size(),
                                list_some(interp_better)));
  if (!process_better.empty())
    lines.push_back(fmt::format("    {} better by more than 10%: {}: {}", process_row, process_better.size(),
                                list_some(process_better)));
  if (!noise.empty())
    lines.push_back(fmt::format("    not decided: {} (the 95% interval reaches past 1.1x on one side "
                                "and not on the other; more --rounds would narrow it)",
                                noise.size()));
  return true;
}

// How much of passing an object is the channel (transfer) versus the codec (encode + decode).
void codec_share(const std::vector<Entry>& entries, json& findings,
                 std::vector<std::string>& lines) {
  auto strip_metric = [](const Entry& e) {
    const std::string suffix = "/" + e.metric;
    return e.name.size() > suffix.size() &&
                   e.name.compare(e.name.size() - suffix.size(), suffix.size(), suffix) == 0
               ? e.name.substr(0, e.name.size() - suffix.size())
               : e.name;
  };
  std::vector<Entry> parts;
  for (const auto& e : entries)
    if (e.metric == "encode" || e.metric == "transfer" || e.metric == "decode") parts.push_back(e);
  const Groups groups = group_by(parts, [&](const Entry& e) { return e.row + "\n" + strip_metric(e); });
  std::vector<std::string> row_order;
  std::map<std::string, std::pair<double, double>> range;  // row -> min, max transfer share
  std::map<std::string, int> count;
  for (const auto& [key, group] : groups) {
    const Entry *enc = nullptr, *tr = nullptr, *dec = nullptr;
    for (const Entry* e : group) {
      if (e->metric == "encode") enc = e;
      if (e->metric == "transfer") tr = e;
      if (e->metric == "decode") dec = e;
    }
    if (!enc || !tr || !dec) continue;
    const double total = enc->mean + tr->mean + dec->mean;
    if (total <= 0) continue;
    const double share = tr->mean / total;
    findings.push_back({{"kind", "codec_share"},
                        {"workload", tr->workload},
                        {"variant", strip_metric(*tr)},
                        {"rows", {tr->row}},
                        {"results", {enc->bench, tr->bench, dec->bench}},
                        {"numbers",
                         {{"encode_mean", enc->mean},
                          {"transfer_mean", tr->mean},
                          {"decode_mean", dec->mean},
                          {"transfer_share", share},
                          {"unit", tr->unit}}}});
    if (!range.count(tr->row)) {
      row_order.push_back(tr->row);
      range[tr->row] = {share, share};
    }
    range[tr->row].first = std::min(range[tr->row].first, share);
    range[tr->row].second = std::max(range[tr->row].second, share);
    count[tr->row]++;
  }
  if (row_order.empty()) return;
  std::vector<std::string> per_row;
  for (const auto& row : row_order) {
    const auto [lo, hi] = range[row];
    per_row.push_back(lo == hi ? fmt::format("{} {:.0f}%", row, 100 * lo)
                               : fmt::format("{} {:.0f}–{:.0f}%", row, 100 * lo, 100 * hi));
  }
  lines.push_back(fmt::format(
      "  passing objects: the channel (transfer) is this share of encode + transfer + decode "
      "per message, the rest is the codec: {} (over {} variant{})",
      list_some(per_row, 8, ", "), count[row_order.front()],
      count[row_order.front()] == 1 ? "" : "s"));
}

// Startup and teardown per worker, per row.
void startup_costs(const std::vector<Entry>& entries, json& findings,
                   std::vector<std::string>& lines) {
  std::vector<Entry> costs;
  for (const auto& e : entries)
    if (e.metric == "startup" || e.metric == "teardown") costs.push_back(e);
  const Groups groups = group_by(costs, [](const Entry& e) { return e.metric + "\n" + e.name; });
  for (const auto& [key, group] : groups) {
    json f = {{"kind", "startup"}, {"workload", group[0]->workload}, {"variant", group[0]->name},
              {"metric", group[0]->metric}, {"rows", json::array()}, {"results", json::array()},
              {"numbers", json::object()}};
    std::vector<std::string> parts;
    for (const Entry* e : group) {
      f["rows"].push_back(e->row);
      f["results"].push_back(e->bench);
      f["numbers"][e->row] = {{"median", e->mean}, {"unit", e->unit}};
      parts.push_back(fmt::format("{} {}", e->row, format_value(e->mean, e->unit)));
    }
    std::string ratio;
    const Entry* si = find_row(group, "subinterp");
    const Entry* sp = find_row(group, "subprocess");
    if (si && sp && si->mean > 0) {
      const RatioEstimate r = paired_ratio(sp->by_round, si->by_round);
      f["numbers"]["subprocess_over_subinterp"] = ratio_json(r);
      f["significant"] = r.significant;
      ratio = r.significant ? fmt::format("; subprocess takes {} times subinterp's",
                                          format_ratio_interval(r))
                            : "; subprocess and subinterp not significantly different";
    }
    findings.push_back(std::move(f));
    lines.push_back(fmt::format("  {} ({}): {}{}", group[0]->metric, group[0]->name,
                                list_some(parts, 8, ", "), ratio));
  }
}

std::optional<double> workers_of(const Entry& e) {
  const json p = e.result->value("params", json::object());
  if (p.is_object() && p.contains("workers") && p["workers"].is_number())
    return p["workers"].get<double>();
  return std::nullopt;
}

// Memory at the largest worker count each row measured (USS, else PSS, else RSS).
void memory_costs(const std::vector<Entry>& entries, json& findings,
                  std::vector<std::string>& lines) {
  for (const char* metric : {"memory_uss", "memory_pss", "memory_rss"}) {
    std::vector<std::string> row_order;
    std::map<std::string, const Entry*> at_max;
    for (const auto& e : entries) {
      if (e.metric != metric || e.kind == "floor") continue;
      const auto it = at_max.find(e.row);
      if (it == at_max.end()) {
        row_order.push_back(e.row);
        at_max[e.row] = &e;
      } else if (workers_of(e).value_or(0) > workers_of(*it->second).value_or(0)) {
        it->second = &e;
      }
    }
    if (row_order.empty()) continue;
    json f = {{"kind", "memory"}, {"metric", metric}, {"rows", json::array()},
              {"results", json::array()}, {"numbers", json::object()}};
    std::vector<std::string> parts;
    std::set<std::string> names;
    for (const auto& row : row_order) names.insert(at_max[row]->name);
    for (const auto& row : row_order) {
      const Entry* e = at_max[row];
      const auto workers = workers_of(*e);
      f["rows"].push_back(row);
      f["results"].push_back(e->bench);
      f["numbers"][row] = {{"median", e->mean}, {"unit", e->unit},
                           {"workers", workers ? json(*workers) : json(nullptr)}};
      // Name the result per row only where the rows measured different worker counts.
      parts.push_back(fmt::format("{} {}{}", row, format_value(e->mean, e->unit),
                                  names.size() > 1 ? " (" + e->name + ")" : ""));
    }
    findings.push_back(std::move(f));
    const Entry* first = at_max[row_order[0]];
    const std::string where =
        names.size() == 1 && workers_of(*first)
            ? fmt::format("{}, {:.0f} workers", first->name, *workers_of(*first))
            : metric;
    lines.push_back(fmt::format("  memory per worker ({}): {}", where, list_some(parts, 8, ", ")));
    return;  // one memory metric is enough for the verdict; the report has them all
  }
}

// Speedup and efficiency of the wall-time results at the largest worker count <= cores.
void scaling(const std::vector<Entry>& entries, int cores, json& findings,
             std::vector<std::string>& lines) {
  std::vector<std::string> row_order;
  std::map<std::string, std::map<double, const Entry*>> by_row;
  for (const auto& e : entries) {
    if (e.metric != "wall" || !workers_of(e)) continue;
    if (!by_row.count(e.row)) row_order.push_back(e.row);
    by_row[e.row].try_emplace(*workers_of(e), &e);
  }
  std::vector<std::string> parts;
  json f = {{"kind", "scaling"}, {"rows", json::array()}, {"results", json::array()},
            {"numbers", json::object()}};
  double shown_k = 0;
  for (const auto& row : row_order) {
    const auto& m = by_row[row];
    const auto one = m.find(1.0);
    if (one == m.end()) continue;
    const Entry* best = nullptr;
    double k = 0;
    for (const auto& [w, e] : m)
      if (w > 1 && (cores <= 0 || w <= cores) && w > k) {
        k = w;
        best = e;
      }
    if (!best || best->mean <= 0) continue;
    // Weak scaling (workloads/scaling.py): every worker runs the same work, so perfect scaling
    // keeps the wall time flat and speedup(N) = N * wall(1) / wall(N).
    // Per round: wall(1) / wall(N) of that round, so a slow spell hits both sides alike.
    const RatioEstimate eff = paired_ratio(one->second->by_round, best->by_round);
    const double speedup = k * eff.ratio;
    f["rows"].push_back(row);
    f["results"].push_back(one->second->bench);
    f["results"].push_back(best->bench);
    f["numbers"][row] = {{"workers", k},          {"wall_1", one->second->mean},
                         {"wall_n", best->mean},  {"speedup", speedup},
                         {"efficiency", eff.ratio}, {"efficiency_interval", ratio_json(eff)}};
    shown_k = k;
    parts.push_back(fmt::format("{} {:.2f}x ({:.0f}% [{:.0f}, {:.0f}] efficiency at {:.0f})", row,
                                speedup, 100 * eff.ratio, 100 * eff.low, 100 * eff.high, k));
  }
  if (parts.empty()) return;
  findings.push_back(std::move(f));
  lines.push_back(fmt::format("  scaling (N x wall(1) / wall(N) per round, each worker the same "
                              "work, N = {:.0f} <= cores): {}",
                              shown_k, list_some(parts, 8, ", ")));
}

void failures(const json& ib, json& findings, std::vector<std::string>& lines) {
  if (!ib.contains("rows")) return;
  // The same error on many rows (a missing component, a broken Python) is said once.
  std::vector<std::string> error_order;
  std::map<std::string, std::vector<std::string>> where;
  for (const auto& row : ib["rows"]) {
    const std::string name = row.value("row", ""), workload = row.value("workload", "");
    if (row.contains("error") && row["error"].is_string()) {
      const std::string error = row["error"].get<std::string>();
      const json exit = row.value("exit", json::object());
      const bool signalled =
          exit.is_object() && exit.contains("signal") && exit["signal"].is_string();
      const std::string gil =
          row.contains("gil") && row["gil"].is_string() ? row["gil"].get<std::string>() : "";
      // In-process rows (own/shared GIL) host every worker in the child's one process.
      const bool in_process = (gil == "own" || gil == "shared") ||
                              ((name == "subinterp" || name == "thread" || name == "py-threading" ||
                                name == "py-interpreters") && gil.empty());
      findings.push_back({{"kind", "crash"}, {"rows", {name}}, {"workload", workload},
                          {"error", error}, {"signalled", signalled}, {"in_process", in_process},
                          {"results", json::array()}, {"numbers", json::object()}});
      std::string text = error;
      // The supervisor's text usually says who went down already ("took down all 2 workers").
      if (signalled && in_process && error.rfind("killed by", 0) == 0 &&
          error.find("took down") == std::string::npos && error.find("no worker") == std::string::npos)
        text += " (all of its workers share that process and went down with it)";
      if (!where.count(text)) error_order.push_back(text);
      where[text].push_back(name + " on " + workload);
    } else if (row.contains("worker_errors") && row["worker_errors"].is_array() &&
               !row["worker_errors"].empty()) {
      const auto& first = row["worker_errors"][0];
      findings.push_back({{"kind", "worker_error"}, {"rows", {name}}, {"workload", workload},
                          {"error", first.value("error", "")},
                          {"count", row["worker_errors"].size()},
                          {"results", json::array()}, {"numbers", json::object()}});
      lines.push_back(fmt::format("  {} on {}: {} worker(s) failed (first: worker {}: {}); the "
                                  "driver and the row survived",
                                  name, workload, row["worker_errors"].size(),
                                  first.value("worker", -1), first.value("error", "")));
    }
  }
  for (const auto& text : error_order) {
    const auto& rows = where[text];
    if (rows.size() == 1)
      lines.push_back(fmt::format("  {}: {}", rows[0], text));
    else
      lines.push_back(fmt::format("  {} rows: {} ({})", rows.size(), text,
                                  list_some(rows, 6, ", ")));
  }
}

}  // namespace

json make_verdict(const json& ib) {
  const std::vector<Entry> entries = entries_of(ib);
  json findings = json::array();
  std::vector<std::string> lines;
  lines.push_back("Verdict (from this run's figures only)");
  const std::size_t before_winners = lines.size();
  winners(entries, findings, lines);
  if (lines.size() == before_winners) lines.push_back("  (no result measured on two rows)");

  lines.push_back("Why not subprocesses?");
  // interpbench's own backends first; the standard library's equivalents say the same for what
  // Python users have today.
  const bool ours = match_or_gap(entries, "subinterp", "subprocess", "subprocess (shared memory)",
                                 findings, lines);
  const bool stdlib = match_or_gap(entries, "py-interpreters", "py-multiprocessing-fork",
                                   "py-multiprocessing-fork (pipes)", findings, lines);
  if (!ours && !stdlib)
    lines.push_back("  (needs subinterp and subprocess rows, or py-interpreters and "
                    "py-multiprocessing-fork rows, on the same workloads)");
  codec_share(entries, findings, lines);
  startup_costs(entries, findings, lines);
  memory_costs(entries, findings, lines);
  int cores = 0;
  if (ib.contains("environment") && ib["environment"].is_object())
    cores = ib["environment"].value("num_cpus", 0);
  scaling(entries, cores, findings, lines);
  extcompat_verdict(ib, findings, lines);

  std::vector<std::string> failure_lines;
  failures(ib, findings, failure_lines);
  if (!failure_lines.empty()) {
    lines.push_back("Failures");
    lines.insert(lines.end(), failure_lines.begin(), failure_lines.end());
  }
  return {{"findings", std::move(findings)}, {"lines", std::move(lines)}};
}

}  // namespace interpbench
