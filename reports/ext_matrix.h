#pragma once
// The extension-compatibility matrix: module x row (mode included) from the results that carry a
// `status` (workloads/extcompat.py: ok | import_error | error | crash). These are outcomes, not
// timings: the JSON report keeps them out of Google Benchmark's `benchmarks`, the verdict and
// compare skip them, and the console shows this matrix instead of a block per result.
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/report_model.h"

namespace interpbench {

// One cell: "ok", "ImportError", "crash: SIGSEGV", "error: ValueError".
std::string ext_cell(const report::Result& result);

struct ExtMatrix {
  std::vector<std::string> rows;     // row labels, in report order
  std::vector<std::string> modules;  // in the order the first row imported them
  // module -> row -> the result
  std::map<std::string, std::map<std::string, const report::Result*>> cells;
  // Modules whose outcome differs between the subprocess row and the own-GIL isolated subinterp
  // row: where "perfect extension support" is a real advantage of processes today.
  std::vector<std::string> subprocess_only;
};

// The matrix of one workload's status results; the pointers point into `run`.
ExtMatrix ext_matrix(const report::Run& run, const std::string& workload);
// Workloads of `run` that have status results, in report order.
std::vector<std::string> status_workloads(const report::Run& run);

// The console's matrix: the modules whose outcome differs between rows (marked '*' where
// subprocess and subinterp differ), the ImportError texts, and how many import everywhere.
// The summary line, then (verbose) the module x row matrix of the modules that differ, or (not
// verbose) their names in one line.
void print_ext_matrix(const ExtMatrix& m, std::ostream& out, bool verbose = true);

// Verdict lines (and an "extcompat" finding) for each status workload: which modules fail in
// an isolated subinterpreter and import in a process.
void extcompat_verdict(const report::Run& run, nlohmann::json& findings,
                       std::vector<std::string>& lines);

}  // namespace interpbench
