#include "runners/run_command.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <random>
#include <chrono>
#include <cmath>
#include <iostream>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "backends/cpu_pinning.h"
#include "backends/shm_segment.h"
#include "platform/child_process.h"
#include "reports/compare.h"
#include "reports/json_report.h"
#include "runners/environment.h"
#include "runners/calibration.h"
#include "runners/speed_probe.h"
#include "core/errors.h"
#include "core/output_file.h"
#include "core/paths.h"
#include "core/utf8.h"
#include "runners/plan.h"
#include "runners/run_output.h"
#include "runners/signals.h"
#include "runners/supervisor.h"
#include "runners/workload_check.h"

namespace interpbench {

static void calibrate_plan(Plan& plan, const std::filesystem::path& python);

namespace {

std::vector<std::string> split_all(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  for (auto& item : items) {
    for (auto& s : split_list(item)) out.push_back(s);
  }
  return out;
}

// A list option that was given must name something: `--workload ""` or `--backend ,` is a
// mistake, not "all of them" (what leaving the option out means).
std::vector<std::string> given_list(const std::vector<std::string>& items, const char* option,
                                    const char* what) {
  std::vector<std::string> out = split_all(items);
  if (!items.empty() && out.empty()) {
    throw BadInput(fmt::format("bad {} '{}': needs at least one {}", option, fmt::join(items, ","), what));
  }
  for (const auto& item : out)
    if (find_control_char(item) != std::string::npos)
      throw BadInput(fmt::format("bad {} '{}': contains a control character", option, escape_control_chars(item)));
  return out;
}

std::vector<std::string> given_list(const std::string& item, const char* option, const char* what) {
  return given_list(std::vector<std::string>{item}, option, what);
}

int max_workers(const Plan& plan) {
  int most = 1;
  for (auto& c : plan.children) {
    if (!c.params.contains("workers")) continue;
    for (auto& n : c.params["workers"]) most = std::max(most, n.get<int>());
  }
  return most;
}

// Segments and temporary directories whose owner died: left by a run that was SIGKILLed (or a
// child that crashed). Said even with --quiet: it is about the machine, not progress.
void sweep_and_say() {
  if (const int dirs = TempDir::sweep_stale("interpbench-run"); dirs > 0)
    fmt::print(stderr, "interpbench: removed {} temporary director{} of a run that was killed\n", dirs,
               dirs == 1 ? "y" : "ies");
  const auto removed = sweep_stale_segments();
  if (!removed.empty()) {
    fmt::print(stderr, "interpbench: removed {} stale shared-memory segment(s) whose owner is gone: {}\n",
               removed.size(), fmt::join(removed, ", "));
  }
}

std::uint64_t parse_seed(const std::string& text) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size())
    throw BadInput(fmt::format("bad --seed '{}': expected a whole number >= 0", text));
  return value;
}

PlanRequest make_request(const RunOptions& o) {
  PlanRequest req;
  req.suite = o.suite;
  req.workloads = given_list(o.workloads, "--workload", "workload name");
  req.rows = given_list(o.backends, "--backend", "row name");
  for (auto& f : o.workload_files) req.workload_files.emplace_back(f);
  if (o.sizes) req.sizes = parse_sizes(*o.sizes);
  if (o.workers) req.workers = parse_counts(*o.workers, "--workers");
  if (o.repetitions) req.repetitions = parse_count(*o.repetitions, "--repetitions");
  if (o.iterations) req.iterations = parse_count(*o.iterations, "--iterations");
  if (o.timeout) req.timeout_s = parse_timeout(*o.timeout);
  if (o.wall_limit) req.wall_limit_s = parse_timeout(*o.wall_limit, "--wall-limit");
  if (o.start_methods) req.start_methods = parse_start_methods(*o.start_methods);
  if (o.modules) req.modules = given_list(*o.modules, "--modules", "module name");
  if (o.gil) req.gil = given_list(*o.gil, "--gil", "of own, shared");
  if (o.config) req.config = given_list(*o.config, "--config", "of isolated, legacy");
  if (o.shared_gil) {
    if (req.gil && *req.gil != std::vector<std::string>{"shared"}) {
      throw BadInput(fmt::format("--shared-gil (an alias of --gil shared) contradicts --gil {}", *o.gil));
    }
    req.gil = std::vector<std::string>{"shared"};
  }
  if (o.rounds) req.rounds = parse_count(*o.rounds, "--rounds");
  req.seed = o.seed ? parse_seed(*o.seed) : std::random_device{}() * 0x100000000ULL + std::random_device{}();
  if (o.pin != "auto" && o.pin != "off")
    throw BadInput(fmt::format("bad --pin '{}' (valid: auto, off)", o.pin));
  req.pin = o.pin;
  req.cpus = thread_cpus();  // what --pin auto hands out
  req.cores = std::max(1, static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN)));
  return req;
}

// Validates everything the user typed, then plans and calibrates: nothing has run yet.
struct PreparedRun {
  Plan plan;
  std::filesystem::path python;
};

