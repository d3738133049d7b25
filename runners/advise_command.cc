#include "runners/advise_command.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <iostream>
#include <filesystem>
#include <system_error>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "core/errors.h"
#include "core/human_units.h"
#include "core/report_model.h"
#include "core/row_catalogue.h"
#include "reports/cost_model.h"
#include "reports/python_label.h"
#include "runners/plan.h"
#include "runners/run_command.h"

namespace interpbench {
namespace {

using json = nlohmann::json;

constexpr int kMaxWorkers = 65536;
constexpr double kMaxComputeNs = 3600e9;

std::string trimmed(const std::string& s) {
  const auto a = s.find_first_not_of(" \t");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t") - a + 1);
}

// "tasks/s" figures: "6.21k", "312".
std::string format_rate(double per_s) {
  if (per_s >= 1e6) return fmt::format("{:.3g}M", per_s / 1e6);
  if (per_s >= 1e3) return fmt::format("{:.3g}k", per_s / 1e3);
  return fmt::format("{:.3g}", per_s);
}

struct Graph {
  std::string kind;
  double elements = 0;
};

Graph parse_graph(const std::string& text) {
  const auto colon = text.find(':');
  const std::string kind = trimmed(text.substr(0, colon));
  if (colon == std::string::npos || kind.empty())
    throw BadInput(fmt::format("bad --object-graph '{}': expected KIND:ELEMENTS such as records:4096", text));
  return {kind, double(parse_count(text.substr(colon + 1), "--object-graph elements"))};
}

}  // namespace

double parse_duration_ns(const std::string& text) {
  const std::string t = trimmed(text);
  double value = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (t.empty() || end == t.data() || ec != std::errc{})
    throw BadInput(fmt::format("bad --compute '{}': expected a duration such as 200us, 2.5ms, 1s", text));
  const std::string unit = trimmed(std::string(end, t.data() + t.size()));
  double scale = 0;
  if (unit == "ns") scale = 1;
  else if (unit == "us" || unit == "µs") scale = 1e3;
  else if (unit == "ms") scale = 1e6;
  else if (unit == "s") scale = 1e9;
  else
    throw BadInput(fmt::format("bad --compute '{}': {} (use ns, us, ms or s)", text,
                               unit.empty() ? "no unit" : "unknown unit '" + unit + "'"));
  const double ns = value * scale;
  if (!std::isfinite(ns) || ns <= 0) throw BadInput(fmt::format("bad --compute '{}': must be a finite duration above 0", text));
  if (ns > kMaxComputeNs) throw BadInput(fmt::format("bad --compute '{}': above the 1 hour limit", text));
  return ns;
}

MeasuredRun measure_primitives(const std::string& suite, bool object_graph, bool quiet) {
  RunOptions run;
  run.suite = suite;
  // What fit_cost_models reads: round trip, one-way, scaling (the model is complete with these
  // three), startup and teardown, memory per worker, and the codec when a graph is asked for.
  run.workloads = {object_graph ? "pingpong,stream,scaling,startup,memory,objects"
                                : "pingpong,stream,scaling,startup,memory"};
  // The rows that run workers in Python and answer all of these workloads. The documented
  // py-interpreters row is left out: its 10 ms polls make it the slowest row by three orders of
  // magnitude wherever a message is waited for, and its pingpong alone would take minutes here.
  run.backends = {"subinterp,subprocess,thread,py-threading,py-multiprocessing,py-interpreters-poll"};
  run.quiet = quiet;
  run.report_stream = &std::cerr;
  std::error_code ec;
  std::filesystem::create_directories("results", ec);
  if (ec) throw RunFailed(fmt::format("cannot create results/: {}", ec.message()));
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
  MeasuredRun measured;
  measured.path = fmt::format("results/advise-{}.json", stamp);
  run.out = measured.path;
  measured.exit_code = run_command(run);
  return measured;
}

std::string newest_run_json(const std::string& dir) {
  std::error_code ec;
  std::filesystem::path newest;
  std::filesystem::file_time_type newest_time{};
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() != ".json" || !it->is_regular_file(ec)) continue;
    const auto when = it->last_write_time(ec);
    if (ec) continue;
    if (newest.empty() || when > newest_time) newest = it->path(), newest_time = when;
  }
  if (newest.empty())
    throw BadInput(fmt::format("no run JSON in {}/: give --from RUN.json (written by `interpbench run --out`)", dir));
  return newest.string();
}

