#pragma once
// `interpbench run`: validate everything the user gave (before anything runs), plan, supervise
// the children, print the report, write the JSON.
//
// Exit codes: 0 the run completed and every row ran (skipped rows included); 1 the run completed
// but at least one row failed (crash, timeout, driver error: each is printed and in the JSON);
// 2 bad input; 130 / 143 interrupted by SIGINT / SIGTERM (a partial report marked incomplete is
// still printed and written to --out).
#include <optional>
#include <string>
#include <vector>

namespace interpbench {

// The options as typed; run_command parses and validates them (BadInput names the bad value).
struct RunOptions {
  std::string suite = "default";
  std::vector<std::string> workloads;       // each may be "a,b"
  std::vector<std::string> workload_files;  // --workload-file, repeatable
  std::vector<std::string> backends;        // each may be "a,b"
  std::optional<std::string> sizes, workers, repetitions, iterations, timeout, wall_limit;
  std::optional<std::string> start_methods;  // --start-method exec,fork,zygote
  std::optional<std::string> out;  // the JSON report; none: no file is written
  std::string format = "table";    // table | json | csv | md (on stdout)
  std::optional<std::string> gil, config;
  std::optional<std::string> modules;  // extcompat: extra modules to import, "a,b"  // subinterp modes: "own,shared", "isolated,legacy"
  bool shared_gil = false;                  // --shared-gil: an alias of --gil shared
  bool verbose = false;
  bool quiet = false;
};

int run_command(const RunOptions& options);

// `--timeout` text -> seconds (> 0, finite). Throws BadInput naming the value.
double parse_timeout(const std::string& text, const std::string& option = "--timeout");

}  // namespace interpbench