PreparedRun prepare(const RunOptions& o) {
  static const std::vector<std::string> kFormats = {"table", "json", "csv", "md", "bmf"};
  if (std::find(kFormats.begin(), kFormats.end(), o.format) == kFormats.end()) {
    throw BadInput(fmt::format("unknown format '{}' (valid: {})", o.format, fmt::join(kFormats, ", ")));
  }
  const PlanRequest request = make_request(o);
  if (o.out) check_writable(*o.out);
  PreparedRun prepared;
  prepared.python = python_executable();
  for (auto& f : request.workload_files) check_workload_file(f, prepared.python);
  prepared.plan = make_plan(request, discover_workloads(workloads_dir()));
  calibrate_plan(prepared.plan, prepared.python);
  return prepared;
}

SupervisorOptions supervisor_options(const RunOptions& o, const std::filesystem::path& result_dir,
                                     int stop_fd) {
  SupervisorOptions so;
  so.self_exe = self_executable();
  so.python = python_executable();
  so.reference_script = reference_script();
  so.result_dir = result_dir;
  so.progress = o.quiet ? SupervisorOptions::Progress::kNone
                : ::isatty(STDERR_FILENO) ? SupervisorOptions::Progress::kTerminal
                                          : SupervisorOptions::Progress::kLog;
  so.verbose = o.verbose;
  so.stop_fd = stop_fd;
  so.tie_reference_rows = true;
  // A child that crashed or was killed leaves its segments behind; its pid is dead now.
  so.after_child = [] { sweep_stale_segments(); };
  return so;
}

Run make_run(const Plan& plan, const std::filesystem::path& python, const std::filesystem::path& executable) {
  Run run;
  run.environment = collect_environment(python.string());
  run.environment["executable"] = executable.string();
  run.options = plan.options;
  run.warnings = environment_warnings(run.environment, max_workers(plan));
  if (plan.options.contains("calibration"))
    for (auto& w : calibration_warnings(plan.options["calibration"])) run.warnings.push_back(std::move(w));
  return run;
}

void finish_run(Run& run, SupervisedRun supervised, double wall_s) {
  run.wall_s = wall_s;
  run.children = std::move(supervised.children);
  const int stop_signal = StopSignals::received();
  if (supervised.stopped) {
    run.incomplete = true;
    run.incomplete_reason = stop_signal ? fmt::format("interrupted by {}", signal_name(stop_signal))
                                        : std::string("interrupted");
  }
}

}  // namespace

constexpr double kMaxDurationS = 86400;

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
  // Beyond a day is a typo (or an overflow probe), not a benchmark.
  if (value > kMaxDurationS) {
    throw BadInput(fmt::format("bad {} '{}': at most {} seconds (1 day)", option, text, kMaxDurationS));
  }
  return value;
}

// Calls each workload's calibrate_run(params) once (runners/calibration.h) and gives the result
// to every row of that workload, so that all rows do the same work; the report keeps it.
static void calibrate_plan(Plan& plan, const std::filesystem::path& python) {
  std::map<std::filesystem::path, nlohmann::json> done;
  for (auto& child : plan.children) {
    auto [it, fresh] = done.try_emplace(child.workload.path);
    if (fresh) {
      it->second = calibrate_workload(child.workload.path, python, child.params, child.wall_timeout_s);
      if (!it->second.empty()) plan.options["calibration"][child.workload.name] = it->second;
    }
    child.params.update(it->second);
  }
}

