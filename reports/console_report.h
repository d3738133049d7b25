#pragma once
// The console table, in hyperfine's and pyperf's habits: a block per row of each workload
// variant ("Round trip (mean ± σ): 2.10 µs ± 0.30 µs  [p50 … p99: ...]  20000 x 5"), a Summary
// per variant ("subinterp 1.30 ± 0.10 times faster than subprocess"), then the verdict. Reads the
// run JSON (json_report.h), so a saved report prints the same as a fresh run.
#include <ostream>

#include <nlohmann/json.hpp>

#include "core/report_model.h"

namespace interpbench {

// Results, summaries and the verdict go to `out`; warnings (each with its fix) to `err`.
void print_console_report(const report::Run& run, std::ostream& out, std::ostream& err);
// The same from a run JSON (report::load_run).
void print_console_report(const nlohmann::json& report, std::ostream& out, std::ostream& err);

// "round_trip" -> "Round trip", "memory_uss" -> "Memory USS".
std::string metric_label(const std::string& metric);

}  // namespace interpbench
