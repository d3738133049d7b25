#include "runners/cli.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "reports/compare.h"
#include "reports/report_command.h"
#include "runners/advise_command.h"
#include "runners/child_main.h"
#include "runners/environment.h"
#include "core/errors.h"
#include "core/paths.h"
#include "core/row_catalogue.h"
#include "core/utf8.h"
#include "runners/plan.h"
#include "runners/subinterp_modes.h"
#include "runners/run_command.h"
#include "runners/signals.h"

namespace interpbench {
namespace {

// One line, lowercase first letter: CLI11's messages are sentences, ours are not.
std::string one_line(std::string text) {
  for (auto& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  if (text.size() > 1 && std::isupper(static_cast<unsigned char>(text[0])) &&
      !std::isupper(static_cast<unsigned char>(text[1]))) {
    text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  }
  return text;
}

int fail(const std::string& message, int code) {
  std::cerr << "interpbench: " << one_line(message) << std::endl;
  return code;
}

// Paths end up in the JSON report (and workload paths in Python): UTF-8 only, refused up front.
void require_utf8_path(const std::string& path, const char* what) {
  if (!is_valid_utf8(path)) {
    throw BadInput(fmt::format("{} '{}': the path is not valid UTF-8; rename it", what,
                               escape_invalid_utf8(path)));
  }
}

int online_cores() { return std::max(1, static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN))); }

// "python.version: 3.13.0" lines: every fact of the environment, nested keys joined by '.'.
void print_flat(const nlohmann::json& j, const std::string& prefix, std::ostream& out) {
  if (j.is_object()) {
    for (auto& [key, value] : j.items()) print_flat(value, prefix.empty() ? key : prefix + "." + key, out);
  } else if (j.is_array() && !j.empty() && j.front().is_object()) {
    for (std::size_t i = 0; i < j.size(); ++i) print_flat(j[i], fmt::format("{}[{}]", prefix, i), out);
  } else {
    out << fmt::format("{:<36} {}\n", prefix + ":", j.is_string() ? j.get<std::string>() : j.dump());
  }
}

int env_command(bool as_json) {
  nlohmann::json env = collect_environment(python_executable().string());
  env["executable"] = self_executable().string();
  const auto warnings = environment_warnings(env, 1);
  if (as_json) {
    std::cout << nlohmann::json{{"environment", env}, {"warnings", warnings}}.dump(2) << "\n";
    return 0;
  }
  // Headline facts first, in reading order; then whatever else the environment holds.
  static const char* kOrder[] = {"date", "host_name", "cpu_model", "num_cpus", "mhz_per_cpu", "cpu_governor",
                                 "load_avg", "virtualization", "kernel", "python", "interpbench", "executable"};
  for (const char* key : kOrder) {
    if (env.contains(key)) print_flat(env[key], key, std::cout);
  }
  if (env.contains("caches") && env["caches"].is_array()) {
    std::vector<std::string> caches;
    for (auto& c : env["caches"]) {
      caches.push_back(fmt::format("L{} {} {}", c.value("level", 0), c.value("type", std::string("?")),
                                   format_size(c.value("size", std::size_t{0}))));
    }
    std::cout << fmt::format("{:<36} {}\n", "caches:", fmt::join(caches, ", "));
  }
  for (auto& [key, value] : env.items()) {
    if (key != "caches" && std::find(std::begin(kOrder), std::end(kOrder), key) == std::end(kOrder)) {
      print_flat(value, key, std::cout);
    }
  }
  for (auto& w : warnings) std::cerr << "warning: " << w << "\n";
  return 0;
}

// The rows of `list`, a section per kind in report order: its heading and its JSON key.
struct RowSection {
  RowKind kind;
  const char* heading;
  const char* json_key;
};
constexpr RowSection kRowSections[] = {{RowKind::kBackend, "Backends", "backends"},
                                       {RowKind::kReference, "Reference rows", "reference_rows"},
                                       {RowKind::kFloor, "Floor", "floor"},
                                       {RowKind::kBaseline, "Baseline", "baselines"}};

int list_command(bool as_json) {
  const auto dir = workloads_dir();
  const auto workloads = discover_workloads(dir);
  const auto suites = make_suites(online_cores());
  if (as_json) {
    nlohmann::json j;
    for (const auto& section : kRowSections) j[section.json_key] = row_names(section.kind);
    j["start_methods"] = subprocess_start_methods();
    j["subinterp_modes"] = nlohmann::json::array();
    for (const auto& m : subinterp_modes({{"own", "shared"}}, {{"isolated", "legacy"}}))
      j["subinterp_modes"].push_back({{"row", RowSpec{"subinterp", RowKind::kBackend, m.method}.label()},
                                      {"gil", m.gil}, {"config", m.config}});
    j["workloads_dir"] = dir.string();
    j["workloads"] = nlohmann::json::array();
    for (auto& w : workloads) j["workloads"].push_back({{"name", w.name}, {"path", w.path.string()}});
    j["suites"] = nlohmann::json::array();
    for (auto& s : suites) {
      nlohmann::json per = nlohmann::json::object();
      for (auto& [name, o] : s.per_workload) per[name] = o;
      j["suites"].push_back({{"name", s.name}, {"description", s.description}, {"defaults", s.defaults},
                             {"per_workload", per}, {"mp_methods", s.mp_methods},
                             {"start_methods", s.start_methods},
                             {"per_workload_start_methods", s.per_workload_start_methods},
                             {"child_wall_s", s.child_wall_s}});
    }
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  for (const auto& section : kRowSections) {
    std::cout << section.heading << ":\n";
    for (const RowInfo& row : row_catalogue())
      if (row.kind == section.kind) std::cout << fmt::format("  {:<20} {}\n", row.name, row.description);
  }
  std::cout << fmt::format("Subprocess start methods (--start-method): {}\n", fmt::join(subprocess_start_methods(), ", "));
  std::cout << "Subinterp modes (--gil, --config):\n";
  for (const auto& m : subinterp_modes({{"own", "shared"}}, {{"isolated", "legacy"}}))
    std::cout << fmt::format("  {:<20} {} GIL, {} config\n",
                             RowSpec{"subinterp", RowKind::kBackend, m.method}.label(), m.gil, m.config);
  std::cout << fmt::format("Workloads ({}):\n", dir.string());
  if (workloads.empty()) std::cout << "  (none found)\n";
  for (auto& w : workloads) std::cout << "  " << w.name << "\n";
  std::cout << "Suites:\n";
  for (auto& s : suites) {
    std::cout << fmt::format("  {:<8} {}\n", s.name, s.description);
    std::cout << fmt::format("  {:<8}   defaults: {}\n", "", s.defaults.dump());
    for (auto& [name, o] : s.per_workload) std::cout << fmt::format("  {:<8}   {}: {}\n", "", name, o.dump());
    std::cout << fmt::format("  {:<8}   multiprocessing start methods: {}; child wall limit {} s\n", "",
                             fmt::join(s.mp_methods, ", "), s.child_wall_s);
    std::cout << fmt::format("  {:<8}   subprocess start methods: {}", "", fmt::join(s.start_methods, ", "));
    for (auto& [name, m] : s.per_workload_start_methods) std::cout << fmt::format("; {}: {}", name, fmt::join(m, ", "));
    std::cout << "\n";
  }
  return 0;
}

// The options of a run, shared by `run` and `compare --run` (which runs two builds alike).
struct RunOptionFlags {
  CLI::Option *sizes, *workers, *reps, *iters, *timeout, *wall_limit, *start_method, *gil, *config,
      *modules, *rounds, *seed, *out = nullptr;
  std::string out_value;
  // The typed values of the options given into `run`.
  void take(RunOptions& run) const {
    auto take_one = [](CLI::Option* o, std::optional<std::string>& into) {
      if (o != nullptr && o->count() > 0) into = o->as<std::string>();
    };
    take_one(sizes, run.sizes);
    take_one(workers, run.workers);
    take_one(reps, run.repetitions);
    take_one(iters, run.iterations);
    take_one(timeout, run.timeout);
    take_one(wall_limit, run.wall_limit);
    take_one(start_method, run.start_methods);
    take_one(gil, run.gil);
    take_one(config, run.config);
    take_one(modules, run.modules);
    take_one(rounds, run.rounds);
    take_one(seed, run.seed);
    if (out != nullptr && out->count() > 0 && out_value != "none") run.out = out_value;
  }
};

RunOptionFlags add_run_options(CLI::App* cmd, RunOptions& run, bool with_outputs) {
  RunOptionFlags f;
  cmd->add_option("--suite", run.suite, "quick | default | full (see `interpbench list`)")
      ->capture_default_str();
  cmd->add_option("--workload", run.workloads, "Workloads from workloads/ (comma-separated; default: all)");
  cmd->add_option("--workload-file", run.workload_files,
                  "Your own workload file (repeatable); runs instead of the built-in workloads");
  cmd->add_option("--backend", run.backends, fmt::format("Rows: {} (default: all)", fmt::join(row_names(), ",")));
  f.start_method = cmd->add_option(
      "--start-method",
      "subprocess start methods, comma-separated, for every workload: exec (posix_spawn of "
      "interpbench-worker; row `subprocess`), fork (fork of the driver's process, refused where "
      "unsafe; `subprocess-fork`), zygote (a pre-initialized worker process forks each worker; "
      "`subprocess-zygote`). Default: the suite's (default/full: exec, plus fork and zygote for "
      "startup and memory)")->type_name("METHODS");
  f.sizes = cmd->add_option("--sizes", "Message sizes, e.g. 8,1K,64KiB,1M")->type_name("SIZES");
  f.workers = cmd->add_option("--workers", "Worker counts, e.g. 1,2,4")->type_name("COUNTS");
  f.rounds = cmd->add_option("--rounds", "Rounds per workload: every row runs once per round, rows "
                             "shuffled per round (default: the suite's)")->type_name("N");
  f.reps = cmd->add_option("--repetitions", "Repetitions per result in each round (>= 1)")->type_name("N");
  f.iters = cmd->add_option("--iterations", "Timed operations per repetition (>= 1)")->type_name("N");
  f.seed = cmd->add_option("--seed", "Seed of the per-round row order (default: drawn; the JSON "
                           "records it)")->type_name("N");
  cmd->add_option("--pin", run.pin, "auto: the driver and each worker on a CPU of its own where "
                  "they fit; off: never pin")->capture_default_str();
  f.timeout = cmd->add_option(
      "--timeout", "Seconds per blocking operation; each child also gets a wall limit of the suite's or 10x this")
      ->type_name("SECONDS");
  f.wall_limit = cmd->add_option(
      "--wall-limit", "Seconds each child (row x workload x round) may run before its process group is killed "
      "(default: the suite's, or 10x --timeout)")->type_name("SECONDS");
  if (with_outputs) {
    f.out = cmd->add_option("--out", f.out_value, "Write the JSON report here (atomically); none (the default): no file");
    cmd->add_option("--format", run.format, "What stdout gets: table | json | csv | md | bmf (Bencher Metric Format)")->capture_default_str();
  }
  f.gil = cmd->add_option("--gil", "subinterp rows: own,shared (default own; one row per mode)")
              ->type_name("own|shared");
  f.config = cmd->add_option(
      "--config", "subinterp rows: isolated,legacy (default isolated; legacy = _PyInterpreterConfig_LEGACY_INIT's "
      "settings, with a shared GIL only)")->type_name("isolated|legacy");
  cmd->add_flag("--shared-gil", run.shared_gil, "An alias of --gil shared");
  f.modules = cmd->add_option("--modules", "extcompat: more modules to import, e.g. numpy,lxml.etree")
                  ->type_name("NAMES");
  return f;
}

}  // namespace

int run_cli(int argc, char** argv) {
  // A file size limit (ulimit -f) must be a write error we report, not a silent death by
  // SIGXFSZ that leaves a half-written temp file and the run's temp directory behind.
  ::signal(SIGXFSZ, SIG_IGN);
  // `run`: a SIGINT or SIGTERM from now until its handlers are in stays pending, and then stops
  // the run as one that comes later would (runners/signals.h). Only `run`: every path of it
  // either reaches run_command, whose StopSignals unblocks them, or exits at once.
  if (argc > 1 && std::string(argv[1]) == "run") block_stop_signals();
  CLI::App app{"interpbench: when do subinterpreters beat subprocesses and threads? Measured.", "interpbench"};
  app.require_subcommand(1);
  app.set_version_flag("--version", INTERPBENCH_VERSION);

  // run
  RunOptions run;
  auto* run_cmd = app.add_subcommand("run", "Run workloads on backends and reference rows, print the report");
  RunOptionFlags run_flags = add_run_options(run_cmd, run, /*with_outputs=*/true);
  run_cmd->add_flag("--verbose,-v", run.verbose,
                    "Copy children's stderr, show tracebacks; the table gets a block per result");
  run_cmd->add_flag("--quiet,-q", run.quiet, "No progress on stderr");

  // env
  bool env_json = false;
  auto* env_cmd = app.add_subcommand("env", "Print the environment: CPU, kernel, Python build, warnings");
  env_cmd->add_flag("--json", env_json, "As JSON");

  // list
  bool list_json = false;
  auto* list_cmd = app.add_subcommand("list", "List backends, reference rows, workloads and suites");
  list_cmd->add_flag("--json", list_json, "As JSON");

  // report
  ReportOptions report;
  auto* report_cmd = app.add_subcommand("report", "Turn run JSON files into an HTML/Markdown report with plots");
  report_cmd->add_option("runs", report.inputs, "Run JSON files (several overlay in one report)")->required();
  report_cmd->add_option("--out", report.out_dir, "Output directory (index.html, report.md, plots)");
  report_cmd->add_option("--format", report.format, "What stdout gets once DIR is written: html | md | csv | bmf | table")
      ->capture_default_str();
  report_cmd->add_flag("--verbose,-v", report.verbose,
                       "--format table: a block per result and a summary per variant too");

  // compare
  CompareOptions compare;
  std::string threshold = "5%";
  auto* compare_cmd = app.add_subcommand("compare", "Compare two runs; exit 1 on a significant regression");
  compare_cmd->add_option("base", compare.base_path, "Baseline run JSON (with --run: the base interpbench binary)")->required();
  compare_cmd->add_option("candidate", compare.candidate_path, "Candidate run JSON (with --run: the candidate binary)")->required();
  compare_cmd->add_option("--threshold", threshold, "Smallest change that counts, e.g. 5%")->capture_default_str();
  compare_cmd->add_option("--alpha", compare.alpha, "False discovery rate (Benjamini-Hochberg) over the results tested")
      ->capture_default_str();
  compare_cmd->add_option("--format", compare.format, "table | json | md")->capture_default_str();
  bool ab_run = false;
  compare_cmd->add_flag("--run", ab_run, "A/B: BASE and CANDIDATE are interpbench binaries (or wrappers of "
                        "one); run both in interleaved rounds with the run options below, gate on the paired result");
  RunOptions ab_run_options;
  RunOptionFlags ab_flags = add_run_options(compare_cmd, ab_run_options, /*with_outputs=*/false);
  std::optional<std::string> save_runs;
  compare_cmd->add_option("--save-runs", save_runs, "With --run: write both sides' run JSON to "
                          "DIR/base.json and DIR/candidate.json");
  compare_cmd->add_flag("--quiet,-q", ab_run_options.quiet, "No progress on stderr (--run)");
  compare_cmd->add_flag("--verbose,-v", ab_run_options.verbose, "Copy children's stderr (--run)");

  // advise
  AdviseOptions advise;
  auto* advise_cmd = app.add_subcommand("advise", "Rank the rows for a task farm of your shape, predicted from a run's primitives");
  advise_cmd->add_option("--compute", advise.compute, "Python compute per task: 200us, 2.5ms, 1s")->required();
  advise_cmd->add_option("--payload", advise.payload, "Bytes to the worker per task: 8, 1KiB, 64KiB, 1MiB")
      ->capture_default_str();
  auto* advise_graph_opt = advise_cmd->add_option("--object-graph", advise.object_graph,
                         "Pass a pickle5 object graph of the objects workload instead: KIND:ELEMENTS, e.g. records:4096");
  std::string advise_tasks, advise_workers, advise_depth;  // optional: set only when given
  auto* advise_tasks_opt = advise_cmd->add_option("--tasks", advise_tasks, "Tasks in the whole job: rank by total time, startup included");
  auto* advise_workers_opt = advise_cmd->add_option("--workers", advise_workers, "Workers (default: the run's cores)");
  auto* advise_depth_opt = advise_cmd->add_option("--depth", advise_depth, "Tasks outstanding per worker (default 2, as the taskfarm workload)");
  auto* advise_from_opt = advise_cmd->add_option("--from", advise.from, "Run JSON to fit the model from (default: the newest in results/)");
  advise_cmd->add_option("--format", advise.format, "table | json")->capture_default_str();
  std::string advise_measure;
  auto* advise_measure_opt = advise_cmd->add_option(
      "--measure", advise_measure, "Measure the primitives now with this suite (default: default, ~90 s "
      "on 2 cores), write the run to results/advise-TIME.json and answer from it")
      ->expected(0, 1)->default_str("default")->excludes(advise_from_opt);
  bool advise_quiet = false;
  advise_cmd->add_flag("--quiet,-q", advise_quiet, "No progress on stderr (--measure)");

  // _paths: which Python and reference script this build runs rows with (compare --run asks).
  auto* paths_cmd = app.add_subcommand("_paths", "");
  paths_cmd->group("");

  // _child: what the supervisor runs; not for people.
  ChildArgs child;
  auto* child_cmd = app.add_subcommand("_child", "");
  child_cmd->group("");
  child_cmd->add_option("--row", child.row)->required();
  child_cmd->add_option("--workload", child.workload)->required();
  child_cmd->add_option("--module", child.module)->required();
  child_cmd->add_option("--params", child.params)->required();
  child_cmd->add_option("--result", child.result)->required();
  child_cmd->add_option("--timeout", child.timeout_s);
  child_cmd->add_option("--mode", child.mode);
  child_cmd->add_flag("--shared-gil", child.shared_gil);
  child_cmd->add_option("--start-method", child.start_method);

  // Before CLI11: everything after `_exec` belongs to the program it runs.
  if (argc > 1 && std::string(argv[1]) == "_exec") return exec_tied_to_parent(argc - 2, argv + 2);

  // CLI11 would only say "a subcommand is required" for a typo: name it.
  if (argc > 1 && argv[1][0] != '-') {
    const std::string given = argv[1];
    std::vector<std::string> names;
    for (auto* sub : app.get_subcommands({})) {
      if (!sub->get_group().empty()) names.push_back(sub->get_name());
    }
    if (std::find(names.begin(), names.end(), given) == names.end() && given != "_child" && given != "_exec" &&
        given != "_paths") {
      return fail(fmt::format("unknown command '{}' (valid: {})", given, fmt::join(names, ", ")), 2);
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    return fail(std::string(e.what()) + " (see interpbench --help)", 2);
  }

  try {
    if (run_cmd->parsed()) {
      run_flags.take(run);
      if (run.out) require_utf8_path(*run.out, "--out");
      return run_command(run);
    }
    if (paths_cmd->parsed()) {
      std::cout << nlohmann::json{{"python", python_executable().string()},
                                  {"reference_script", reference_script().string()},
                                  {"version", INTERPBENCH_VERSION}}
                       .dump()
                << "\n";
      return 0;
    }
    if (env_cmd->parsed()) return env_command(env_json);
    if (list_cmd->parsed()) return list_command(list_json);
    if (compare_cmd->parsed()) {
      require_utf8_path(compare.base_path, "compare");
      require_utf8_path(compare.candidate_path, "compare");
      compare.threshold = parse_percent(threshold);
      if (!(compare.alpha > 0 && compare.alpha < 1)) {
        throw BadInput(fmt::format("bad --alpha '{}': must be between 0 and 1", compare.alpha));
      }
      if (save_runs) require_utf8_path(*save_runs, "--save-runs");
      if (ab_run) {
        ab_flags.take(ab_run_options);
        AbOptions ab{compare.base_path, compare.candidate_path, compare.format, compare.threshold,
                     compare.alpha, save_runs};
        return ab_command(ab_run_options, ab);
      }
      if (save_runs) throw BadInput("--save-runs needs --run: two saved runs are already files");
      return run_compare(compare, std::cout);
    }
    if (report_cmd->parsed()) {
      for (const auto& input : report.inputs) require_utf8_path(input, "report");
      require_utf8_path(report.out_dir, "--out");
      return run_report(report, std::cout);
    }
    if (advise_cmd->parsed()) {
      if (advise_graph_opt->count() && advise.object_graph.empty())
        throw BadInput("bad --object-graph '': expected KIND:ELEMENTS such as records:4096");
      if (advise_tasks_opt->count()) advise.tasks = advise_tasks;
      if (advise_workers_opt->count()) advise.workers = advise_workers;
      if (advise_depth_opt->count()) advise.depth = advise_depth;
      if (advise_from_opt->count()) {
        require_utf8_path(advise.from, "--from");
        if (advise.from.empty()) throw BadInput("bad --from '': expected a run JSON file");
      }
      if (advise_measure_opt->count()) {
        const std::string suite = advise_measure.empty() ? "default" : advise_measure;
        // The advice's own options are checked before minutes of measuring.
        advise.from = "";
        check_advise_options(advise);
        const MeasuredRun measured = measure_primitives(suite, !advise.object_graph.empty(), advise_quiet);
        if (measured.exit_code != 0 && measured.exit_code != 1) return measured.exit_code;
        advise.from = measured.path;
      }
      return advise_command(advise, std::cout);
    }
    if (child_cmd->parsed()) return child_main(child);
  } catch (const BadInput& e) {
    return fail(e.what(), 2);
  } catch (const RunFailed& e) {
    return fail(e.what(), 1);
  } catch (const std::exception& e) {
    return fail(e.what(), 1);
  } catch (...) {
    return fail("unexpected error", 1);
  }
  return fail("no command given (see interpbench --help)", 2);
}

}  // namespace interpbench
