#pragma once
// Planning a run: suites as data, the rows (core/row_catalogue.h) and workloads a run covers, the
// params each child gets. A plan is rows x workloads; each entry becomes one supervised child (runners/supervisor.h).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/row_catalogue.h"

namespace interpbench {

// Parses one message size: "8", "1K", "64KiB", "1M", "16MiB" (K/M/G are binary: 1K = 1024 B).
// Throws BadInput naming the value for "12XB", "0", "-1", "" and sizes above 1 GiB.
std::size_t parse_size(std::string_view text);
// A comma-separated list of sizes, in the order given, duplicates removed.
std::vector<std::size_t> parse_sizes(std::string_view csv);
// "1,2,4": counts >= 1. `what` names the option in the error ("--workers").
std::vector<int> parse_counts(std::string_view csv, std::string_view what);
// One count >= 1 ("--repetitions").
int parse_count(std::string_view text, std::string_view what);
// "a,b" -> {"a", "b"}; empty items are dropped.
std::vector<std::string> split_list(std::string_view csv);
// "1048576" -> "1 MiB", "8" -> "8 B": the inverse of parse_size for labels.
std::string format_size(std::size_t bytes);

// The subprocess backend's start methods, in report order: "exec", "fork", "zygote".
const std::vector<std::string>& subprocess_start_methods();
// "exec,zygote" -> {"exec", "zygote"} (order kept, duplicates dropped); throws BadInput naming a
// bad value and listing the valid ones.
std::vector<std::string> parse_start_methods(std::string_view csv);

// Settings of a suite. `defaults` holds the workload params of docs/design.md ("sizes",
// "repetitions", "warmup", "iterations", "workers", "timeout"); `per_workload` overrides or adds
// keys for one workload (taskfarm's "compute_us" grid, memory's worker counts...).
struct Suite {
  std::string name;
  std::string description;
  nlohmann::json defaults;
  std::map<std::string, nlohmann::json> per_workload;
  std::vector<std::string> mp_methods;  // py-multiprocessing start methods this suite runs
  // ... for one workload, instead (startup and memory: how a worker starts is what they measure).
  std::map<std::string, std::vector<std::string>> per_workload_mp_methods;
  // Subprocess start methods: for every workload, unless the workload has its own list.
  std::vector<std::string> start_methods = {"exec"};
  std::map<std::string, std::vector<std::string>> per_workload_start_methods;
  double child_wall_s = 60;             // wall-clock limit of one child (one row x workload)
  // Rounds per workload (docs/design.md, "Rounds"): every row runs `repetitions` repetitions in
  // each round, rows in an order shuffled per round. per_workload may set "rounds" too.
  int rounds = 6;
  // At most this many rounds for one row on one workload ("py-interpreters/apps"): a row whose
  // every child costs seconds runs in fewer rounds than the workload's (its figures then say
  // "too few rounds" for an interval). --rounds applies to every row alike.
  std::map<std::string, int> row_rounds_cap;
};

// The suites, built for this machine (`cores` shapes the scaling and taskfarm worker counts).
std::vector<Suite> make_suites(int cores);
// Throws BadInput listing the valid names.
Suite find_suite(std::string_view name, int cores);

// A workload file the run can execute.
struct WorkloadFile {
  std::string name;  // file stem: the workload's name and its module name
  std::filesystem::path path;
};

// Workloads found in `dir`: every *.py whose name does not start with '_', sorted by name.
std::vector<WorkloadFile> discover_workloads(const std::filesystem::path& dir);

// What the user asked for on the command line; unset fields keep the suite's values.
struct PlanRequest {
  std::string suite = "default";
  std::vector<std::string> workloads;                 // names from the workloads dir; empty: all
  std::vector<std::filesystem::path> workload_files;  // user files (--workload-file)
  std::vector<std::string> rows;                      // --backend; empty: every row
  std::optional<std::vector<std::size_t>> sizes;
  std::optional<std::vector<int>> workers;
  std::optional<int> repetitions;
  std::optional<int> iterations;
  std::optional<double> timeout_s;  // per blocking operation
  std::optional<double> wall_limit_s;  // per child; unset: the suite's or 10 x timeout
  // --start-method: the subprocess start methods of every workload; unset: the suite's.
  std::optional<std::vector<std::string>> start_methods;
  // subinterp modes (--gil own,shared; --config isolated,legacy); unset: the default
  std::optional<std::vector<std::string>> gil, config;
  std::optional<std::vector<std::string>> modules;  // --modules: extension modules extcompat adds
  std::optional<int> rounds;                         // --rounds; unset: the suite's
  std::uint64_t seed = 0;                            // --seed (run_command draws one when unset)
  std::string pin = "auto";                          // --pin auto|off
  std::vector<int> cpus;  // the runner's allowed CPUs (sched_getaffinity), for params["pin"]
  int cores = 1;
};

// One supervised child: run `workload` on `row` with `params`.
struct PlannedChild {
  RowSpec row;
  WorkloadFile workload;
  nlohmann::json params;     // the workload's params (docs/design.md), backend included
  double timeout_s = 60;     // per blocking operation inside the child
  double wall_timeout_s = 60;  // the supervisor kills the child's group after this
  bool shared_gil = false;     // bare-interp: its subinterpreter shares the GIL (--gil shared)
  // How many rounds this child runs (params["repetitions"] each); 1 for a workload of outcomes
  // (extcompat), whose answer does not change from round to round.
  int rounds = 1;
};

struct Plan {
  Suite suite;
  // Workload by workload, rows inside; runners/rounds.h turns this into the execution order.
  std::vector<PlannedChild> children;
  nlohmann::json options;              // the request as given, for the report's context
  std::uint64_t seed = 0;              // shuffles the row order of each round
};

// Builds the plan: rows x workloads with params = suite defaults <- per-workload <- command line.
// Throws BadInput for an unknown suite, row or workload (naming it and listing the valid ones).
// `available` are the workloads of the workloads dir.
Plan make_plan(const PlanRequest& request, const std::vector<WorkloadFile>& available);

// The params one workload gets from a suite and the command line (without "backend").
nlohmann::json workload_params(const Suite& suite, const std::string& workload,
                               const PlanRequest& request);

}  // namespace interpbench
