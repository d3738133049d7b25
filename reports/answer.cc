#include "reports/answer.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/human_units.h"
#include "core/row_catalogue.h"
#include "reports/cost_model.h"
#include "reports/applications.h"
#include "reports/paired.h"

namespace interpbench {
namespace {

constexpr const char* kThreadPassesObject = "thread passes the bytes object itself";

using json = nlohmann::json;
using report::find_result;
using report::Result;
using report::Row;
using report::Run;

// Our three models, the rows the answer compares.
const std::vector<std::string> kModels = {"subinterp", "subprocess", "thread"};

// One row's side of a question: its figure and its value in each round (for pairing).
struct Contender {
  std::string row;
  double figure = 0;
  std::vector<double> by_round;
  std::string text;  // the figure as shown ("9.12 µs")
};

std::vector<Contender> contenders(const Run& run, const std::vector<std::string>& rows,
                                  const std::string& name, const std::string& metric) {
  std::vector<Contender> out;
  for (const auto& row : rows)
    if (const Result* r = find_result(run, row, name, metric))
      out.push_back({row, r->figure, r->by_round, format_value(r->figure, r->unit)});
  return out;
}

std::string figures_text(const std::vector<Contender>& c) {
  std::vector<std::string> parts;
  for (const auto& x : c) parts.push_back(x.row + " " + x.text);
  return fmt::format("{}", fmt::join(parts, ", "));
}

// How the best compares with the runner-up, in words the table and the paragraph share.
std::string comparison_phrase(const AnswerRow& a, const std::string& better) {
  if (!a.ratio) return "";
  if (!a.winner.empty())
    return fmt::format("{} {} times {} than {}", a.winner, a.ratio_text(), better, a.runner_up);
  if (!a.ratio->reaches_level)
    return fmt::format("{} {} times {} than {} in {} rounds, too few for a 95% interval", a.best,
                       a.ratio_text(), better, a.runner_up, a.ratio->n);
  return fmt::format("{} and {} not significantly different, {}", a.best, a.runner_up, a.ratio_text());
}

// The best of `c` against the runner-up, paired by round: runner_up / best for times (lower is
// better), best / runner_up for rates.
AnswerRow contest(std::string topic, std::string question, std::string measure,
                  std::vector<Contender> c, bool higher_is_better, const std::string& better) {
  AnswerRow a{.topic = std::move(topic), .question = std::move(question), .measure = std::move(measure)};
  std::sort(c.begin(), c.end(), [&](const Contender& x, const Contender& y) {
    return higher_is_better ? x.figure > y.figure : x.figure < y.figure;
  });
  for (const auto& x : c) a.figures.emplace_back(x.row, x.text);
  if (c.size() < 2) {
    a.measured = false;
    a.sentence = c.empty() ? "not measured in this run"
                           : fmt::format("only {} measured in this run ({})", c[0].row, c[0].text);
    return a;
  }
  a.best = c[0].row;
  a.runner_up = c[1].row;
  a.ratio = higher_is_better ? paired_ratio(c[0].by_round, c[1].by_round)
                             : paired_ratio(c[1].by_round, c[0].by_round);
  if (a.ratio->ratio < 1) {  // the rounds, paired, disagree with the medians: they decide
    std::swap(a.best, a.runner_up);
    a.ratio = inverted(*a.ratio);
  }
  if (a.ratio->significant && a.ratio->ratio > 1) a.winner = a.best;
  a.sentence = fmt::format("{}: {}.", figures_text(c), comparison_phrase(a, better));
  return a;
}

AnswerRow timed(const Run& run, std::string topic, std::string question, const std::string& name,
                const std::string& metric, const std::vector<std::string>& rows,
                const std::string& better = "faster") {
  std::string measure = fmt::format("{} {}, median over rounds; lower is better", name, metric);
  return contest(std::move(topic), std::move(question), std::move(measure),
                 contenders(run, rows, name, metric), false, better);
}

// The largest size of `prefix`/<size>... that every row in `rows` measured, or "".
std::string largest_common(const Run& run, const std::vector<std::string>& rows,
                           const std::string& prefix, const std::string& suffix,
                           const std::string& metric) {
  std::map<double, int> seen;
  for (const Row& r : run.rows) {
    if (std::find(rows.begin(), rows.end(), r.row) == rows.end()) continue;
    std::set<double> sizes;
    for (const Result& res : r.results) {
      if (res.metric != metric || res.name.rfind(prefix, 0) != 0) continue;
      if (res.name.size() < suffix.size() || res.name.compare(res.name.size() - suffix.size(), suffix.size(), suffix) != 0)
        continue;
      const std::string middle = res.name.substr(prefix.size(), res.name.size() - prefix.size() - suffix.size());
      if (middle.empty() || middle.find_first_not_of("0123456789") != std::string::npos) continue;
      sizes.insert(std::stod(middle));
    }
    for (double s : sizes) ++seen[s];
  }
  for (auto it = seen.rbegin(); it != seen.rend(); ++it)
    if (it->second >= static_cast<int>(rows.size()))
      return prefix + fmt::format("{:.0f}", it->first) + suffix;
  return "";
}

// Object graphs: the channel's share of encode + transfer + decode, on the largest graph.
std::vector<AnswerRow> object_rows(const Run& run) {
  std::string base;
  for (const char* kind : {"nested", "records", "ints"}) {
    const std::string name = largest_common(run, {"subinterp", "subprocess"},
                                            fmt::format("objects/{}/", kind), "/pickle5/transfer", "transfer");
    if (!name.empty()) {
      base = name.substr(0, name.size() - std::string("/transfer").size());
      break;
    }
  }
  AnswerRow channel = timed(run, "communication", "object graphs: the channel's share",
                            base + "/transfer", "transfer", kModels);
  AnswerRow codec{.topic = "communication", .question = "object graphs: the codec's share",
                  .measure = base + "/encode + decode: the same pickle code on every row"};
  if (base.empty() || !channel.measured) {
    channel.sentence = codec.sentence = "not measured in this run (objects workload)";
    channel.measured = codec.measured = false;
    return {channel, codec};
  }
  double low = 1, high = 0;
  std::vector<std::string> codec_figures;
  for (const auto& row : kModels) {
    const Result* e = find_result(run, row, base + "/encode", "encode");
    const Result* t = find_result(run, row, base + "/transfer", "transfer");
    const Result* d = find_result(run, row, base + "/decode", "decode");
    if (!e || !t || !d) continue;
    const double share = t->figure / (e->figure + t->figure + d->figure);
    low = std::min(low, share);
    high = std::max(high, share);
    codec_figures.push_back(row + " " + format_value(e->figure + d->figure, e->unit));
    codec.figures.emplace_back(row, format_value(e->figure + d->figure, e->unit));
  }
  const std::string graph = base.substr(std::string("objects/").size());  // nested/4096/pickle5
  // "2–3%", or "2%" when every row rounds to the same share.
  const auto range = [](double from, double to) {
    const std::string a = fmt::format("{:.0f}", from * 100), b = fmt::format("{:.0f}", to * 100);
    return a == b ? a + "%" : a + "–" + b + "%";
  };
  const std::string shares = range(low, high);
  const std::string codec_shares = range(1 - high, 1 - low);
  channel.figures.emplace_back("channel share", shares);
  codec.figures.emplace_back("codec share", codec_shares);
  channel.sentence = fmt::format("{} per {} graph: {}; the channel is {} of encode + transfer + decode.",
                                 figures_text(contenders(run, kModels, base + "/transfer", "transfer")),
                                 graph, comparison_phrase(channel, "faster"), shares);
  codec.sentence = fmt::format(
      "encode + decode take {}: {} of the cost is walking the object graph, the same code in every "
      "row, so its differences measure interference or machine noise, not the model.",
      fmt::join(codec_figures, ", "), codec_shares);
  codec.same_code = true;
  return {channel, codec};
}

// Scaling efficiency wall(1) / wall(N) at N = cores, by round.
// The standard library's interpreters two ways, where the run has both rows: the documented API
// as users call it, and the tuned loop over the low-level module.
AnswerRow stdlib_interpreters_row(const Run& run) {
  AnswerRow r = timed(run, "communication", "the stdlib's interpreters: documented API vs tuned (8 B round trip)",
                      "pingpong/8", "round_trip", {"py-interpreters", "py-interpreters-poll"});
  r.sentence += " py-interpreters calls the documented blocking Queue.get(), which sleeps 10 ms between "
                "polls (CPython gh-143017); py-interpreters-poll spins over the low-level _interpqueues, "
                "a tuned loop the documentation does not show.";
  return r;
}

AnswerRow scaling_row(const Run& run) {
  const int cores = std::max(1, run.num_cpus);
  const std::string n = std::to_string(cores);
  std::vector<Contender> c;
  for (const auto& row : kModels) {
    const Result* one = find_result(run, row, "scaling/1", "wall");
    const Result* many = find_result(run, row, "scaling/" + n, "wall");
    if (!one || !many) continue;
    Contender x{row, one->figure / many->figure, {}, ""};
    for (std::size_t r = 0; r < std::min(one->by_round.size(), many->by_round.size()); ++r)
      x.by_round.push_back(one->by_round[r] / many->by_round[r]);
    x.text = fmt::format("{:.0f}%", x.figure * 100);
    c.push_back(std::move(x));
  }
  return contest("scaling", fmt::format("scaling efficiency at N = {} (cores)", n),
                 fmt::format("wall(1) / wall({}) of a CPU-bound kernel, N workers each doing the "
                             "same work; higher is better, 100% is perfect", n),
                 std::move(c), true, "more efficient");
}

// The task farm's cells: who wins each, in words.
AnswerRow crossover_row(const Run& run) {
  AnswerRow a{.topic = "crossover", .question = "the crossover (task farm: compute x payload)",
              .measure = "tasks/s per cell on all cores, paired by round; higher is better"};
  std::vector<std::string> cells;
  for (const Row& r : run.rows)
    if (r.row == "subinterp")
      for (const Result& res : r.results)  // the task farm's cells, not the applications' tasks/s
        if (res.metric == "task_throughput" && res.name.rfind("taskfarm/", 0) == 0) cells.push_back(res.name);
  std::map<std::string, std::vector<std::string>> won;  // winner ("" none) -> cells
  for (const auto& cell : cells) {
    const AnswerRow c = contest("", "", "", contenders(run, kModels, cell, "task_throughput"), true, "");
    if (!c.measured) continue;
    won[c.winner].push_back(cell.substr(cell.find('/') + 1));
  }
  if (won.empty()) {
    a.measured = false;
    a.sentence = "not measured in this run (taskfarm workload)";
    return a;
  }
  std::vector<std::string> parts;
  std::size_t most = 0;
  for (const auto& [winner, list] : won) {
    if (winner.empty()) continue;
    parts.push_back(fmt::format("{} wins {} ({})", winner, list.size(), fmt::join(list, ", ")));
    if (list.size() > most) most = list.size(), a.winner = winner;
  }
  if (won.count("")) {
    const auto& none = won.at("");
    parts.push_back(fmt::format("no row is significantly better at {} ({})", none.size(), fmt::join(none, ", ")));
  }
  std::size_t total = 0;
  for (const auto& [w, list] : won) total += list.size();
  a.sentence = fmt::format("Of {} cells (compute per task / payload): {}.", total, fmt::join(parts, "; "));
  return a;
}

// "8%" or "8–15%": a range of shares, one figure when every row rounds alike.
std::string percent_range(double low, double high) {
  const std::string a = fmt::format("{:.0f}%", 100 * low), b = fmt::format("{:.0f}%", 100 * high);
  return a == b ? a : fmt::format("{:.0f}–{}", 100 * low, b);
}

// The task farm predicted from the run's primitives (reports/cost_model.h): how far off the
// prediction is per row, where the predicted winner is not the measured one, and the fitted
// boundaries in words.
AnswerRow model_row(const Run& run) {
  AnswerRow a{.topic = "crossover", .question = "the crossover, predicted (cost model)",
              .measure = "every taskfarm cell predicted from this run's primitives (round trip, "
                         "one-way, scaling); |predicted / measured - 1| per cell"};
  const auto models = fit_cost_models(run);
  const Validation v = validate(run, models);
  if (!v.measured) {
    a.measured = false;
    a.sentence = "not predicted in this run (needs the taskfarm, pingpong, stream and scaling workloads)";
    return a;
  }
  std::vector<std::string> medians;
  double low = 1e300, high = 0, worst = 0;
  for (const auto& e : v.rows) {
    if (std::find(kModels.begin(), kModels.end(), e.row) == kModels.end()) continue;
    a.figures.emplace_back(e.row, fmt::format("median error {:.0f}%, max {:.0f}%", 100 * e.median_abs_error,
                                              100 * e.max_abs_error));
    medians.push_back(fmt::format("{} {:.0f}% (max {:.0f}%)", e.row, 100 * e.median_abs_error, 100 * e.max_abs_error));
    low = std::min(low, e.median_abs_error);
    high = std::max(high, e.median_abs_error);
    worst = std::max(worst, e.max_abs_error);
  }
  if (medians.empty()) {
    a.measured = false;
    a.sentence = "not predicted in this run (no taskfarm cell of subinterp, subprocess or thread)";
    return a;
  }
  a.note = fmt::format("median error {}, max {:.0f}%", percent_range(low, high), 100 * worst);
  std::vector<std::string> wrong;
  for (const auto& w : v.mismatches)
    wrong.push_back(fmt::format("{} (measured {}{}, predicted {})", w.cell.substr(w.cell.find('/') + 1), w.measured,
                                w.significant ? "" : ", not significant", w.predicted));
  const std::size_t cells = v.winners.size();
  a.sentence = fmt::format(
      "Predicted from this run's primitives, the task farm's throughput is off by a median of {}; "
      "the predicted winner is {}.{}",
      fmt::join(medians, ", "),
      wrong.empty() ? fmt::format("the measured one in all {} cells", cells)
                    : fmt::format("not the measured one in {} of {} cells: {}", wrong.size(), cells, fmt::join(wrong, ", ")),
      v.boundaries.empty() ? "" : fmt::format(" Fitted boundaries: {}.", fmt::join(v.boundaries, "; ")));
  return a;
}

// Per application (workloads/apps.py): which model wins at N = cores, tasks/s paired by round,
// and whether plain threads scale there: they do only where the work releases the GIL.
// Pure-Python applications hold the GIL for all their work: plain threads cannot scale on them.
// They are the control: where thread "scales" on one of them, the run measured noise (a loaded
// host, a VM's speed modes), and thread scaling elsewhere in that run is no evidence that the
// work releases the GIL.
bool holds_gil(const std::string& app) { return app == "nbody" || app == "mandelbrot"; }

// "nbody 1.62x [1.21, 1.93]": the first pure-Python application thread "scaled" on, or "".
std::string spurious_thread_scaling(const Applications& apps) {
  for (const auto& line : apps.apps) {
    const ApplicationCell* t = line.cell("thread");
    if (holds_gil(line.app) && line.workers > 1 && t && scaling_of(*t) == Scaling::kScales)
      return fmt::format("{} {}", line.app, t->text());
  }
  return "";
}

std::vector<AnswerRow> application_rows(const Run& run, const Applications& apps) {
  std::vector<AnswerRow> out;
  const std::string spurious = spurious_thread_scaling(apps);
  for (const auto& line : apps.apps) {
    const std::string name = application_result(line.app, line.workers);
    AnswerRow a = contest("applications", fmt::format("application: {} at N = {}", line.app, line.workers),
                          fmt::format("{} tasks/s on {} workers, paired by round; higher is better", name,
                                      line.workers),
                          contenders(run, kModels, name, "task_throughput"), true, "faster");
    if (!a.measured) {
      out.push_back(std::move(a));
      continue;
    }
    std::string threads;
    const ApplicationCell* t = line.cell("thread");
    const Scaling scaling = t && line.workers > 1 ? scaling_of(*t) : Scaling::kUnknown;
    if (scaling != Scaling::kUnknown) {
      if (scaling == Scaling::kScales && holds_gil(line.app))
        threads = fmt::format(" thread measured {} from 1 to {} workers on pure-Python work, which holds "
                              "the GIL: that is the machine's noise, not scaling",
                              t->text(), line.workers);
      else if (scaling == Scaling::kScales && !spurious.empty())
        threads = fmt::format(" thread measured {} from 1 to {} workers, but also {} on pure-Python work, "
                              "which holds the GIL: this run can't tell whether the work releases it",
                              t->text(), line.workers, spurious);
      else if (scaling == Scaling::kScales)
        threads = fmt::format(" thread scales {} from 1 to {} workers: the work releases the GIL",
                              t->text(), line.workers);
      else if (scaling == Scaling::kFlat)
        threads = fmt::format(" thread does not scale ({} from 1 to {} workers): the work holds the GIL",
                              t->text(), line.workers);
      else
        threads = fmt::format(" thread's speedup from 1 to {} workers is undecided ({})", line.workers,
                              t->text());
      // A tie needs a 95% interval that holds 1; with fewer rounds, only where thread stands.
      const bool decided = a.ratio && a.ratio->reaches_level;
      if (a.winner == "thread") threads += ", and plain threads win here";
      else if (a.winner.empty() && decided && (a.best == "thread" || a.runner_up == "thread"))
        threads += ", and plain threads tie with the best here";
      else if (!decided && a.best == "thread") threads += ", and plain threads are ahead here";
      threads += ".";
    }
    a.sentence += threads;
    out.push_back(std::move(a));
  }
  return out;
}

// Extension modules that import in a process but not in an isolated own-GIL subinterpreter.
AnswerRow extension_row(const Run& run) {
  AnswerRow a{.topic = "compatibility", .question = "extension modules in an isolated subinterpreter",
              .measure = "extcompat: import each module in a worker"};
  std::map<std::string, std::map<std::string, std::string>> status;  // row -> module -> status
  for (const Row& r : run.rows)
    for (const Result& res : r.results)
      if (res.is_status()) status[r.row][res.name.substr(res.name.find('/') + 1)] = res.status;
  if (!status.count("subinterp") || !status.count("subprocess")) {
    a.measured = false;
    a.sentence = "not measured in this run (extcompat workload)";
    return a;
  }
  std::vector<std::string> fail_si, fail_sp;
  for (const auto& [module, s] : status["subinterp"])
    if (s != "ok") fail_si.push_back(module);
  for (const auto& [module, s] : status["subprocess"])
    if (s != "ok") fail_sp.push_back(module);
  const std::size_t total = status["subinterp"].size();
  a.figures = {{"subinterp", fmt::format("{} of {} fail", fail_si.size(), total)},
               {"subprocess", fmt::format("{} of {} fail", fail_sp.size(), status["subprocess"].size())}};
  if (fail_si.size() > fail_sp.size()) a.winner = a.best = "subprocess";
  a.sentence = fail_si.empty()
                   ? fmt::format("all {} modules tried import in an isolated subinterpreter.", total)
                   : fmt::format("{} of {} modules tried fail in an isolated own-GIL subinterpreter "
                                 "({}); {} fail in a subprocess.",
                                 fail_si.size(), total, first_few(fail_si, 6), fail_sp.size());
  return a;
}

// What one crash takes down: the rows that crashed in this run, else the rows' construction.
AnswerRow fault_row(const Run& run) {
  AnswerRow a{.topic = "isolation", .question = "fault isolation: what one crash takes down",
              .measure = "a worker killed by a signal (tests/fault_matrix_test.cc measures every row)"};
  std::vector<std::string> crashed;
  for (const Row& r : run.rows)
    if (!r.signal.empty()) crashed.push_back(fmt::format("{} ({})", r.row, r.workload));
  for (const auto& row : kModels)
    a.figures.emplace_back(row, runs_in_one_process(row) ? "the driver and every worker" : "one worker");
  a.winner = a.best = "subprocess";
  a.sentence = fmt::format(
      "A crash in a subinterpreter or a thread takes down its whole process (the driver and every "
      "worker); in a subprocess, only that worker. {}",
      crashed.empty() ? "No row crashed in this run: this is by construction, as the fault tests measure it."
                      : fmt::format("Crashed in this run: {}.", fmt::join(crashed, ", ")));
  return a;
}

// The thread backend passes bytes of 64 KiB or more by reference (backends/python/channel_type.cc:
// its workers are in the driver's interpreter, as queue.Queue's are): where it ran, a large
// message's row and the paragraph say so, since that is the whole of its lead.
bool thread_passes_large_bytes(const AnswerRow& r) {
  return r.measured && std::any_of(r.figures.begin(), r.figures.end(),
                                   [](const auto& f) { return f.first == "thread"; });
}

// "On this machine, ...": every figure in it is a figure of the table.
std::string paragraph(const Answer& a) {
  auto row = [&](const std::string& q) -> const AnswerRow* {
    for (const auto& r : a.rows)
      if (r.question == q && r.measured) return &r;
    return nullptr;
  };
  std::vector<std::string> s;
  const AnswerRow* small = row("small messages (8 B round trip)");
  const AnswerRow* large = row("large messages (1 MiB round trip)");
  if (small || large) {
    std::vector<std::string> comm;
    if (small) comm.push_back(fmt::format("an 8 B round trip: {}", comparison_phrase(*small, "faster")));
    if (large)
      comm.push_back(fmt::format("a 1 MiB round trip: {}{}", comparison_phrase(*large, "faster"),
                                 thread_passes_large_bytes(*large)
                                     ? fmt::format(" ({}; the others copy it)", kThreadPassesObject)
                                     : ""));
    s.push_back(fmt::format("On this machine, with the same shared-memory channel, {}.", fmt::join(comm, "; ")));
  }
  const AnswerRow* graph = row("object graphs: the channel's share");
  const AnswerRow* codec = row("object graphs: the codec's share");
  if (graph && codec) {
    const auto share = [](const AnswerRow& r) { return r.figures.empty() ? "" : r.figures.back().second; };
    s.push_back(fmt::format("Passing an object graph ({}), the channel is {} of the cost ({}) and "
                            "walking the graph is {}: the codec, the same code on every row, is what "
                            "passing objects costs.",
                            graph->measure.substr(0, graph->measure.find(' ')), share(*graph),
                            comparison_phrase(*graph, "faster"), share(*codec)));
  }
  std::vector<std::string> apart;
  for (const char* q : {"startup to first message (exec)", "startup to first message (zygote)", "teardown"})
    if (const AnswerRow* r = row(q); r && r->ratio) apart.push_back(fmt::format("{}: {}", q, comparison_phrase(*r, "faster")));
  if (const AnswerRow* r = row("memory per worker (USS)"); r && r->ratio)
    apart.push_back(fmt::format("memory per worker (USS): {}", comparison_phrase(*r, "smaller")));
  for (const auto& r : a.rows)
    if (r.topic == "scaling" && r.measured && r.ratio) apart.push_back(fmt::format("{}: {}", r.question, comparison_phrase(r, "more efficient")));
  if (!apart.empty())
    s.push_back(fmt::format("Smith's objection was that subprocesses could do all of this, and that lower "
                            "communication cost is the only advantage left; the other costs of this "
                            "run: {}.", fmt::join(apart, "; ")));
  if (const AnswerRow* x = row("the crossover (task farm: compute x payload)")) s.push_back(x->sentence);
  if (const AnswerRow* x = row("the crossover, predicted (cost model)")) s.push_back(x->sentence);
  // Real applications: who wins each, and where plain threads scale.
  std::vector<std::string> won, scale, flat, undecided;
  for (const auto& line : a.applications.apps) {
    for (const auto& r : a.rows)
      if (r.topic == "applications" && r.measured && r.question.find(": " + line.app + " at") != std::string::npos)
        won.push_back(fmt::format("{} {}{}", line.app, r.winner_text(),
                                  r.ratio ? fmt::format(" ({})", r.ratio_text()) : ""));
    const ApplicationCell* t = line.cell("thread");
    if (!t || line.workers < 2) continue;
    const Scaling scaling = scaling_of(*t);
    if (scaling == Scaling::kScales && !holds_gil(line.app)) scale.push_back(line.app);
    if (scaling == Scaling::kFlat) flat.push_back(line.app);
    if (scaling == Scaling::kUndecided) undecided.push_back(line.app);
  }
  if (!won.empty())
    s.push_back(fmt::format("Real applications on N = cores workers (best vs runner-up, tasks/s): {}.",
                            fmt::join(won, "; ")));
  if (const std::string spurious = spurious_thread_scaling(a.applications); !spurious.empty())
    s.push_back(fmt::format("Whether plain threads scale can't be read from this run: thread also "
                            "\"scaled\" on pure-Python work, which holds the GIL ({}).",
                            spurious));
  else if (!scale.empty() || !flat.empty())
    s.push_back(fmt::format("Plain threads scale on {} (the work releases the GIL) and not on {}{}.",
                            scale.empty() ? "none" : fmt::format("{}", fmt::join(scale, ", ")),
                            flat.empty() ? "any other" : fmt::format("{}", fmt::join(flat, ", ")),
                            undecided.empty() ? "" : fmt::format("; undecided on {}", fmt::join(undecided, ", "))));
  return fmt::format("{}", fmt::join(s, " "));
}

}  // namespace

std::string AnswerRow::ratio_text() const { return ratio ? format_ratio_interval(*ratio) : ""; }

std::string AnswerRow::winner_text() const {
  if (!measured) return "not measured";
  if (same_code) return "same code: not a finding";
  if (!note.empty()) return note;
  if (!winner.empty()) return winner;
  if (ratio && !ratio->reaches_level) return "too few rounds";
  if (ratio) return "not significantly different";
  return "—";
}

static void say_how_thread_passes_large_bytes(AnswerRow& r) {
  if (!thread_passes_large_bytes(r)) return;
  r.sentence += fmt::format(" {} (its workers share the driver's interpreter, as queue.Queue's "
                            "do); subinterp and subprocess copy it.", kThreadPassesObject);
}

Answer make_answer(const Run& run) {
  Answer a;
  a.rows.push_back(timed(run, "communication", "small messages (8 B round trip)", "pingpong/8", "round_trip", kModels));
  for (auto [question, name, metric] : {std::tuple{"large messages (1 MiB round trip)", "pingpong/1048576", "round_trip"},
                                        std::tuple{"large messages (16 MiB stream, per message)", "stream/16777216", "one_way"}}) {
    AnswerRow r = timed(run, "communication", question, name, metric, kModels);
    say_how_thread_passes_large_bytes(r);
    a.rows.push_back(std::move(r));
  }
  for (auto& r : object_rows(run)) a.rows.push_back(std::move(r));
  if (AnswerRow r = stdlib_interpreters_row(run); r.measured) a.rows.push_back(std::move(r));
  for (const char* method : {"exec", "fork", "zygote"}) {
    const std::string sp = std::string(method) == "exec" ? "subprocess" : std::string("subprocess-") + method;
    a.rows.push_back(timed(run, "startup", fmt::format("startup to first message ({})", method),
                           "startup/start", "startup", {"subinterp", sp}));
  }
  a.rows.push_back(timed(run, "startup", "teardown", "startup/teardown", "teardown", {"subinterp", "subprocess"}));
  for (const char* kind : {"uss", "pss"}) {
    const std::string metric = std::string("memory_") + kind;
    const std::string name = largest_common(run, {"subinterp", "subprocess"}, "memory/", std::string("/") + kind, metric);
    std::string upper = kind;
    std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
    a.rows.push_back(timed(run, "memory", fmt::format("memory per worker ({})", upper), name, metric,
                           {"subinterp", "subprocess"}, "smaller"));
  }
  a.rows.push_back(scaling_row(run));
  a.rows.push_back(crossover_row(run));
  a.rows.push_back(model_row(run));
  a.applications = make_applications(run);
  for (auto& r : application_rows(run, a.applications)) a.rows.push_back(std::move(r));
  a.rows.push_back(extension_row(run));
  a.rows.push_back(fault_row(run));
  a.paragraph = paragraph(a);
  return a;
}

json answer_json(const Answer& answer) {
  json rows = json::array();
  for (const auto& r : answer.rows) {
    json figures = json::object();
    for (const auto& [row, text] : r.figures) figures[row] = text;
    json j = {{"topic", r.topic},       {"question", r.question}, {"measure", r.measure},
              {"winner", r.winner},     {"winner_text", r.winner_text()},
              {"best", r.best},         {"runner_up", r.runner_up}, {"figures", figures},
              {"sentence", r.sentence}, {"measured", r.measured}, {"ratio_text", r.ratio_text()}};
    j["ratio"] = r.ratio ? ratio_json(*r.ratio) : json(nullptr);
    j["same_code"] = r.same_code;
    j["note"] = r.note;
    rows.push_back(std::move(j));
  }
  return {{"rows", rows},
          {"paragraph", answer.paragraph},
          {"lines", answer_lines(answer)},
          {"applications", applications_json(answer.applications)}};
}

std::vector<std::string> answer_lines(const Answer& answer) {
  std::vector<std::string> lines = {
      "The answer (this run's figures; best vs runner-up, median of per-round ratios [95% interval])"};
  // One line a question; its sentence is in the JSON and the report.
  for (const auto& r : answer.rows)
    lines.push_back(fmt::format("  {:<48} {:<28} {}", r.question, r.winner_text(), r.ratio_text()));
  lines.push_back("");
  // The paragraph, wrapped at 100 columns.
  std::string line;
  for (std::size_t start = 0; start < answer.paragraph.size();) {
    std::size_t end = answer.paragraph.find(' ', start);
    if (end == std::string::npos) end = answer.paragraph.size();
    const std::string word = answer.paragraph.substr(start, end - start);
    if (!line.empty() && line.size() + 1 + word.size() > 100) {
      lines.push_back(line);
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    start = end + 1;
  }
  if (!line.empty()) lines.push_back(line);
  const auto table = applications_lines(answer.applications);
  if (!table.empty()) lines.push_back("");
  lines.insert(lines.end(), table.begin(), table.end());
  return lines;
}

}  // namespace interpbench
