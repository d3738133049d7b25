#pragma once
// The console report, in hyperfine's habits. By default it is short: a table per workload (a line
// per row, a column per variant: the figure and its paired ratio to subinterp, reports/
// console_table.h), then the verdict and the targets. --verbose adds, before each workload's
// table, a block per row of each variant ("Round trip (mean ± σ): 2.10 µs ± 0.30 µs  [p50 …
// p99: ...]  20000 x 5") and a Summary per variant ("subinterp 1.30 [1.22, 1.40] times faster
// than subprocess"). Reads the run model (core/report_model.h), so a saved report prints the
// same as a fresh run.
#include <ostream>

#include <nlohmann/json.hpp>

#include "core/report_model.h"

namespace interpbench {

// Results, summaries and the verdict go to `out`; warnings (each with its fix) to `err`.
void print_console_report(const report::Run& run, std::ostream& out, std::ostream& err,
                          bool verbose = false);
// The same from a run JSON (report::load_run).
void print_console_report(const nlohmann::json& report, std::ostream& out, std::ostream& err,
                          bool verbose = false);

// "round_trip" -> "Round trip", "memory_uss" -> "Memory USS".
std::string metric_label(const std::string& metric);

}  // namespace interpbench
