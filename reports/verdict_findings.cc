#include "reports/verdict_findings.h"

#include <algorithm>
#include <map>

#include "reports/paired.h"

namespace interpbench {
namespace {

using Entry = VerdictEntry;

std::vector<Entry> entries_of(const report::Run& run) {
  std::vector<Entry> out;
  for (const auto& row : run.rows)
    for (const auto& r : row.results)
      if (!r.is_status())  // an outcome, not a figure (reports/ext_matrix.h)
        out.push_back({row.row, row.kind, row.workload, r.name, r.metric, r.unit, r.benchmark_name,
                       r.higher_is_better, r.figure, r.by_round, r.workers});
  return out;
}

bool is_cost_metric(const std::string& metric) {
  return metric.rfind("memory_", 0) == 0 || metric == "startup" || metric == "teardown";
}

// Encode and decode run the same codec in the driver's main interpreter whatever the row: a
// difference between rows there is the machine's state at that second, not the concurrency
// model, so no row "wins" them (codec_share still reports them).
bool is_codec_metric(const std::string& metric) { return metric == "encode" || metric == "decode"; }

// Is a better than b (by its figure), for this metric's direction?
bool better(const Entry& a, const Entry& b) {
  return a.higher_is_better ? a.mean > b.mean : a.mean < b.mean;
}

// a compared with b, paired by round.
Comparison compare(const Entry& a, const Entry& b) {
  Comparison c;
  const RatioEstimate ab = paired_ratio(a.by_round, b.by_round);  // a / b
  c.a_better = a.higher_is_better ? ab.ratio > 1 : ab.ratio < 1;
  // worse / better: b / a when a is better at a time, a / b when a is better at a rate.
  c.r = (c.a_better != a.higher_is_better) ? inverted(ab) : ab;
  return c;
}

// Groups of entries that measure the same thing on different rows, in first-seen order.
using Groups = std::vector<std::vector<const Entry*>>;
Groups group_by(const std::vector<const Entry*>& entries, auto key_of) {
  Groups groups;
  std::map<std::string, std::size_t> index;
  for (const Entry* e : entries) {
    const auto [it, fresh] = index.try_emplace(key_of(*e), groups.size());
    if (fresh) groups.emplace_back();
    groups[it->second].push_back(e);
  }
  return groups;
}

std::vector<const Entry*> where(const std::vector<Entry>& entries, auto keep) {
  std::vector<const Entry*> out;
  for (const auto& e : entries)
    if (keep(e)) out.push_back(&e);
  return out;
}

std::string same_result(const Entry& e) { return e.workload + "\n" + e.metric + "\n" + e.name; }

const Entry* find_row(const std::vector<const Entry*>& group, const std::string& row) {
  for (const Entry* e : group)
    if (e->row == row) return e;
  return nullptr;
}

// Per result: the winner over the runner-up (floors, costs and codec steps have none).
std::vector<PairFinding> winners(const std::vector<Entry>& entries) {
  std::vector<PairFinding> out;
  for (const auto& group : group_by(where(entries, [](const Entry&) { return true; }), same_result)) {
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
    out.push_back({"winner", rows[0], rows[1], compare(*rows[0], *rows[1])});
  }
  return out;
}

// A process row against a subinterpreter row on the communication and throughput results.
MatchFindings match_or_gap(const std::vector<Entry>& entries, const std::string& interp_row,
                           const std::string& process_row, const std::string& process_label) {
  MatchFindings out{interp_row, process_row, process_label, {}};
  for (const auto& group : group_by(where(entries, [](const Entry&) { return true; }), same_result)) {
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
    out.pairs.push_back({kind, si, sp, c});
  }
  return out;
}

// "objects/ints/16/pickle5" of "objects/ints/16/pickle5/transfer".
std::string strip_metric(const Entry& e) {
  const std::string suffix = "/" + e.metric;
  return e.name.size() > suffix.size() &&
                 e.name.compare(e.name.size() - suffix.size(), suffix.size(), suffix) == 0
             ? e.name.substr(0, e.name.size() - suffix.size())
             : e.name;
}

std::vector<CodecShare> codec_shares(const std::vector<Entry>& entries) {
  const auto parts = where(entries, [](const Entry& e) {
    return e.metric == "encode" || e.metric == "transfer" || e.metric == "decode";
  });
  std::vector<CodecShare> out;
  for (const auto& group : group_by(parts, [](const Entry& e) { return e.row + "\n" + strip_metric(e); })) {
    CodecShare s;
    for (const Entry* e : group) {
      if (e->metric == "encode") s.encode = e;
      if (e->metric == "transfer") s.transfer = e;
      if (e->metric == "decode") s.decode = e;
    }
    if (!s.encode || !s.transfer || !s.decode) continue;
    const double total = s.encode->mean + s.transfer->mean + s.decode->mean;
    if (total <= 0) continue;
    s.share = s.transfer->mean / total;
    s.variant = strip_metric(*s.transfer);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<StartupFinding> startups(const std::vector<Entry>& entries) {
  const auto costs = where(entries, [](const Entry& e) { return e.metric == "startup" || e.metric == "teardown"; });
  std::vector<StartupFinding> out;
  for (const auto& group : group_by(costs, [](const Entry& e) { return e.metric + "\n" + e.name; })) {
    StartupFinding f{group, std::nullopt};
    const Entry* si = find_row(group, "subinterp");
    const Entry* sp = find_row(group, "subprocess");
    if (si && sp && si->mean > 0) f.subprocess_over_subinterp = paired_ratio(sp->by_round, si->by_round);
    out.push_back(std::move(f));
  }
  return out;
}

// USS, else PSS, else RSS: one memory metric is enough for the verdict; the report has them all.
std::optional<MemoryFinding> memory(const std::vector<Entry>& entries) {
  for (const char* metric : {"memory_uss", "memory_pss", "memory_rss"}) {
    MemoryFinding f{metric, {}};
    for (const auto& e : entries) {
      if (e.metric != metric || e.kind == "floor") continue;
      const auto it = std::find_if(f.rows.begin(), f.rows.end(),
                                   [&](const Entry* x) { return x->row == e.row; });
      if (it == f.rows.end())
        f.rows.push_back(&e);
      else if (e.workers.value_or(0) > (*it)->workers.value_or(0))
        *it = &e;
    }
    if (!f.rows.empty()) return f;
  }
  return std::nullopt;
}

// Speedup and efficiency of the wall-time results at the largest worker count <= cores.
std::vector<ScalingFinding> scaling(const std::vector<Entry>& entries, int cores) {
  std::vector<std::string> row_order;
  std::map<std::string, std::map<double, const Entry*>> by_row;
  for (const auto& e : entries) {
    if (e.metric != "wall" || !e.workers) continue;
    if (!by_row.count(e.row)) row_order.push_back(e.row);
    by_row[e.row].try_emplace(*e.workers, &e);
  }
  std::vector<ScalingFinding> out;
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
    out.push_back({row, one->second, best, k, eff, k * eff.ratio});
  }
  return out;
}

}  // namespace

std::string name_and_metric(const VerdictEntry& e) {
  const std::string padded = "/" + e.name + "/";
  return padded.find("/" + e.metric + "/") != std::string::npos ? e.name
                                                                  : e.name + " " + e.metric;
}

std::string variant_of(const VerdictEntry& e) {
  const std::string prefix = e.workload + "/";
  return e.name.rfind(prefix, 0) == 0 ? e.name.substr(prefix.size()) : e.name;
}

VerdictFindings verdict_findings(const report::Run& run) {
  VerdictFindings f;
  f.entries = entries_of(run);
  const auto& entries = f.entries;
  f.winners = winners(entries);
  // interpbench's own backends first; the standard library's equivalents say the same for what
  // Python users have today.
  f.matches.push_back(match_or_gap(entries, "subinterp", "subprocess", "subprocess (shared memory)"));
  f.matches.push_back(match_or_gap(entries, "py-interpreters-poll", "py-multiprocessing-fork",
                                   "py-multiprocessing-fork (pipes)"));
  f.codec_shares = codec_shares(entries);
  f.startups = startups(entries);
  f.memory = memory(entries);
  f.scaling = scaling(entries, run.num_cpus);
  f.failures = failure_findings(run);
  return f;
}

}  // namespace interpbench