namespace {

struct AdviseRequest {
  TaskShape task;
  Graph graph;
};

// Everything in the options but the run: BadInput names the first bad value.
AdviseRequest parse_request(const AdviseOptions& options) {
  if (options.format != "table" && options.format != "json")
    throw BadInput(fmt::format("bad --format '{}': expected table or json", options.format));
  AdviseRequest request;
  TaskShape& task = request.task;
  task.compute_ns = parse_duration_ns(options.compute);
  task.payload_bytes = double(parse_size(options.payload));
  if (options.tasks) task.tasks = double(parse_count(*options.tasks, "--tasks"));
  if (options.depth) task.depth = parse_count(*options.depth, "--depth");
  if (options.workers) {
    task.workers = parse_count(*options.workers, "--workers");
    if (task.workers > kMaxWorkers)
      throw BadInput(fmt::format("bad --workers '{}': at most {}", *options.workers, kMaxWorkers));
  }
  if (!options.object_graph.empty()) request.graph = parse_graph(options.object_graph);
  return request;
}

}  // namespace

void check_advise_options(const AdviseOptions& options) { parse_request(options); }

int advise_command(const AdviseOptions& options, std::ostream& out) {
  auto [task, graph] = parse_request(options);
  const std::string path = options.from.empty() ? newest_run_json("results") : options.from;
  const json doc = load_report(path);
  const report::Run run = report::load_run(doc);
  const auto models = fit_cost_models(run);
  if (!options.workers) task.workers = std::max(1, run.num_cpus);
  std::vector<const RowCostModel*> usable;
  for (const auto& m : models)
    if (m.complete()) usable.push_back(&m);
  if (usable.empty())
    throw BadInput(fmt::format("{}: no row has the primitives the cost model needs (pingpong, stream and "
                               "scaling results); run `interpbench run --suite default --out FILE`", path));
  if (!graph.kind.empty()) {
    task.graph_kind = graph.kind;
    task.graph_elements = graph.elements;
    std::vector<std::string> kinds;
    for (const auto* m : usable)
      for (const auto& [k, c] : m->codecs)
        if (std::find(kinds.begin(), kinds.end(), k) == kinds.end()) kinds.push_back(k);
    if (std::find(kinds.begin(), kinds.end(), graph.kind) == kinds.end())
      throw BadInput(fmt::format("bad --object-graph '{}': {} has no pickle5 figures for '{}' (it has: {})",
                                 options.object_graph, path, graph.kind,
                                 kinds.empty() ? std::string("none; run the objects workload") : fmt::format("{}", fmt::join(kinds, ", "))));
    // Rows without that graph's codec figures cannot be ranked on it.
    std::erase_if(usable, [&](const RowCostModel* m) { return !m->codec(graph.kind); });
  }

  std::vector<TaskPrediction> ranked;
  for (const auto* m : usable) ranked.push_back(predict(*m, task));
  std::stable_sort(ranked.begin(), ranked.end(), [](const TaskPrediction& a, const TaskPrediction& b) {
    return a.total_ns ? *a.total_ns < *b.total_ns : a.throughput > b.throughput;
  });

  // Crossover distances: the best row against each of our models, as compute per task varies.
  json crossovers = json::array();
  std::vector<std::string> crossover_lines;
  const RowCostModel* best = find_model(models, ranked.front().row);
  for (const char* other : {"subinterp", "subprocess", "thread"}) {
    const RowCostModel* m = find_model(models, other);
    if (!m || m == best || std::find(usable.begin(), usable.end(), m) == usable.end()) continue;
    const auto x = crossover(*best, *m, task);
    if (!x) continue;
    const std::string above = x->b_wins_above ? x->b : x->a, below = x->b_wins_above ? x->a : x->b;
    const std::string text = fmt::format("{} overtakes {} above ~{} of compute per task at this payload", above,
                                         below, format_compute(x->compute_ns));
    crossover_lines.push_back(text);
    crossovers.push_back({{"above", above}, {"below", below}, {"compute_ns", x->compute_ns}, {"text", text}});
  }
  const std::string python = run_python_version(doc);
  const std::string what =
      graph.kind.empty() ? format_value(task.payload_bytes, "B")
                         : fmt::format("a {}:{:.0f} object graph (pickle5)", graph.kind, graph.elements);

  if (options.format == "json") {
    json rows = json::array();
    for (std::size_t i = 0; i < ranked.size(); ++i) {
      json j = prediction_json(ranked[i]);
      j["rank"] = i + 1;
      const RowCostModel* m = find_model(models, ranked[i].row);
      j["memory_uss_kib_per_worker"] = m && m->memory_uss_kib ? json(*m->memory_uss_kib) : json(nullptr);
      rows.push_back(std::move(j));
    }
    json t = {{"compute_ns", task.compute_ns}, {"payload_bytes", task.payload_bytes}, {"workers", task.workers},
              {"depth", task.depth}, {"tasks", task.tasks ? json(*task.tasks) : json(nullptr)},
              {"object_graph", graph.kind.empty() ? json(nullptr)
                                                  : json{{"kind", graph.kind}, {"elements", graph.elements}}}};
    out << json{{"input", path}, {"cores", run.num_cpus}, {"python", python}, {"task", t},
                {"ranked_by", task.tasks ? "total_time" : "throughput"}, {"rows", rows},
                {"crossovers", crossovers}}
                   .dump(2)
        << "\n";
    return 0;
  }

  out << fmt::format("advise: {} of compute per task, {} to each worker, {} workers, depth {}{}\n",
                     format_compute(task.compute_ns), what, task.workers, task.depth,
                     task.tasks ? fmt::format(", {:.0f} tasks", *task.tasks) : "");
  out << fmt::format("  from {} ({} cores{}); predicted by the cost model (docs/design.md, \"The cost model\")\n",
                     path, run.num_cpus, python.empty() ? "" : ", Python " + python);
  out << fmt::format("  {:<4} {:<24} {:>9} {:>10} {:>11} {:<9} {:>18} {:>10} {:>10} {:>10} {:>10}\n", "rank",
                     "row", "tasks/s", "per task", task.tasks ? "total" : "startup", "limit", "compute (eff)",
                     "channel", "codec", "driver", "wake");
  for (std::size_t i = 0; i < ranked.size(); ++i) {
    const TaskPrediction& p = ranked[i];
    const std::string startup = task.tasks ? format_compute(*p.total_ns)
                                : p.startup_ns > 0 ? format_compute(p.startup_ns) : std::string("—");
    out << fmt::format("  {:<4} {:<24} {:>9} {:>10} {:>11} {:<9} {:>18} {:>10} {:>10} {:>10} {:>10}\n", i + 1,
                       p.row, format_rate(p.throughput), format_compute(p.per_task_ns), startup, p.limit,
                       fmt::format("{} ({:.0f}%)", format_compute(p.compute_ns), 100 * p.efficiency),
                       format_compute(p.channel_ns), p.codec_ns > 0 ? format_compute(p.codec_ns) : "—",
                       format_compute(p.driver_ns), p.wake_ns > 0 ? format_compute(p.wake_ns) : "—");
  }
  out << "  per task: wall time per task in steady state; limit cores / one GIL: the driver shares the cores,\n"
         "  so the measured dispatch (taskfarm's cells with no compute) + compute over the scaling + wake\n"
         "  (the driver woken for each answer: taskfarm's wake cell less its dispatch and compute); else the\n"
         "  tightest of the driver's dispatch, the workers' compute + channel over the scaling, and the\n"
         "  channel latency over the tasks in flight (limit);\n"
      << (task.tasks ? "  total: startup and teardown of every worker + tasks x per task; ranked by total\n"
                     : "  startup: starting and tearing down every worker, once; ranked by tasks/s\n");
  if (!crossover_lines.empty()) {
    out << "Crossovers (compute per task varied, the rest as given)\n";
    for (const auto& line : crossover_lines) out << "  " << line << "\n";
  }
  return 0;
}

}  // namespace interpbench
