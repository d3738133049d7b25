#include "reports/targets.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/human_units.h"
#include "reports/paired.h"

namespace interpbench {
namespace {

using json = nlohmann::json;

// Above this split-half disagreement the run warns that its headline ratios may not hold on
// the next run (docs/design.md, "Rounds").
constexpr double kSplitHalfWarn = 0.10;

// One side of a ratio: a row's result, by its median over rounds (each round's value is the
// median of that round's samples), with the value of each round for pairing.
struct Side {
  std::string row, result, unit;
  double p50 = 0;
  std::vector<double> by_round;
  double bytes_per_op = 0;  // > 0 when the result moves bytes (throughput = bytes / time)
  int n = 0;
};

json side_json(const Side& s) {
  json j = {{"row", s.row}, {"result", s.result}, {"p50", s.p50}, {"unit", s.unit},
            {"rounds", s.by_round.size()}, {"n", s.n}};
  if (s.bytes_per_op > 0) j["bytes_per_op"] = s.bytes_per_op;
  return j;
}

// The result `name` (with `metric`) of row `row`.
std::optional<Side> find(const report::Run& run, const std::string& row, const std::string& name,
                         const std::string& metric) {
  const report::Result* res = report::find_result(run, row, name, metric);
  if (!res) return std::nullopt;
  const std::string bench =
      res->benchmark_name.empty() ? name + "/" + metric + "/" + row : res->benchmark_name;
  return Side{row, bench, res->unit, res->figure, res->by_round, res->bytes_per_op,
              static_cast<int>(res->summary.n)};
}

// Every row label of the run that starts with `prefix` ("py-multiprocessing-").
std::vector<std::string> rows_starting(const report::Run& run, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& r : run.rows)
    if (r.row.rfind(prefix, 0) == 0 && std::find(out.begin(), out.end(), r.row) == out.end())
      out.push_back(r.row);
  return out;
}

struct Goal {
  bool at_most = true;  // ratio <= value; else ratio >= value
  double value = 0;
  std::string text;  // "<= 1/10"
};

class Targets {
 public:
  explicit Targets(const report::Run& run) : run_(run) {}

  // A ratio of p50s: a / b, or b / a when `inverted` (throughput from times: b's time over a's).
  void ratio(const std::string& id, const std::string& what, const std::string& measure,
             const std::optional<Side>& a, const std::optional<Side>& b, const Goal& goal,
             const std::string& missing_a, const std::string& missing_b, bool inverted = false) {
    json t = {{"id", id}, {"what", what}, {"measure", measure},
              {"goal", {{"op", goal.at_most ? "<=" : ">="}, {"value", goal.value}, {"text", goal.text}}}};
    if (!a || !b) {
      t["met"] = nullptr;
      t["missing"] = !a ? missing_a : missing_b;
      lines_.push_back(fmt::format("  {:<3} {:<50} not measured: {}", id, what,
                                   t["missing"].get<std::string>()));
      targets_.push_back(std::move(t));
      return;
    }
    // Paired by round: the median of a[r] / b[r] (b / a inverted) with its 95% interval.
    const RatioEstimate est = inverted ? paired_ratio(b->by_round, a->by_round) : paired_ratio(a->by_round, b->by_round);
    const double r = est.ratio;
    const bool met = goal.at_most ? r <= goal.value : r >= goal.value;
    // Undecided: the interval holds the goal, so another run may land on the other side.
    const bool undecided = est.low <= goal.value && goal.value <= est.high;
    t["numerator"] = side_json(*a);
    t["denominator"] = side_json(*b);
    t["ratio"] = r;
    t["interval"] = ratio_json(est);
    t["inverted"] = inverted;
    t["met"] = met;
    t["undecided"] = undecided;
    const SplitHalf half = inverted ? split_half(b->by_round, a->by_round) : split_half(a->by_round, b->by_round);
    if (half.available) t["split_half"] = {{"even", half.even}, {"odd", half.odd}, {"disagreement", half.disagreement}};
    // How far off: the factor the ratio must still improve by (1 when met).
    const double off = met ? 1.0 : (goal.at_most ? r / goal.value : goal.value / r);
    t["missed_by"] = off;
    std::string verdict = met ? "met" : fmt::format("MISSED by {:.2f}x", off);
    if (undecided) verdict += " (undecided: the 95% interval holds the goal)";
    // An inverted ratio of times is a ratio of throughputs: shown as such when bytes moved.
    auto shown = [&](const Side& x) {
      return inverted && x.bytes_per_op > 0 && x.unit == "ns"
                 ? format_value(x.bytes_per_op / x.p50 * 1e9, "B/s")
                 : format_value(x.p50, x.unit);
    };
    const std::string figures =
        inverted && !(a->bytes_per_op > 0 && b->bytes_per_op > 0)
            ? fmt::format("{} / {}", shown(*b), shown(*a))
            : fmt::format("{} / {}", shown(*a), shown(*b));
    // As printed, so that the report tables (render_report.py) show the same text.
    t["figures"] = figures;
    t["verdict"] = verdict;
    t["ratio_text"] = format_ratio_interval(est);
    lines_.push_back(fmt::format("  {:<3} {:<50} {:>22} = {:<20} goal {:<7} {}", id, what,
                                 figures, format_ratio_interval(est), goal.text, verdict));
    targets_.push_back(std::move(t));
  }

