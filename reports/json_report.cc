#include "reports/json_report.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "reports/answer.h"
#include "reports/cost_model.h"
#include "reports/ext_matrix.h"
#include "core/human_units.h"
#include "reports/shared_gil.h"
#include "reports/targets.h"
#include "reports/verdict.h"
#include "core/errors.h"
#include "core/output_file.h"
#include "core/round_statistics.h"
#include "core/statistics.h"

namespace interpbench {
namespace {

using json = nlohmann::json;

// Above this coefficient of variation of the repetition means a result is called unstable
// (pyperf's threshold).
constexpr double kUnstableCv = 0.10;
// The order-statistic interval of a median reaches 95% from 6 rounds on ([min, max] covers
// 1 - 2/64 = 0.969; with 5 rounds only 0.9375).
constexpr std::size_t kMinRoundsForInterval = 6;

json summary_json(const Summary& s) {
  return {{"n", s.n},       {"mean", s.mean}, {"stddev", s.stddev}, {"median", s.median},
          {"p1", s.p1},     {"p50", s.p50},   {"p90", s.p90},       {"p99", s.p99},
          {"min", s.min},   {"max", s.max},   {"cv", s.cv}};
}

json context_of(const json& env) {
  const json e = env.is_object() ? env : json::object();
  json ctx;
  ctx["date"] = e.value("date", "");
  ctx["host_name"] = e.value("host_name", "");
  ctx["executable"] = e.value("executable", "");
  ctx["num_cpus"] = e.value("num_cpus", 0);
  ctx["mhz_per_cpu"] = e.value("mhz_per_cpu", 0);
  // Google Benchmark: true when a governor other than "performance" may scale the clock.
  ctx["cpu_scaling_enabled"] = e.contains("cpu_governor") && e["cpu_governor"].is_string() &&
                               e["cpu_governor"] != "performance";
  ctx["caches"] = e.contains("caches") && e["caches"].is_array() ? e["caches"] : json::array();
  ctx["load_avg"] = e.contains("load_avg") && e["load_avg"].is_array() ? e["load_avg"]
                                                                         : json::array();
  const json ib = e.value("interpbench", json::object());
  ctx["library_build_type"] = ib.is_object() ? ib.value("build_type", "release") : "release";
  return ctx;
}

// A result as the workload returned it, checked, with its samples. Throws std::runtime_error
// naming the problem when it is malformed.
struct ParsedResult {
  json meta;  // name, metric, unit, timed, params, higher_is_better, bytes_per_op
  std::vector<std::vector<double>> repetitions;
  // The round of each repetition (runners/rounds.h); a child result without rounds (a saved
  // child file, a test) counts each repetition as its own round.
  std::vector<int> rounds;
};

ParsedResult parse_result(const json& r) {
  if (!r.is_object()) throw std::runtime_error("not an object");
  ParsedResult p;
  for (const char* key : {"name", "metric", "unit"}) {
    if (!r.contains(key) || !r[key].is_string())
      throw std::runtime_error(fmt::format("'{}' missing or not a string", key));
    p.meta[key] = r[key];
  }
  p.meta["timed"] = r.contains("timed") && r["timed"].is_string() ? r["timed"] : json("");
  p.meta["params"] = r.contains("params") ? r["params"] : json::object();
  p.meta["higher_is_better"] =
      r.contains("higher_is_better") && r["higher_is_better"].is_boolean() && r["higher_is_better"].get<bool>();
  p.meta["bytes_per_op"] =
      r.contains("bytes_per_op") && r["bytes_per_op"].is_number() ? r["bytes_per_op"] : json(nullptr);
  // Keys a workload adds beyond the contract (scaling's speedup, ...) pass through unchanged.
  for (const auto& [key, value] : r.items())
    if (key != "repetitions" && key != "rounds" && !p.meta.contains(key)) p.meta[key] = value;
  if (!r.contains("repetitions") || !r["repetitions"].is_array())
    throw std::runtime_error("'repetitions' missing or not a list");
  const bool has_rounds = r.contains("rounds") && r["rounds"].is_array() &&
                          r["rounds"].size() == r["repetitions"].size() &&
                          std::all_of(r["rounds"].begin(), r["rounds"].end(), [](const json& x) {
                            return x.is_number_integer() && x.get<int>() >= 0;
                          });
  std::size_t total = 0, index = 0;
  for (const auto& rep : r["repetitions"]) {
    const int round = has_rounds ? r["rounds"][index].get<int>() : static_cast<int>(index);
    ++index;
    if (!rep.is_array()) throw std::runtime_error("a repetition is not a list of samples");
    std::vector<double> samples;
    samples.reserve(rep.size());
    for (const auto& x : rep) {
      if (!x.is_number()) throw std::runtime_error("a sample is not a number");
      const double v = x.get<double>();
      if (!std::isfinite(v)) throw std::runtime_error("a sample is not finite");
      samples.push_back(v);
    }
    total += samples.size();
    if (!samples.empty()) {
      p.repetitions.push_back(std::move(samples));
      p.rounds.push_back(round);
    }
  }
  if (total == 0) throw std::runtime_error("no samples");
  return p;
}

std::string row_error(const ChildRun& c) {
  if (!c.error.empty()) return c.error;
  if (c.child.is_object() && c.child.contains("error") && c.child["error"].is_string())
    return c.child["error"].get<std::string>();
  if (!c.child.is_object()) return "no result file";
  return "";
}

json child_field(const ChildRun& c, const char* key, json fallback) {
  if (c.child.is_object() && c.child.contains(key) && !c.child[key].is_null()) return c.child[key];
  return fallback;
}

json gb_entry(const std::string& name, int family, int instance, std::size_t repetitions) {
  json e;
  e["name"] = name;
  e["family_index"] = family;
  e["per_family_instance_index"] = instance;
  e["run_name"] = name;
  e["run_type"] = "iteration";
  e["repetitions"] = repetitions;
  e["threads"] = 1;
  return e;
}

void set_times(json& e, double value) {
  e["real_time"] = value;
  e["cpu_time"] = value;  // not CPU time: the drivers time with a wall clock (docs/json-schema.md)
  e["time_unit"] = "ns";
}

// One iteration entry per repetition, then Google Benchmark's aggregates over the repetition
// means (only with 2+ repetitions, as Google Benchmark does).
void add_benchmark_entries(json& benchmarks, const std::string& name, int family, int instance,
                           const ParsedResult& p, const json& seed) {
  const std::size_t reps = p.repetitions.size();
  const std::vector<double> means = repetition_means(p.repetitions);
  const json& bytes = p.meta["bytes_per_op"];
  for (std::size_t i = 0; i < reps; ++i) {
    json e = gb_entry(name, family, instance, reps);
    e["repetition_index"] = i;
    e["interpbench"] = {{"round", p.rounds[i]}, {"seed", seed}};
    e["iterations"] = p.repetitions[i].size();
    set_times(e, means[i]);
    if (bytes.is_number() && means[i] > 0)
      e["bytes_per_second"] = bytes.get<double>() / (means[i] * 1e-9);
    benchmarks.push_back(std::move(e));
  }
  if (reps < 2) return;
  const Summary s = summarize(means);
  const std::pair<const char*, double> aggregates[] = {
      {"mean", s.mean}, {"median", s.median}, {"stddev", s.stddev}, {"cv", s.cv}};
  for (const auto& [agg, value] : aggregates) {
    json e = gb_entry(name + "_" + agg, family, instance, reps);
    e["run_name"] = name;
    e["run_type"] = "aggregate";
    e["aggregate_name"] = agg;
    e["aggregate_unit"] = std::string(agg) == "cv" ? "percentage" : "time";
    e["iterations"] = reps;
    set_times(e, value);
    benchmarks.push_back(std::move(e));
  }
}

// One value per round, the median of that round's samples (the round is the unit of evidence:
// repetitions inside one child share the machine's state and are not independent), and the
// order-statistic interval of their median (core/round_statistics.h).
json rounds_json(const ParsedResult& p) {
  int count = 0;
  for (int r : p.rounds) count = std::max(count, r + 1);
  std::vector<std::vector<double>> samples(static_cast<std::size_t>(count));
  for (std::size_t i = 0; i < p.repetitions.size(); ++i) {
    auto& into = samples[static_cast<std::size_t>(p.rounds[i])];
    into.insert(into.end(), p.repetitions[i].begin(), p.repetitions[i].end());
  }
  json values = json::array();
  std::vector<double> present;
  for (auto& v : samples) {
    if (v.empty()) {
      values.push_back(nullptr);
      continue;
    }
    const double m = summarize(v).median;
    values.push_back(m);
    present.push_back(m);
  }
  const MedianInterval mi = median_interval(present);
  const Summary s = summarize(present);
  return {{"statistic", "median of the round's samples"},
          {"of_repetition", p.rounds},
          {"values", std::move(values)},
          {"n", mi.n},
          {"median", mi.median},
          {"low", mi.low},
          {"high", mi.high},
          {"coverage", mi.coverage},
          {"reaches_level", mi.reaches_level},
          {"cv", s.cv}};
}

json result_json(const ParsedResult& p, const std::string& bench_name) {
  json out = p.meta;
  out["benchmark_name"] = bench_name;
  std::vector<double> all;
  json counts = json::array();
  for (const auto& rep : p.repetitions) {
    all.insert(all.end(), rep.begin(), rep.end());
    counts.push_back(rep.size());
  }
  const Summary s = summarize(all);
  out["summary"] = summary_json(s);
  out["summary"]["outliers"] = mad_outliers(all).size();
  const std::vector<double> means = repetition_means(p.repetitions);
  out["repetition_means"] = means;
  out["repetition_counts"] = counts;
  const Summary rs = summarize(means);
  out["repetition_stats"] = {
      {"n", rs.n}, {"mean", rs.mean}, {"stddev", rs.stddev}, {"median", rs.median}, {"cv", rs.cv}};
  out["rounds"] = rounds_json(p);
  // A workload that sampled which CPU each side ran on after each repetition ("cpus": [[driver,
  // worker], ...], workloads/pingpong.py): in how many both were on one CPU.
  if (p.meta.contains("cpus") && p.meta["cpus"].is_array()) {
    int same = 0, sampled = 0;
    for (const auto& pair : p.meta["cpus"]) {
      if (!pair.is_array() || pair.size() != 2 || !pair[0].is_number_integer() ||
          !pair[1].is_number_integer())
        continue;
      ++sampled;
      same += pair[0] == pair[1];
    }
    out["shared_cpu"] = {{"repetitions", same}, {"sampled", sampled}};
  }
  const json& bytes = p.meta["bytes_per_op"];
  if (p.meta["unit"] == "ns" && bytes.is_number() && s.mean > 0 && s.median > 0) {
    const double b = bytes.get<double>();
    out["throughput"] = {{"unit", "B/s"}, {"mean", b / (s.mean * 1e-9)},
                         {"median", b / (s.median * 1e-9)}};
  }
  return out;
}

// Whether a result's measurement ran pinned (docs/design.md, "Pinning"): the child's record for
// the worker count the result names (params.workers, else 1); null when the child recorded none.
json pinned_for(const json& pinning, const json& params) {
  if (!pinning.is_object() || !pinning.contains("starts") || !pinning["starts"].is_object())
    return nullptr;
  int workers = 1;
  if (params.is_object() && params.contains("workers") && params["workers"].is_number_integer())
    workers = params["workers"].get<int>();
  const json& starts = pinning["starts"];
  const std::string key = std::to_string(workers);
  if (starts.contains(key) && starts[key].is_boolean()) return starts[key];
  return pinning.value("mode", "") == "off" ? json(false) : json(nullptr);
}

// pyperf-style instability and too-few-repetitions warnings, one line each with a fix.
std::vector<std::string> result_warnings(const json& rows) {
  std::vector<std::string> unstable, one_cpu;
  std::size_t total = 0, few_reps = 0, min_reps = SIZE_MAX;
  for (const auto& row : rows) {
    for (const auto& r : row["results"]) {
      if (report::is_status_result(r)) continue;  // one import, an outcome: no spread to warn about
      ++total;
      const auto& rs = r["rounds"];
      const std::size_t n = rs["n"].get<std::size_t>();
      if (n < kMinRoundsForInterval) {
        ++few_reps;
        min_reps = std::min(min_reps, n);
      }
      if (r.contains("shared_cpu") && r["shared_cpu"].value("repetitions", 0) > 0)
        one_cpu.push_back(fmt::format("{} ({} of {})", r["benchmark_name"].get<std::string>(),
                                      r["shared_cpu"].value("repetitions", 0),
                                      r["shared_cpu"].value("sampled", 0)));
      if (n >= 2 && rs["cv"].get<double>() > kUnstableCv)
        unstable.push_back(fmt::format("{} (σ {:.0f}% of the mean)",
                                       r["benchmark_name"].get<std::string>(),
                                       100 * rs["cv"].get<double>()));
    }
  }
  std::vector<std::string> w;
  if (!unstable.empty()) {
    w.push_back(fmt::format(
        "unstable: {} of {} results vary by more than 10% between rounds: {}; fix: more "
        "--rounds, an idle machine, or --pin auto",
        unstable.size(), total, first_few(unstable, 3)));
  }
  if (!one_cpu.empty()) {
    w.push_back(fmt::format(
        "one CPU: in {} result(s) the driver and its worker were on the same CPU after some "
        "repetitions (sampled after each): {}; their round trips then include two wake-ups "
        "instead of a spin; fix: an idle machine, more --rounds, or compare with another run",
        one_cpu.size(), first_few(one_cpu, 3)));
  }
  if (few_reps > 0) {
    w.push_back(fmt::format(
        "{} of {} results have {} round(s), too few for a 95% interval of their ratios (it needs "
        "{}); fix: --rounds {} or more",
        few_reps, total, min_reps, kMinRoundsForInterval, kMinRoundsForInterval));
  }
  return w;
}

}  // namespace

std::string benchmark_name(const std::string& result_name, const std::string& metric,
                           const std::string& row) {
  const std::string padded = "/" + result_name + "/";
  const bool has_metric = metric.empty() || padded.find("/" + metric + "/") != std::string::npos;
  return result_name + (has_metric ? "" : "/" + metric) + "/" + row;
}

json make_json_report(const Run& run) {
  json benchmarks = json::array();
  json rows = json::array();
  std::map<std::string, int> family_of;       // "<name>/<metric>" -> family_index
  std::map<std::string, int> instances_of;    // family key -> instances so far
  for (const ChildRun& c : run.children) {
    json row;
    row["row"] = c.row;
    row["kind"] = c.kind;
    row["workload"] = c.workload;
    row["gil"] = child_field(c, "gil", nullptr);
    row["config"] = child_field(c, "config", nullptr);
    row["python"] = child_field(c, "python", nullptr);
    row["notes"] = child_field(c, "notes", json::array());
    const std::string error = row_error(c);
    row["error"] = error.empty() ? json(nullptr) : json(error);
    row["skipped"] = child_field(c, "skipped", nullptr);
    row["worker_errors"] = child_field(c, "worker_errors", json::array());
    row["pinning"] = child_field(c, "pinning", nullptr);
    row["exit"] = {{"exit_code", c.exit_code ? json(*c.exit_code) : json(nullptr)},
                   {"signal", c.signal.empty() ? json(nullptr) : json(c.signal)},
                   {"wall_s", c.wall_s},
                   {"spans_s", c.spans_s},
                   {"stderr_tail", c.stderr_tail}};
    json results = json::array();
    const json child_results = child_field(c, "results", json::array());
    if (child_results.is_array()) {
      for (std::size_t i = 0; i < child_results.size(); ++i) {
        ParsedResult p;
        try {
          p = parse_result(child_results[i]);
        } catch (const std::exception& e) {
          if (!row["notes"].is_array()) row["notes"] = json::array();
          row["notes"].push_back(fmt::format("ignored malformed result #{}: {}", i, e.what()));
          continue;
        }
        const std::string name = p.meta["name"], metric = p.meta["metric"];
        const std::string bench = benchmark_name(name, metric, c.row);
        // A result with a status (extcompat's per-module outcome) is not a benchmark.
        if (p.meta["unit"] == "ns" && !report::is_status_result(child_results[i])) {
          const std::string family_key = bench.substr(0, bench.size() - c.row.size() - 1);
          const auto [it, fresh] =
              family_of.try_emplace(family_key, static_cast<int>(family_of.size()));
          add_benchmark_entries(benchmarks, bench, it->second, instances_of[family_key]++, p,
                                run.options.is_object() && run.options.contains("seed")
                                    ? run.options["seed"]
                                    : json(nullptr));
        }
        json result = result_json(p, bench);
        result["pinned"] = pinned_for(child_field(c, "pinning", nullptr), p.meta["params"]);
        results.push_back(std::move(result));
      }
    }
    if (results.empty() && !error.empty()) {
      // Google Benchmark's shape for a benchmark that was skipped with an error.
      const std::string name = c.workload + "/" + c.row;
      const auto [it, fresh] = family_of.try_emplace(name, static_cast<int>(family_of.size()));
      json e = gb_entry(name, it->second, instances_of[name]++, 0);
      e["repetition_index"] = 0;
      e["error_occurred"] = true;
      e["error_message"] = error;
      e["iterations"] = 0;
      set_times(e, 0);
      benchmarks.push_back(std::move(e));
    }
    row["results"] = std::move(results);
    rows.push_back(std::move(row));
  }

  json ib;
  ib["schema_version"] = kReportSchemaVersion;
  ib["interpbench_version"] =
      run.environment.is_object() && run.environment.contains("interpbench")
          ? run.environment["interpbench"].value("version", "")
          : "";
  ib["environment"] = run.environment.is_null() ? json::object() : run.environment;
  ib["options"] = run.options.is_null() ? json::object() : run.options;
  std::vector<std::string> warnings = run.warnings;
  // (Python 3.11's shared GIL is an environment warning already.)
  for (const json& row : rows) {
    const std::string why = shared_gil_reason(row);
    if (why.rfind("--", 0) != 0) continue;
    // Outcomes only (extcompat): no figures to mistake for own-GIL ones.
    const json& results = row["results"];
    if (!results.empty() && std::all_of(results.begin(), results.end(), report::is_status_result)) continue;
    warnings.push_back(fmt::format(
        "{}: the {} row's subinterpreters share one GIL ({} config), so its figures are not "
        "those of own-GIL subinterpreters; fix: compare it only with rows of the same mode, the "
        "subinterp row (--gil own) has PEP 684 figures",
        why, row.value("row", ""), row.value("config", json()).is_string() ? row["config"].get<std::string>()
                                                                           : "the legacy"));
  }
  for (auto& w : result_warnings(rows)) warnings.push_back(std::move(w));
  ib["rows"] = std::move(rows);
  ib["warnings"] = warnings;
  ib["incomplete"] = run.incomplete;
  ib["incomplete_reason"] = run.incomplete_reason;
  ib["wall_s"] = run.wall_s;
  const report::Run model = report::load_interpbench(ib);
  ib["verdict"] = make_verdict(model);
  ib["targets"] = make_targets(model);
  ib["answer"] = answer_json(make_answer(model));
  {
    const auto models = fit_cost_models(model);
    ib["cost_model"] = cost_model_json(models, validate(model, models));
  }
  // The run's own reproducibility figure (reports/targets.h): its headline ratios recomputed on
  // the odd and on the even rounds.
  if (const json& rep = ib["targets"]["reproducibility"];
      rep.is_object() && rep.value("max_disagreement", 0.0) > rep.value("warn_above", 0.10))
    ib["warnings"].push_back(fmt::format(
        "irreproducible: the ratio '{}' differs by {:.0f}% between the odd and the even "
        "rounds of this run, so the next run may differ as much; fix: more --rounds, an idle "
        "machine, --pin auto",
        rep.value("worst", ""), 100 * rep.value("max_disagreement", 0.0)));

  json report;
  report["context"] = context_of(run.environment);
  report["benchmarks"] = std::move(benchmarks);
  report["interpbench"] = std::move(ib);
  return report;
}

void write_json_file(const json& report, const std::filesystem::path& path) {
  // replace: a child's stderr tail may hold invalid UTF-8, which must not lose the report.
  try {
    write_file_atomically(path, report.dump(2, ' ', false, json::error_handler_t::replace) + '\n');
  } catch (const std::system_error& e) {
    throw BadInput(e.what());
  }
}

}  // namespace interpbench
