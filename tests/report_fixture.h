#pragma once
// A synthetic Run for the report tests: hand-made samples whose statistics are easy to compute.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/run_model.h"

namespace interpbench::fixture {

inline nlohmann::json time_result(const std::string& name, const std::string& metric,
                                  std::vector<std::vector<double>> reps, nlohmann::json params = {},
                                  nlohmann::json bytes_per_op = nullptr) {
  nlohmann::json r = {{"name", name},
                      {"metric", metric},
                      {"unit", "ns"},
                      {"timed", "synthetic"},
                      {"higher_is_better", false},
                      {"params", params.is_null() ? nlohmann::json::object() : params},
                      {"repetitions", reps}};
  if (!bytes_per_op.is_null()) r["bytes_per_op"] = bytes_per_op;
  return r;
}

inline ChildRun child(const std::string& row, const std::string& kind, const std::string& workload,
                      nlohmann::json results, const std::string& gil = "own") {
  ChildRun c;
  c.row = row;
  c.kind = kind;
  c.workload = workload;
  c.exit_code = 0;
  c.wall_s = 0.5;
  c.child = {{"schema", "interpbench-child/1"}, {"row", row},       {"kind", kind},
             {"workload", workload},            {"gil", gil},       {"python", "3.13.0"},
             {"notes", nlohmann::json::array()}, {"results", results},
             {"worker_errors", nlohmann::json::array()}, {"error", nullptr}, {"skipped", nullptr}};
  return c;
}

// Scaled samples: every sample of `base` times `factor`.
inline std::vector<std::vector<double>> scaled(const std::vector<std::vector<double>>& base,
                                               double factor) {
  auto out = base;
  for (auto& rep : out)
    for (auto& x : rep) x *= factor;
  return out;
}

// Repetition means 100, 110, 90 (mean 100, stddev 10); 9 samples, pooled mean 100. Without a
// "rounds" list each repetition is its own round: 3 rounds with values (medians) 100, 110, 90.
inline const std::vector<std::vector<double>> kBase = {{100, 110, 90}, {110, 100, 120}, {90, 80, 100}};

// One repetition per round with the samples {0.9 v, v, 1.1 v}: round r's value (the median of its
// samples) is exactly values[r], and so is any integer multiple's (scaled(per_round(...), 3)).
inline std::vector<std::vector<double>> per_round(const std::vector<double>& values) {
  std::vector<std::vector<double>> out;
  for (double v : values) out.push_back({0.9 * v, v, 1.1 * v});
  return out;
}

// Six rounds, the fewest whose order-statistic interval reaches 95% ([min, max] covers
// 1 - 2/64): values 100, 110, 90, 105, 95, 100, median 100.
inline const std::vector<std::vector<double>> kSixRounds = per_round({100, 110, 90, 105, 95, 100});

// The run the report tests share; `base` is subinterp's pingpong/8 (kBase: three rounds, too few
// for a 95% interval; kSixRounds: enough).
inline Run synthetic_run(const std::vector<std::vector<double>>& base = kBase) {
  Run run;
  run.environment = {{"date", "2026-01-01T00:00:00+00:00"},
                     {"host_name", "testhost"},
                     {"executable", "/x/interpbench"},
                     {"num_cpus", 2},
                     {"mhz_per_cpu", 2600},
                     {"cpu_governor", "powersave"},
                     {"caches", {{{"type", "Data"}, {"level", 1}, {"size", 32768}, {"num_sharing", 1}}}},
                     {"load_avg", {0.1, 0.2, 0.3}},
                     {"interpbench", {{"version", "0.1.0"}, {"build_type", "release"}}}};
  run.options = {{"suite", "test"}, {"repetitions", 3}};
  run.children.push_back(child(
      "subinterp", "backend", "pingpong",
      {time_result("pingpong/8", "round_trip", base, {{"size_bytes", 8}}, 8),
       time_result("pingpong/1024", "round_trip", scaled(base, 10), {{"size_bytes", 1024}}, 1024)}));
  run.children.push_back(child(
      "subprocess", "backend", "pingpong",
      {time_result("pingpong/8", "round_trip", scaled(base, 3), {{"size_bytes", 8}}, 8),
       time_result("pingpong/1024", "round_trip", scaled(base, 10), {{"size_bytes", 1024}}, 1024)},
      "process"));
  run.children.push_back(child(
      "py-threading", "reference", "pingpong",
      {time_result("pingpong/8", "round_trip", scaled(base, 2), {{"size_bytes", 8}}, 8)}, "shared"));
  // A non-time result: memory in KiB.
  nlohmann::json mem = {{"name", "memory/4"}, {"metric", "memory_uss"}, {"unit", "KiB"},
                        {"higher_is_better", false}, {"params", {{"workers", 4}}},
                        {"repetitions", {{3072, 3072}, {3072, 3072}}}};
  run.children.push_back(child("subinterp", "backend", "memory", {mem}));
  // A crash: no result file.
  ChildRun crash;
  crash.row = "subinterp";
  crash.kind = "backend";
  crash.workload = "crashy";
  crash.signal = "SIGSEGV";
  crash.error = "killed by SIGSEGV";
  crash.stderr_tail = "Fatal Python error: Segmentation fault\n";
  run.children.push_back(crash);
  run.warnings = {"load average 3.00 on 2 CPUs: ...; fix: stop other jobs"};
  run.wall_s = 1.5;
  return run;
}


// extcompat's outcomes (workloads/extcompat.py) on subinterp and subprocess: _decimal imports on
// both, _curses only in the process, fx_crash kills both.
inline Run extcompat_run() {
  auto module = [](const std::string& m, const std::string& status, const std::string& detail) {
    nlohmann::json r = time_result("extcompat/" + m, "import", {{1000}}, {{"module", m}});
    r["status"] = status;
    r["detail"] = detail;
    return r;
  };
  Run run = synthetic_run();
  run.children.clear();
  const std::string refused = "ImportError: module _curses does not support loading in subinterpreters";
  run.children = {
      child("subinterp", "backend", "extcompat",
            {module("_decimal", "ok", ""), module("_curses", "import_error", refused),
             module("fx_crash", "crash", "killed by SIGSEGV")}),
      child("subprocess", "backend", "extcompat",
            {module("_decimal", "ok", ""), module("_curses", "ok", ""),
             module("fx_crash", "crash", "killed by SIGSEGV")},
            "process")};
  return run;
}

}  // namespace interpbench::fixture
