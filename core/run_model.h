#pragma once
// The in-memory model of one run: what the supervisor (runners/) fills while it runs children,
// and what the JSON report, the console report, the verdict and compare read. Plain data; no
// statistics here (reports compute them from the raw samples with core/statistics.h).
#include <array>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace interpbench {

// One supervised child: one (row, workload) pair.
struct ChildRun {
  std::string row;       // "subinterp", "subprocess", "thread", "py-threading", ..., "floor"
  std::string kind;      // "backend" | "reference" | "floor"
  std::string workload;  // workload name (file stem)
  // The child result file as written by the child (docs/design.md, "Child result file"), or
  // null when the child wrote none (crash, timeout, never started).
  nlohmann::json child;
  std::optional<int> exit_code;  // set when the child exited normally
  std::string signal;            // "SIGSEGV" when the child was killed by a signal, else empty
  std::string stderr_tail;       // the last lines of the child's stderr
  double wall_s = 0;             // wall time of the child, spawn to reap
  // [start, end] of each round's child, in seconds since the run's origin (the clock of
  // environment.python_speed's probes): which probes bracket which block.
  std::vector<std::array<double, 2>> spans_s;
  // Why this child has no (or incomplete) results: "killed by SIGSEGV", "timed out after 30 s",
  // or the child's own "error". Empty when all is well. The child's "skipped" is not an error.
  std::string error;
};

struct Run {
  nlohmann::json environment;  // collect_environment() (runners/environment.h)
  nlohmann::json options;      // the options as run: suite, sizes, repetitions, workers, timeout...
  std::vector<ChildRun> children;
  std::vector<std::string> warnings;  // environment and run warnings, each with its fix
  bool incomplete = false;            // interrupted: some children did not run
  std::string incomplete_reason;      // e.g. "interrupted by SIGINT"
  double wall_s = 0;                  // wall time of the whole run
};

}  // namespace interpbench