  // A headline ratio: no goal, the figure a reader quotes (docs/performance.md, "Headline
  // ratios"); a / b paired by round, or b / a when `inverted`.
  void headline(const std::string& what, const std::optional<Side>& a, const std::optional<Side>& b,
                bool inverted = false) {
    if (!a || !b) return;
    const RatioEstimate est = inverted ? paired_ratio(b->by_round, a->by_round) : paired_ratio(a->by_round, b->by_round);
    json h = {{"what", what}, {"numerator", side_json(*a)}, {"denominator", side_json(*b)},
              {"ratio", est.ratio}, {"interval", ratio_json(est)}, {"inverted", inverted},
              {"ratio_text", format_ratio_interval(est)}};
    const SplitHalf half = inverted ? split_half(b->by_round, a->by_round) : split_half(a->by_round, b->by_round);
    if (half.available) h["split_half"] = {{"even", half.even}, {"odd", half.odd}, {"disagreement", half.disagreement}};
    headline_lines_.push_back(fmt::format("  {:<58} {}{}", what, format_ratio_interval(est),
                                          est.significant ? "" : "  (interval holds 1)"));
    headlines_.push_back(std::move(h));
  }

  std::optional<Side> get(const std::string& row, const std::string& name,
                          const std::string& metric) const {
    return find(run_, row, name, metric);
  }

  json result() const {
    json lines = json::array();
    // A run that measured none of them (a single workload, say) prints nothing about them.
    const bool any = std::any_of(targets_.begin(), targets_.end(),
                                 [](const json& t) { return !t["met"].is_null(); });
    if (any) {
      lines.push_back(
          "Targets (docs/performance.md; medians of per-round ratios [95% interval], goals not gates)");
      for (const auto& l : lines_) lines.push_back(l);
    }
    // Reproducibility: every ratio above recomputed on the odd and on the even rounds.
    double worst = 0;
    std::string worst_what;
    std::size_t compared = 0;
    for (const json* list : {&headlines_, &targets_})
      for (const auto& t : *list)
        if (t.contains("split_half")) {
          ++compared;
          const double d = t["split_half"]["disagreement"].get<double>();
          if (d >= worst) {
            worst = d;
            worst_what = t["what"].get<std::string>();
          }
        }
    json reproducibility = nullptr;
    if (compared > 0) {
      reproducibility = {{"ratios", compared}, {"max_disagreement", worst}, {"worst", worst_what},
                         {"warn_above", kSplitHalfWarn}};
      reproducibility["line"] = fmt::format(
          "Reproducibility: the {} ratios above agree within {:.1f}% between the odd and the even "
          "rounds of this run (worst: {}){}",
          compared, 100 * worst, worst_what, worst > kSplitHalfWarn ? "; above 10%: see the warning" : "");
    }
    if (!headlines_.empty()) {
      lines.push_back("Headline ratios (medians of per-round ratios [95% interval])");
      for (const auto& l : headline_lines_) lines.push_back(l);
    }
    if (!reproducibility.is_null()) lines.push_back(reproducibility["line"]);
    return {{"statistic", "median of per-round ratios"}, {"targets", targets_},
            {"headlines", headlines_}, {"reproducibility", reproducibility}, {"lines", lines}};
  }

