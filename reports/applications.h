#pragma once
// The application workloads (workloads/apps.py): per application and row, the speedup at N =
// cores over N = 1 (tasks/s at N over tasks/s at 1, the median of per-round ratios with its 95%
// interval) and the throughput at N = cores. Computed as data here; the answer carries it to
// the console, the JSON and the report (its summary table and the applications plot).
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/report_model.h"
#include "core/round_statistics.h"

namespace interpbench {

struct ApplicationCell {
  std::string row;
  double throughput = 0;                // tasks/s at N = workers, median over rounds
  std::optional<RatioEstimate> speedup; // thr(N) / thr(1) paired by round; none without N = 1
  std::string text() const;             // "1.85x [1.70, 1.93]" or "—"
};

// Whether a row's work scales from 1 to N workers, by its speedup's interval: kScales when the
// whole interval lies above 1.1x, kFlat when its median is below 1.1x (a row holding one GIL
// stays near 1x), kUndecided between; kUnknown without a speedup. With too few rounds for a 95%
// interval the interval is [min, max] over the rounds: every round must agree.
enum class Scaling { kScales, kFlat, kUndecided, kUnknown };
Scaling scaling_of(const ApplicationCell& cell);

struct ApplicationLine {
  std::string app;   // "parse"
  int workers = 0;   // N the speedup is at: cores, or the largest N measured below it
  std::vector<ApplicationCell> cells;  // in report order; rows without the app left out
  const ApplicationCell* cell(const std::string& row) const;
};

struct Applications {
  int cores = 0;
  std::vector<std::string> rows;  // every row with a cell, report order
  std::vector<ApplicationLine> apps;
  bool empty() const { return apps.empty(); }
};

// The result name of `app`'s throughput at N workers: "apps/parse/2".
std::string application_result(const std::string& app, int workers);

Applications make_applications(const report::Run& run);

// {"cores", "rows", "apps": [{"app", "workers", "cells": {row: {throughput, speedup, text}}}]}
nlohmann::json applications_json(const Applications& a);

// The summary table as console lines: application x row, speedup at N = cores.
std::vector<std::string> applications_lines(const Applications& a);

}  // namespace interpbench
