#pragma once
// `interpbench run`: validate everything the user gave (before anything runs), plan, supervise
// the children, print the report, write the JSON.
//
// Exit codes: 0 the run completed and every row ran (skipped rows included); 1 the run completed
// but at least one row failed (crash, timeout, driver error: each is printed and in the JSON);
// 2 bad input; 130 / 143 interrupted by SIGINT / SIGTERM (a partial report marked incomplete is
// still printed and written to --out).
#include <optional>
#include <ostream>
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
  std::optional<std::string> rounds;  // --rounds N
  std::optional<std::string> seed;    // --seed S (unset: drawn, and recorded in the JSON)
  std::string pin = "auto";           // --pin auto|off
  bool verbose = false;
  bool quiet = false;
  // Where the report in `format` goes (nullptr: stdout). `advise --measure` sends the run's table
  // to stderr, so that stdout carries only the advice.
  std::ostream* report_stream = nullptr;
};

int run_command(const RunOptions& options);

// `interpbench compare --run BASE CANDIDATE [run options]`: runs the plan with two builds (or
// wrappers of one build, e.g. a script setting an environment variable) in interleaved rounds,
// both sides of a row back to back, and gates on the paired per-round ratios (reports/compare.h).
// `compare_format`, `threshold` and `alpha` are compare's; returns compare's exit code (1 on a
// regression), 2 on bad input (thrown as BadInput).
struct AbOptions {
  std::string base_binary, candidate_binary;
  std::string format = "table";  // table | json | md
  double threshold = 0.05, alpha = 0.05;
  // `--save-runs DIR`: both sides' run JSON as DIR/base.json and DIR/candidate.json (CI keeps
  // them as artifacts; `interpbench report` reads them).
  std::optional<std::string> save_runs;
};
int ab_command(const RunOptions& options, const AbOptions& ab);

// `--timeout` text -> seconds (> 0, finite). Throws BadInput naming the value.
double parse_timeout(const std::string& text, const std::string& option = "--timeout");

}  // namespace interpbench