int run_command(const RunOptions& o) {
  // First of all: from here on SIGINT/SIGTERM stop the run cleanly instead of killing us. One
  // that comes while the input is checked and calibrated stops the run before its first child
  // (the supervisor sees the pipe readable) with an empty report marked incomplete.
  StopSignals signals;
  // Everything the user typed is checked before anything runs.
  PreparedRun prepared = prepare(o);

  sweep_and_say();

  Run run = make_run(prepared.plan, prepared.python, self_executable());
  TempDir temp("interpbench-run");
  SupervisorOptions so = supervisor_options(o, temp.path(), signals.fd());
  SpeedMonitor speed(prepared.python, cpus_to_probe(), so.origin);
  speed.probe_now();
  const auto started = std::chrono::steady_clock::now();
  so.after_child = [&speed, sweep = std::move(so.after_child)] {
    sweep();
    speed.probe_if_due();  // between children: untimed, nothing else runs
  };
  SupervisedRun supervised = supervise(prepared.plan, so);
  const bool stopped = supervised.stopped;
  finish_run(run, std::move(supervised),
             std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  if (!stopped) speed.probe_now();
  run.environment["python_speed"] = speed.to_json();
  for (auto& w : speed_warnings(speed.cpus(), speed.probes())) run.warnings.push_back(std::move(w));

  const nlohmann::json report = make_json_report(run);
  std::ostream& report_out = o.report_stream ? *o.report_stream : std::cout;
  print_run_output(report, o.format, o.verbose, report_out);
  report_out.flush();
  if (o.out) {
    // --out was checked before the run: failing now (disk full, ulimit -f) is the run's failure.
    try {
      write_json_file(report, *o.out);
    } catch (const BadInput& e) {
      throw RunFailed(e.what());
    }
    if (!o.quiet) fmt::print(stderr, "interpbench: wrote {}\n", *o.out);
  }

  if (stopped) {
    fmt::print(stderr, "interpbench: {}; the report is marked incomplete\n", run.incomplete_reason);
    const int stop_signal = StopSignals::received();
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

namespace {

constexpr int kAbRounds = 60;

// What `BINARY _paths` says: the Python and reference script that build runs its rows with.
struct BuildPaths {
  std::filesystem::path executable, python, reference_script;
};

BuildPaths paths_of(const std::string& binary) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(binary, ec) || ::access(binary.c_str(), X_OK) != 0)
    throw BadInput(fmt::format("bad --run binary '{}': not an executable file", binary));
  SpawnOptions spawn;
  spawn.executable = std::filesystem::absolute(binary);
  spawn.args = {"_paths"};
  spawn.stdout_mode = SpawnOptions::Output::kCapture;
  std::optional<ExitStatus> status;
  std::string out;
  try {
    ChildProcess child(spawn);
    status = child.wait(Deadline::after(std::chrono::seconds(30)));
    if (!status) status = child.kill_and_reap();
    out = child.captured_stdout();
  } catch (const std::system_error& e) {
    throw BadInput(fmt::format("bad --run binary '{}': {}", binary, e.what()));
  }
  const auto j = nlohmann::json::parse(out, nullptr, /*allow_exceptions=*/false);
  if (!status->success() || !j.is_object() || !j.contains("python") || !j["python"].is_string() ||
      !j.contains("reference_script") || !j["reference_script"].is_string())
    throw BadInput(fmt::format("bad --run binary '{}': not an interpbench ('{} _paths' {})", binary,
                               binary, status->success() ? "printed no paths" : status->describe()));
  return {spawn.executable, j["python"].get<std::string>(), j["reference_script"].get<std::string>()};
}

}  // namespace

int ab_command(const RunOptions& options, const AbOptions& ab) {
  if (options.out) throw BadInput("compare --run writes no run report: drop --out (use --format json)");
  // A gate needs an interval that a few odd rounds cannot move and that is narrow enough to put
  // a real 10% change beyond a 5% threshold: 60 rounds give (x(22), x(39)) at 97.3%, 30 gave
  // (x(10), x(21)). On this kind of VM a child's speed varies by +-5% in clean rounds, so at 30
  // the interval's low end of a +10% change sat at +5.3..+5.8% (docs/ci.md).
  RunOptions o = options;
  if (!o.rounds) o.rounds = std::to_string(kAbRounds);
  const auto saved_path = [&](const char* side) { return std::filesystem::path(*ab.save_runs) / side; };
  if (ab.save_runs) {
    check_writable(saved_path("base.json"));
    check_writable(saved_path("candidate.json"));
  }
  StopSignals signals;  // before anything else, as in run_command
  const BuildPaths base = paths_of(ab.base_binary), candidate = paths_of(ab.candidate_binary);
  PreparedRun prepared = prepare(o);

  sweep_and_say();
  TempDir temp("interpbench-run");
  std::vector<SupervisorOptions> sides;
  std::vector<Run> runs;
  for (const BuildPaths* side : {&base, &candidate}) {
    // Names of one length: the two sides' children get argv (their result files' paths) of one
    // length, so that no side's stack starts at another offset.
    const std::filesystem::path dir = temp.path() / (side == &base ? "base" : "cand");
    std::filesystem::create_directories(dir);
    SupervisorOptions so = supervisor_options(o, dir, signals.fd());
    so.self_exe = side->executable;
    so.python = side->python;
    so.reference_script = side->reference_script;
    sides.push_back(std::move(so));
    runs.push_back(make_run(prepared.plan, side->python, side->executable));
  }
  const auto started = std::chrono::steady_clock::now();
  auto supervised = supervise_sides(prepared.plan, sides);
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const bool stopped = supervised[0].stopped;
  std::vector<nlohmann::json> reports;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    finish_run(runs[i], std::move(supervised[i]), wall_s);
    reports.push_back(make_json_report(runs[i]));
  }
  if (ab.save_runs) {
    write_file_atomically(saved_path("base.json"), reports[0].dump(2) + "\n");
    write_file_atomically(saved_path("candidate.json"), reports[1].dump(2) + "\n");
  }
  if (stopped) {
    fmt::print(stderr, "interpbench: {}; nothing compared\n", runs[0].incomplete_reason);
    const int stop_signal = StopSignals::received();
    return stop_signal ? StopSignals::exit_code(stop_signal) : 1;
  }
  CompareOptions co;
  co.base_path = ab.base_binary;
  co.candidate_path = ab.candidate_binary;
  co.threshold = ab.threshold;
  co.alpha = ab.alpha;
  co.format = ab.format;
  const CompareResult result = compare_reports(reports[0], reports[1], co.threshold, co.alpha, true);
  if (co.format == "json")
    std::cout << compare_to_json(result, co).dump(2) << "\n";
  else if (co.format == "md")
    std::cout << format_compare_markdown(result, co);
  else
    std::cout << format_compare_table(result, co);
  std::cout.flush();
  return result.fails() ? 1 : 0;
}

}  // namespace interpbench
