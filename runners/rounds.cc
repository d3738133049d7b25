#include "runners/rounds.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "core/round_statistics.h"

namespace interpbench {
namespace {

// Streams of the seed: one per (workload, round) for the row order, another for the side order,
// so that adding a round or a side does not reshuffle the others.
constexpr std::uint64_t kRowStream = 0x1000;
constexpr std::uint64_t kSideStream = 0x2000;

std::uint64_t stream_of(std::size_t workload, int round, std::uint64_t kind) {
  return kind + (static_cast<std::uint64_t>(workload) << 32) + static_cast<std::uint64_t>(round);
}

// The key of a result inside one child: name and metric (a workload may time one name twice).
std::string result_key(const nlohmann::json& r) {
  if (!r.is_object()) return {};
  const auto text = [&](const char* k) {
    return r.contains(k) && r[k].is_string() ? r[k].get<std::string>() : std::string();
  };
  return text("name") + "\n" + text("metric");
}

// Result fields with one entry per repetition (docs/design.md): concatenated like repetitions.
constexpr const char* kPerRepetition[] = {"cpus"};

}  // namespace

std::vector<ScheduledChild> round_schedule(const Plan& plan, int sides) {
  std::vector<ScheduledChild> out;
  sides = std::max(sides, 1);
  std::size_t workload_index = 0;
  for (std::size_t begin = 0; begin < plan.children.size(); ++workload_index) {
    std::size_t end = begin;
    while (end < plan.children.size() &&
           plan.children[end].workload.name == plan.children[begin].workload.name)
      ++end;
    int rounds = 1;
    for (std::size_t i = begin; i < end; ++i) rounds = std::max(rounds, plan.children[i].rounds);
    for (int round = 0; round < rounds; ++round) {
      const auto order =
          shuffled_order(end - begin, plan.seed, stream_of(workload_index, round, kRowStream));
      for (std::size_t k = 0; k < order.size(); ++k) {
        const std::size_t child = begin + order[k];
        if (round >= plan.children[child].rounds) continue;
        const auto side_order = shuffled_order(
            static_cast<std::size_t>(sides), plan.seed,
            stream_of(workload_index, round, kSideStream + 64 * (k + 1)));
        for (std::size_t s : side_order) out.push_back({child, round, static_cast<int>(s)});
      }
    }
    begin = end;
  }
  return out;
}

ChildRun merge_rounds(std::vector<ChildRun> rounds, int rounds_planned) {
  if (rounds.empty()) return {};
  if (rounds.size() == 1 && rounds_planned <= 1) {
    // One round: every repetition is round 0. Without the list json_report would count each
    // repetition as a round of its own (as for a child file without rounds).
    ChildRun only = std::move(rounds.front());
    if (only.child.is_object() && only.child.contains("results") && only.child["results"].is_array())
      for (auto& r : only.child["results"])
        if (r.is_object() && r.contains("repetitions") && r["repetitions"].is_array())
          r["rounds"] = nlohmann::json(std::vector<int>(r["repetitions"].size(), 0));
    return only;
  }

  // Results in first-seen order, repetitions appended round by round.
  std::vector<std::string> order;
  std::map<std::string, nlohmann::json> merged;
  nlohmann::json notes = nlohmann::json::array(), worker_errors = nlohmann::json::array();
  std::string error;
  double wall_s = 0;
  std::vector<std::array<double, 2>> spans_s;
  for (std::size_t round = 0; round < rounds.size(); ++round) {
    const ChildRun& c = rounds[round];
    wall_s += c.wall_s;
    spans_s.insert(spans_s.end(), c.spans_s.begin(), c.spans_s.end());
    // A stop request is the run's, not the round's: it keeps its text.
    if (error.empty() && !c.error.empty())
      error = c.error.rfind("interrupted", 0) == 0
                  ? c.error
                  : fmt::format("{} (round {} of {})", c.error, round + 1, rounds_planned);
    if (!c.child.is_object()) continue;
    if (c.child.contains("notes") && c.child["notes"].is_array())
      for (const auto& n : c.child["notes"])
        if (std::find(notes.begin(), notes.end(), n) == notes.end()) notes.push_back(n);
    if (c.child.contains("worker_errors") && c.child["worker_errors"].is_array())
      for (const auto& w : c.child["worker_errors"]) {
        nlohmann::json e = w;
        if (e.is_object()) e["round"] = round;
        worker_errors.push_back(std::move(e));
      }
    if (!c.child.contains("results") || !c.child["results"].is_array()) continue;
    for (const auto& r : c.child["results"]) {
      const std::string key = result_key(r);
      const bool has_reps = r.is_object() && r.contains("repetitions") && r["repetitions"].is_array();
      auto [it, fresh] = merged.try_emplace(key);
      if (fresh) {
        order.push_back(key);
        it->second = r;
        if (has_reps) {
          it->second["rounds"] = nlohmann::json::array();
          for (std::size_t k = 0; k < r["repetitions"].size(); ++k) it->second["rounds"].push_back(round);
        }
        continue;
      }
      // A malformed result is kept as the child wrote it; json_report names the problem.
      if (!has_reps || !it->second.contains("rounds")) continue;
      for (const auto& rep : r["repetitions"]) {
        it->second["repetitions"].push_back(rep);
        it->second["rounds"].push_back(round);
      }
      for (const char* key : kPerRepetition)
        if (r.contains(key) && r[key].is_array() && it->second.contains(key) && it->second[key].is_array())
          for (const auto& x : r[key]) it->second[key].push_back(x);
    }
  }
  // The first round's result file carries the row's metadata (gil, python, pinning...); the
  // last round says how the child ended.
  ChildRun result = std::move(rounds.front());
  const ChildRun& last = rounds.back();
  if (rounds.size() > 1) {
    result.exit_code = last.exit_code;
    result.signal = last.signal;
    if (!last.stderr_tail.empty()) result.stderr_tail = last.stderr_tail;
    if (!result.child.is_object() && last.child.is_object()) result.child = last.child;
  }
  result.wall_s = wall_s;
  result.spans_s = std::move(spans_s);
  result.error = error;
  if (result.child.is_object()) {
    nlohmann::json results = nlohmann::json::array();
    for (const auto& key : order) results.push_back(std::move(merged[key]));
    result.child["results"] = std::move(results);
    result.child["notes"] = std::move(notes);
    result.child["worker_errors"] = std::move(worker_errors);
    result.child["rounds_run"] = rounds.size();
  }
  return result;
}

}  // namespace interpbench