 private:
  const report::Run& run_;
  json targets_ = json::array();
  json headlines_ = json::array();
  std::vector<std::string> lines_, headline_lines_;
};

std::string missing(const std::string& row, const std::string& result) {
  const std::string workload = result.substr(0, result.find('/'));
  return fmt::format("no {} result on row {} (run --workload {} --backend {})", result, row,
                     workload, row);
}

// The fastest (lowest p50) of rows starting with `prefix`, for a conservative comparison.
std::optional<Side> best_of(const Targets& t, const report::Run& run, const std::string& prefix,
                            const std::string& name, const std::string& metric) {
  std::optional<Side> best;
  for (const auto& row : rows_starting(run, prefix))
    if (auto s = t.get(row, name, metric); s && (!best || s->p50 < best->p50)) best = s;
  return best;
}

// The round-trip sizes of the run, smallest first, each with its result's name ("pingpong/8";
// not the floor's "pingpong/8/shm").
std::set<std::pair<std::uint64_t, std::string>> pingpong_sizes(const report::Run& run) {
  std::set<std::pair<std::uint64_t, std::string>> sizes;
  for (const auto& r : run.rows)
    for (const auto& res : r.results) {
      const std::string& n = res.name;
      if (n.rfind("pingpong/", 0) != 0 || res.metric != "round_trip") continue;
      const std::string tail = n.substr(9);
      if (tail.empty() || tail.find_first_not_of("0123456789") != std::string::npos) continue;
      sizes.emplace(std::stoull(tail), n);
    }
  return sizes;
}

// Efficiency of weak scaling at `cores` workers: wall(1) / wall(cores), as a ratio a / b with
// a = wall(1) and b = wall(N), so that >= 0.9 reads as ">= 90% efficiency".
void scaling_target(Targets& t, const std::string& id, const std::string& row, int cores) {
  const std::string n = std::to_string(cores);
  t.ratio(id, fmt::format("{} scaling efficiency at N = {} (cores)", row, n),
          fmt::format("scaling/1 wall p50 / scaling/{} wall p50", n),
          t.get(row, "scaling/1", "wall"), t.get(row, "scaling/" + n, "wall"),
          {false, 0.9, ">= 90%"}, missing(row, "scaling/1"), missing(row, "scaling/" + n));
}

}  // namespace

