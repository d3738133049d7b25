#include "reports/verdict.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/human_units.h"
#include "reports/ext_matrix.h"
#include "reports/paired.h"
#include "reports/verdict_findings.h"
#include "reports/verdict_text.h"

namespace interpbench {
namespace {

using json = nlohmann::json;
using Entry = VerdictEntry;

std::string ratio_text(const RatioEstimate& r) { return format_ratio_interval(r); }

std::string better_word(const Entry& e) { return e.unit == "KiB" ? "smaller" : "faster"; }

json pair_json(const PairFinding& p) {
  const Entry& a = *p.a;
  const Entry& b = *p.b;
  const RatioEstimate& r = p.c.r;
  json f;
  f["kind"] = p.kind;
  f["workload"] = a.workload;
  f["variant"] = a.name;
  f["metric"] = a.metric;
  f["rows"] = {a.row, b.row};
  f["results"] = {a.bench, b.bench};
  f["numbers"] = {{"ratio", r.ratio},    {"ratio_low", r.low}, {"ratio_high", r.high},
                  {"rounds", r.n},       {"p_value", r.p_value}, {"a_median", a.mean},
                  {"b_median", b.mean},  {"unit", a.unit},
                  {"source", "median of per-round ratios"}};
  f["significant"] = r.significant;
  return f;
}

// Per workload and metric: a line of the winners, or their tally when there are many variants.
void render_winners(const std::vector<PairFinding>& winners, json& findings,
                    std::vector<std::string>& lines) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::string>> texts;
  std::map<std::string, std::map<std::string, int>> tally;
  std::map<std::string, int> significant;
  for (const PairFinding& p : winners) {
    findings.push_back(pair_json(p));
    const Entry& best = *p.a;
    const Entry& next = *p.b;
    const RatioEstimate& r = p.c.r;
    const std::string wm = best.workload + " " + best.metric;
    if (!texts.count(wm)) order.push_back(wm);
    tally[wm][best.row]++;
    if (r.significant) significant[wm]++;
    texts[wm].push_back(
        r.significant
            ? fmt::format("{}: {} {} times {} than {}", variant_of(best), best.row, ratio_text(r),
                          better_word(best), next.row)
            : fmt::format("{}: {} and {} not significantly different ({})", variant_of(best),
                          best.row, next.row, ratio_text(r)));
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

// Where the process row matches (within kMatchWithin or within noise) and where it doesn't.
// Returns false when the two rows share no result.
bool render_match(const MatchFindings& m, json& findings, std::vector<std::string>& lines) {
  std::vector<std::string> match, noise, interp_better, process_better;
  for (const PairFinding& p : m.pairs) {
    json f = pair_json(p);
    f["within"] = kMatchWithin;
    findings.push_back(std::move(f));
    const std::string label = name_and_metric(*p.a);
    if (p.kind == "match")
      match.push_back(fmt::format("{} ({})", label, ratio_text(p.c.r)));
    else if (p.kind == "noise")
      noise.push_back(label);
    else if (p.c.a_better)
      interp_better.push_back(fmt::format("{} {} times", label, ratio_text(p.c.r)));
    else
      process_better.push_back(fmt::format("{} {} times", label, ratio_text(p.c.r)));
  }
  const std::size_t total = m.pairs.size();
  if (total == 0) return false;
  lines.push_back(fmt::format("  {} vs {} over {} shared results:", m.process_label, m.interp_row,
                              total));
  lines.push_back(fmt::format("    within {:.0f}% (the whole 95% interval): {}{}{}", 100 * kMatchWithin, match.size(),
                              match.empty() ? "" : ": ", list_some(match, 3)));
  if (!interp_better.empty())
    lines.push_back(fmt::format("    {} better by more than 10%: {}: {}", m.interp_row, interp_better.size(),
                                list_some(interp_better)));
  if (!process_better.empty())
    lines.push_back(fmt::format("    {} better by more than 10%: {}: {}", m.process_row, process_better.size(),
                                list_some(process_better)));
  if (!noise.empty())
    lines.push_back(fmt::format("    not decided: {} (the 95% interval reaches past 1.1x on one side "
                                "and not on the other; more --rounds would narrow it)",
                                noise.size()));
  return true;
}

// How much of passing an object is the channel (transfer) versus the codec (encode + decode).
void render_codec_shares(const std::vector<CodecShare>& shares, json& findings,
                         std::vector<std::string>& lines) {
  std::vector<std::string> row_order;
  std::map<std::string, std::pair<double, double>> range;  // row -> min, max transfer share
  std::map<std::string, int> count;
  for (const CodecShare& s : shares) {
    const Entry& tr = *s.transfer;
    findings.push_back({{"kind", "codec_share"},
                        {"workload", tr.workload},
                        {"variant", s.variant},
                        {"rows", {tr.row}},
                        {"results", {s.encode->bench, tr.bench, s.decode->bench}},
                        {"numbers",
                         {{"encode_mean", s.encode->mean},
                          {"transfer_mean", tr.mean},
                          {"decode_mean", s.decode->mean},
                          {"transfer_share", s.share},
                          {"unit", tr.unit}}}});
    if (!range.count(tr.row)) {
      row_order.push_back(tr.row);
      range[tr.row] = {s.share, s.share};
    }
    range[tr.row].first = std::min(range[tr.row].first, s.share);
    range[tr.row].second = std::max(range[tr.row].second, s.share);
    count[tr.row]++;
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
void render_startups(const std::vector<StartupFinding>& startups, json& findings,
                     std::vector<std::string>& lines) {
  for (const StartupFinding& s : startups) {
    const Entry& first = *s.rows[0];
    json f = {{"kind", "startup"}, {"workload", first.workload}, {"variant", first.name},
              {"metric", first.metric}, {"rows", json::array()}, {"results", json::array()},
              {"numbers", json::object()}};
    std::vector<std::string> parts;
    for (const Entry* e : s.rows) {
      f["rows"].push_back(e->row);
      f["results"].push_back(e->bench);
      f["numbers"][e->row] = {{"median", e->mean}, {"unit", e->unit}};
      parts.push_back(fmt::format("{} {}", e->row, format_value(e->mean, e->unit)));
    }
    std::string ratio;
    if (const auto& r = s.subprocess_over_subinterp) {
      f["numbers"]["subprocess_over_subinterp"] = ratio_json(*r);
      f["significant"] = r->significant;
      ratio = r->significant ? fmt::format("; subprocess takes {} times subinterp's",
                                           format_ratio_interval(*r))
                             : "; subprocess and subinterp not significantly different";
    }
    findings.push_back(std::move(f));
    lines.push_back(fmt::format("  {} ({}): {}{}", first.metric, first.name,
                                list_some(parts, 8, ", "), ratio));
  }
}

void render_memory(const MemoryFinding& m, json& findings, std::vector<std::string>& lines) {
  json f = {{"kind", "memory"}, {"metric", m.metric}, {"rows", json::array()},
            {"results", json::array()}, {"numbers", json::object()}};
  std::vector<std::string> parts;
  std::set<std::string> names;
  for (const Entry* e : m.rows) names.insert(e->name);
  for (const Entry* e : m.rows) {
    f["rows"].push_back(e->row);
    f["results"].push_back(e->bench);
    f["numbers"][e->row] = {{"median", e->mean}, {"unit", e->unit},
                            {"workers", e->workers ? json(*e->workers) : json(nullptr)}};
    // Name the result per row only where the rows measured different worker counts.
    parts.push_back(fmt::format("{} {}{}", e->row, format_value(e->mean, e->unit),
                                names.size() > 1 ? " (" + e->name + ")" : ""));
  }
  findings.push_back(std::move(f));
  const Entry* first = m.rows[0];
  const std::string where = names.size() == 1 && first->workers
                                ? fmt::format("{}, {:.0f} workers", first->name, *first->workers)
                                : m.metric;
  lines.push_back(fmt::format("  memory per worker ({}): {}", where, list_some(parts, 8, ", ")));
}

void render_scaling(const std::vector<ScalingFinding>& scaling, json& findings,
                    std::vector<std::string>& lines) {
  if (scaling.empty()) return;
  json f = {{"kind", "scaling"}, {"rows", json::array()}, {"results", json::array()},
            {"numbers", json::object()}};
  std::vector<std::string> parts;
  for (const ScalingFinding& s : scaling) {
    const RatioEstimate& eff = s.efficiency;
    f["rows"].push_back(s.row);
    f["results"].push_back(s.one->bench);
    f["results"].push_back(s.at_n->bench);
    f["numbers"][s.row] = {{"workers", s.workers},      {"wall_1", s.one->mean},
                           {"wall_n", s.at_n->mean},    {"speedup", s.speedup},
                           {"efficiency", eff.ratio},   {"efficiency_interval", ratio_json(eff)}};
    parts.push_back(fmt::format("{} {:.2f}x ({:.0f}% [{:.0f}, {:.0f}] efficiency at {:.0f})", s.row,
                                s.speedup, 100 * eff.ratio, 100 * eff.low, 100 * eff.high,
                                s.workers));
  }
  findings.push_back(std::move(f));
  lines.push_back(fmt::format("  scaling (N x wall(1) / wall(N) per round, each worker the same "
                              "work, N = {:.0f} <= cores): {}",
                              scaling.back().workers, list_some(parts, 8, ", ")));
}

}  // namespace

json make_verdict(const report::Run& run) {
  const VerdictFindings v = verdict_findings(run);
  json findings = json::array();
  std::vector<std::string> lines;
  lines.push_back("Verdict (from this run's figures only)");
  render_winners(v.winners, findings, lines);
  if (v.winners.empty()) lines.push_back("  (no result measured on two rows)");

  lines.push_back("Why not subprocesses?");
  bool any = false;
  for (const MatchFindings& m : v.matches) any = render_match(m, findings, lines) || any;
  if (!any)
    lines.push_back("  (needs subinterp and subprocess rows, or py-interpreters-poll and "
                    "py-multiprocessing-fork rows, on the same workloads)");
  render_codec_shares(v.codec_shares, findings, lines);
  render_startups(v.startups, findings, lines);
  if (v.memory) render_memory(*v.memory, findings, lines);
  render_scaling(v.scaling, findings, lines);
  extcompat_verdict(run, findings, lines);

  std::vector<std::string> failure_lines;
  render_failures(v.failures, findings, failure_lines);
  if (!failure_lines.empty()) {
    lines.push_back("Failures");
    lines.insert(lines.end(), failure_lines.begin(), failure_lines.end());
  }
  return {{"findings", std::move(findings)}, {"lines", std::move(lines)}};
}

}  // namespace interpbench
