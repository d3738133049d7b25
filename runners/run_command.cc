#include "runners/run_command.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "backends/shm_segment.h"
#include "backends/subprocess/child_process.h"
#include "reports/json_report.h"
#include "runners/environment.h"
#include "runners/calibration.h"
#include "runners/errors.h"
#include "runners/output_file.h"
#include "runners/paths.h"
#include "runners/plan.h"
#include "runners/run_output.h"
#include "runners/signals.h"
#include "runners/supervisor.h"
#include "runners/workload_check.h"

namespace interpbench {
namespace {

std::vector<std::string> split_all(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  for (auto& item : items) {
    for (auto& s : split_list(item)) out.push_back(s);
  }
  return out;
}

int max_workers(const Plan& plan) {
  int most = 1;
  for (auto& c : plan.children) {
    if (!c.params.contains("workers")) continue;
    for (auto& n : c.params["workers"]) most = std::max(most, n.get<int>());
  }
  return most;
}

// Segments whose owner died: left by a run that was SIGKILLed (or a child that crashed). Said
// even with --quiet: it is about the machine, not progress.
void sweep_and_say() {
  const auto removed = sweep_stale_segments();
  if (!removed.empty()) {
    fmt::print(stderr, "interpbench: removed {} stale shared-memory segment(s) whose owner is gone: {}\n",
               removed.size(), fmt::join(removed, ", "));
  }
}

PlanRequest make_request(const RunOptions& o) {
  PlanRequest req;
  req.suite = o.suite;
  req.workloads = split_all(o.workloads);
  req.rows = split_all(o.backends);
  for (auto& f : o.workload_files) req.workload_files.emplace_back(f);
  if (o.sizes) req.sizes = parse_sizes(*o.sizes);
  if (o.workers) req.workers = parse_counts(*o.workers, "--workers");
  if (o.repetitions) req.repetitions = parse_count(*o.repetitions, "--repetitions");
  if (o.iterations) req.iterations = parse_count(*o.iterations, "--iterations");
  if (o.timeout) req.timeout_s = parse_timeout(*o.timeout);
  if (o.wall_limit) req.wall_limit_s = parse_timeout(*o.wall_limit, "--wall-limit");
  if (o.start_methods) req.start_methods = parse_start_methods(*o.start_methods);
  if (o.modules) {
    req.modules = split_list(*o.modules);
    if (req.modules->empty()) throw BadInput("bad --modules '': needs at least one module name");
  }
  if (o.gil) req.gil = split_list(*o.gil);
  if (o.config) req.config = split_list(*o.config);
  if (o.shared_gil) {
    if (req.gil && *req.gil != std::vector<std::string>{"shared"}) {
      throw BadInput(fmt::format("--shared-gil (an alias of --gil shared) contradicts --gil {}", *o.gil));
    }
    req.gil = std::vector<std::string>{"shared"};
  }
  req.cores = std::max(1, static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN)));
  return req;
}

}  // namespace

double parse_timeout(const std::string& text, const std::string& option) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || !std::isfinite(value)) {
    throw BadInput(fmt::format("bad {} '{}': expected a number of seconds", option, text));
  }
  if (value <= 0) throw BadInput(fmt::format("bad {} '{}': must be more than 0", option, text));
  return value;
}

// Calls each workload's calibrate_run(params) once (runners/calibration.h) and gives the result
// to every row of that workload, so that all rows do the same work; the report keeps it.
static void calibrate_plan(Plan& plan, const std::filesystem::path& python) {
  std::map<std::filesystem::path, nlohmann::json> done;
  for (auto& child : plan.children) {
    auto [it, fresh] = done.try_emplace(child.workload.path);
    if (fresh) {
      it->second = calibrate_workload(child.workload.path, python, child.params);
      if (!it->second.empty()) plan.options["calibration"][child.workload.name] = it->second;
    }
    child.params.update(it->second);
  }
}

int run_command(const RunOptions& o) {
  // Everything the user typed is checked before anything runs.
  static const std::vector<std::string> kFormats = {"table", "json", "csv", "md"};
  if (std::find(kFormats.begin(), kFormats.end(), o.format) == kFormats.end()) {
    throw BadInput(fmt::format("unknown format '{}' (valid: {})", o.format, fmt::join(kFormats, ", ")));
  }
  const PlanRequest request = make_request(o);
  if (o.out) check_writable(*o.out);
  const auto python = python_executable();
  for (auto& f : request.workload_files) check_workload_file(f, python);
  Plan plan = make_plan(request, discover_workloads(workloads_dir()));
  calibrate_plan(plan, python);

  // From here on SIGINT/SIGTERM stop the run cleanly instead of killing us.
  StopSignals signals;
  sweep_and_say();
  TempDir::sweep_stale("interpbench-run");  // result files of runs that were SIGKILLed

  Run run;
  run.environment = collect_environment(python.string());
  run.environment["executable"] = self_executable().string();
  run.options = plan.options;
  run.warnings = environment_warnings(run.environment, max_workers(plan));

  TempDir temp("interpbench-run");
  SupervisorOptions so;
  so.self_exe = self_executable();
  so.python = python;
  so.reference_script = reference_script();
  so.result_dir = temp.path();
  so.progress = o.quiet ? SupervisorOptions::Progress::kNone
                : ::isatty(STDERR_FILENO) ? SupervisorOptions::Progress::kTerminal
                                          : SupervisorOptions::Progress::kLog;
  so.verbose = o.verbose;
  so.stop_fd = signals.fd();
  so.tie_reference_rows = true;
  // A child that crashed or was killed leaves its segments behind; its pid is dead now.
  so.after_child = [] { sweep_stale_segments(); };

  const auto started = std::chrono::steady_clock::now();
  SupervisedRun supervised = supervise(plan, so);
  run.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  run.children = std::move(supervised.children);
  const int stop_signal = StopSignals::received();
  if (supervised.stopped) {
    run.incomplete = true;
    run.incomplete_reason = stop_signal ? fmt::format("interrupted by {}", signal_name(stop_signal))
                                        : std::string("interrupted");
  }

  const nlohmann::json report = make_json_report(run);
  print_run_output(report, o.format, o.verbose, std::cout);
  std::cout.flush();
  if (o.out) {
    write_json_file(report, *o.out);
    if (!o.quiet) fmt::print(stderr, "interpbench: wrote {}\n", *o.out);
  }

  if (supervised.stopped) {
    fmt::print(stderr, "interpbench: {}; the report is marked incomplete\n", run.incomplete_reason);
    return stop_signal ? StopSignals::exit_code(stop_signal) : 1;
  }
  const auto failed = std::count_if(run.children.begin(), run.children.end(),
                                    [](const ChildRun& c) { return !c.error.empty(); });
  if (failed > 0) {
    fmt::print(stderr, "interpbench: {} of {} rows failed (see the errors above)\n", failed, run.children.size());
    return 1;
  }
  return 0;
}

}  // namespace interpbench