json make_targets(const report::Run& run) {
  Targets t(run);
  const std::string rt8 = "pingpong/8";
  const std::string rt = "round_trip";
  const std::string measure8 = "8 B round trip p50";
  auto row = [&](const std::string& r) { return t.get(r, rt8, rt); };

  // P1: subinterp against the stdlib's interpreters, threads, and the in-process floor.
  // Against the tuned polling row: the documented API's 10 ms polling sleep (py-interpreters)
  // would meet any goal.
  t.ratio("P1", "subinterp / py-interpreters-poll, 8 B round trip", measure8, row("subinterp"),
          row("py-interpreters-poll"), {true, 0.1, "<= 1/10"}, missing("subinterp", rt8),
          missing("py-interpreters-poll", rt8));
  t.ratio("P1", "subinterp / py-threading, 8 B round trip", measure8, row("subinterp"),
          row("py-threading"), {true, 0.2, "<= 1/5"}, missing("subinterp", rt8),
          missing("py-threading", rt8));
  t.ratio("P1", "subinterp / floor, 8 B round trip", measure8, row("subinterp"), row("floor"),
          {true, 5, "<= 5x"}, missing("subinterp", rt8), missing("floor", rt8));

  // P1': against the physical limit, one cache line bounced between two CPUs (floor-line): the
  // ring's own cost, and what each row pays over the hardware's best. The ring against the line
  // is read from their batched figures (64 round trips timed together): a clock read pair per
  // round trip costs about what the line does, and timed one at a time the ratio of two C++
  // rows reads 1.5 where it is 2.2 (docs/performance.md, "What the clock adds to a sample"). The
  // rows with Python are timed one round trip at a time, and so is the line they are held to.
  const std::string rtb = "round_trip_batched";
  const std::string measure8b = "8 B round trip, 64 timed together, p50";
  const auto line_thread = t.get("floor-line", rt8, rt);
  const auto line_process = t.get("floor-line", "pingpong/8/process", rt);
  const std::string rt8b = rt8 + "/batched";
  t.ratio("P1'", "floor (ring, thread) / floor-line (thread), 8 B", measure8b,
          t.get("floor", rt8b, rtb), t.get("floor-line", rt8b, rtb), {true, 1.5, "<= 1.5x"},
          missing("floor", rt8b), missing("floor-line", rt8b));
  t.ratio("P1'", "floor (ring, process) / floor-line (process), 8 B", measure8b,
          t.get("floor", "pingpong/8/shm/batched", rtb),
          t.get("floor-line", "pingpong/8/process/batched", rtb), {true, 1.5, "<= 1.5x"},
          missing("floor", "pingpong/8/shm/batched"),
          missing("floor-line", "pingpong/8/process/batched"));
  t.ratio("P1'", "subinterp / floor-line (thread), 8 B round trip", measure8, row("subinterp"),
          line_thread, {true, 3, "<= 3x"}, missing("subinterp", rt8), missing("floor-line", rt8));
  t.ratio("P1'", "subprocess / floor-line (process), 8 B round trip", measure8, row("subprocess"),
          line_process, {true, 3, "<= 3x"}, missing("subprocess", rt8),
          missing("floor-line", "pingpong/8/process"));

  // P2: subprocess against multiprocessing (its fastest start method) and against subinterp.
  t.ratio("P2", "subprocess / py-multiprocessing, 8 B round trip", measure8, row("subprocess"),
          best_of(t, run, "py-multiprocessing", rt8, rt), {true, 0.2, "<= 1/5"},
          missing("subprocess", rt8), missing("py-multiprocessing", rt8));
  t.ratio("P2", "subprocess / subinterp, 8 B round trip", measure8, row("subprocess"),
          row("subinterp"), {true, 1.5, "<= 1.5x"}, missing("subprocess", rt8),
          missing("subinterp", rt8));

  // P3' (was P3, >= 50%): 16 MiB stream throughput against memcpy (times per message: memcpy's
  // over ours), with one copy. subprocess: the sender copies into the shared pool and the worker
  // reads the message in place (recv_view); subinterp: the worker copies straight from the
  // sender's bytes.
  const std::string s16 = "stream/16777216";
  for (const auto& [r, goal] : {std::pair<const char*, Goal>{"subinterp", {false, 0.85, ">= 85%"}},
                                {"subprocess", {false, 0.7, ">= 70%"}}})
    t.ratio("P3'", fmt::format("{} / memcpy, 16 MiB stream throughput", r),
            "throughput = memcpy's ns per 16 MiB / the row's ns per 16 MiB message (p50)",
            t.get(r, s16, "one_way"), t.get("memcpy", s16, "one_way"), goal, missing(r, s16),
            missing("memcpy", s16), /*inverted=*/true);

  // P6: never slower than the standard library's counterpart, at every round-trip size of the
  // run: subinterp against the tuned interpreters row (the documented API's 10 ms polling sleep
  // would meet it trivially), subprocess against the fastest multiprocessing start method,
  // thread against py-threading.
  for (const auto& [bytes, name] : pingpong_sizes(run)) {
    const std::string what = size_label(static_cast<double>(bytes));
    t.ratio("P6", fmt::format("round trip at {}: subinterp / py-interpreters-poll", what),
            name + " round trip p50", t.get("subinterp", name, rt),
            t.get("py-interpreters-poll", name, rt), {true, 1, "<= 1x"}, missing("subinterp", name),
            missing("py-interpreters-poll", name));
    t.ratio("P6", fmt::format("round trip at {}: subprocess / py-multiprocessing", what),
            name + " round trip p50", t.get("subprocess", name, rt),
            best_of(t, run, "py-multiprocessing", name, rt), {true, 1, "<= 1x"},
            missing("subprocess", name), missing("py-multiprocessing", name));
    t.ratio("P6", fmt::format("round trip at {}: thread / py-threading", what),
            name + " round trip p50", t.get("thread", name, rt), t.get("py-threading", name, rt),
            {true, 1, "<= 1x"}, missing("thread", name), missing("py-threading", name));
  }

  // P4: startup to the first message.
  t.ratio("P4", "subinterp / bare-interp, startup", "startup/start p50", t.get("subinterp", "startup/start", "startup"),
          t.get("bare-interp", "startup/start", "startup"), {true, 1.1, "<= 1.1x"},
          missing("subinterp", "startup/start"), missing("bare-interp", "startup/start"));
  t.ratio("P4", "subprocess-zygote / subprocess (exec), startup", "startup/start p50",
          t.get("subprocess-zygote", "startup/start", "startup"),
          t.get("subprocess", "startup/start", "startup"), {true, 0.2, "<= 1/5"},
          missing("subprocess-zygote", "startup/start"), missing("subprocess", "startup/start"));

  // P5: weak-scaling efficiency at N = cores.
  const int cores = run.num_cpus;
  if (cores >= 1) {
    scaling_target(t, "P5", "subinterp", cores);
    scaling_target(t, "P5", "subprocess", cores);
  }

  // Headline ratios: what a reader quotes from a run; their split halves are the run's
  // reproducibility figure.
  const std::string rt1m = "pingpong/1048576";
  t.headline("8 B round trip, subprocess / subinterp", row("subprocess"), row("subinterp"));
  t.headline("1 MiB round trip, subprocess / subinterp", t.get("subprocess", rt1m, rt),
             t.get("subinterp", rt1m, rt));
  t.headline("8 B round trip, subinterp / py-interpreters", row("subinterp"), row("py-interpreters"));
  t.headline("8 B round trip, subinterp / py-interpreters-poll", row("subinterp"),
             row("py-interpreters-poll"));
  t.headline("8 B round trip, subprocess / py-multiprocessing-fork", row("subprocess"),
             row("py-multiprocessing-fork"));
  t.headline("startup, subprocess / subinterp", t.get("subprocess", "startup/start", "startup"),
             t.get("subinterp", "startup/start", "startup"));
  t.headline("startup, subprocess-zygote / subinterp",
             t.get("subprocess-zygote", "startup/start", "startup"),
             t.get("subinterp", "startup/start", "startup"));
  // Memory per worker at the most workers both rows measured (USS).
  for (const char* n : {"8", "4", "2", "1"}) {
    const std::string name = fmt::format("memory/{}/uss", n);
    auto a = t.get("subprocess", name, "memory_uss"), b = t.get("subinterp", name, "memory_uss");
    if (!a || !b) continue;
    t.headline(fmt::format("memory per worker (USS, {} workers), subprocess / subinterp", n), a, b);
    break;
  }
  // Throughput ratio from times: subprocess's time over subinterp's.
  t.headline("16 MiB stream throughput, subinterp / subprocess", t.get("subinterp", s16, "one_way"),
             t.get("subprocess", s16, "one_way"), /*inverted=*/true);
  if (cores >= 1) {
    const std::string n = std::to_string(cores);
    for (const char* r : {"subinterp", "subprocess"})
      t.headline(fmt::format("scaling efficiency at N = {}, {} (wall(1) / wall(N))", n, r),
                 t.get(r, "scaling/1", "wall"), t.get(r, "scaling/" + n, "wall"));
  }
  return t.result();
}

}  // namespace interpbench
