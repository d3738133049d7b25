#include "runners/supervisor.h"

#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "backends/live_workers.h"
#include "backends/shm_segment.h"
#include "core/errors.h"
#include "core/human_units.h"
#include "core/row_catalogue.h"
#include "platform/leftovers.h"
#include "platform/run_captured.h"
#include "runners/child_result_check.h"
#include "runners/rounds.h"
#include "runners/signals.h"

namespace interpbench {
namespace {

using namespace std::chrono_literals;

// How long what a child leaves may take to end on its own once the child exited.
constexpr auto kLeftoverGrace = 1000ms;

bool fd_readable(int fd, int timeout_ms) {
  if (fd < 0) return false;
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) > 0 && (p.revents & (POLLIN | POLLHUP));
}

// What stopped the run, for the row's error: "interrupted by SIGINT".
std::string stop_reason() {
  const int sig = StopSignals::received();
  return sig ? fmt::format("interrupted by {}", signal_name(sig)) : "interrupted";
}


// "1:05" from seconds.
std::string minutes_seconds(double seconds) {
  const auto s = static_cast<long long>(std::max(0.0, seconds) + 0.5);
  return s >= 3600 ? fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
                   : fmt::format("{}:{:02}", s / 60, s % 60);
}

// "0:41 elapsed, ~2:15 left": the time since the run's first child started, and the children
// still to run (rows x workloads x rounds) at the mean time of those done so far.
std::string progress_eta(std::size_t index, std::size_t total) {
  using Clock = std::chrono::steady_clock;
  static Clock::time_point started;  // one run at a time; its first child resets it
  const auto now = Clock::now();
  if (index <= 1) started = now;
  const double elapsed = std::chrono::duration<double>(now - started).count();
  if (index <= 1) return "";
  const double left = elapsed / static_cast<double>(index - 1) * static_cast<double>(total - index + 1);
  return fmt::format("  {} elapsed, ~{} left", minutes_seconds(elapsed), minutes_seconds(left));
}

// The terminal's width, for a progress line that \r can overwrite (a wrapped one it can't).
std::size_t terminal_columns() {
  winsize ws{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

void progress_start(const SupervisorOptions& o, std::size_t index, std::size_t total,
                    const std::string& workload, const std::string& label) {
  if (o.progress != SupervisorOptions::Progress::kTerminal) return;
  const std::string eta = progress_eta(index, total);
  std::string line = fmt::format("[{}/{}] {} · {} ...", index, total, workload, label);
  // Cut the row's label, not the ETA, to keep one screen line, a code point at a time.
  const std::size_t columns = terminal_columns() - 1;
  while (!line.empty() && display_width(line) + display_width(eta) > columns) {
    while (!line.empty() && (static_cast<unsigned char>(line.back()) & 0xC0) == 0x80) line.pop_back();
    if (!line.empty()) line.pop_back();
  }
  fmt::print(stderr, "\r\033[K{}{}", line, eta);
  std::fflush(stderr);
}

void progress_end(const SupervisorOptions& o, std::size_t index, std::size_t total,
                  const std::string& workload, const std::string& label, const ChildRun& run) {
  const std::string outcome = !run.error.empty() ? run.error
                              : (run.child.is_object() && run.child.value("skipped", nlohmann::json()).is_string())
                                  ? "skipped: " + run.child["skipped"].get<std::string>()
                                  : "ok";
  switch (o.progress) {
    case SupervisorOptions::Progress::kNone: return;
    case SupervisorOptions::Progress::kLog:
      fmt::print(stderr, "[{}/{}] {} · {}: {} ({})\n", index, total, workload, label, outcome,
                 format_seconds(run.wall_s));
      return;
    case SupervisorOptions::Progress::kTerminal:
      // Keep failures on screen; let the next child's line overwrite a success.
      if (!run.error.empty()) {
        fmt::print(stderr, "\r\033[K[{}/{}] {} · {}: {}\n", index, total, workload, label,
                   run.error);
      }
      std::fflush(stderr);
      return;
  }
}

// "killed by SIGSEGV", and who went down with the child: in-process rows lose every worker at
// once (the child's worker count says how many were running); a subprocess row's driver takes
// its worker processes with it (its process group is killed).
std::string crash_text(const PlannedChild& child, const ExitStatus& status,
                       const std::filesystem::path& result_file) {
  std::string text = status.describe();
  const std::optional<LiveWorkers> w = read_live_workers(result_file);
  std::error_code ec;
  std::filesystem::remove(live_workers_path(result_file), ec);
  if (w && w->in_process) {
    if (w->live == 0) return text + " (in the driver, no worker running)";
    if (w->live == 1) return text + ": the crash took down the row's 1 worker (it shares the driver's process)";
    return fmt::format("{}: the crash took down all {} workers of this row (they share one process)",
                       text, w->live);
  }
  if (w) {
    return w->live == 0 ? text + " (the driver, no worker running)"
                        : fmt::format("{} (the driver; its {} worker process(es) were killed with it)",
                                      text, w->live);
  }
  if (runs_in_one_process(child.row.name)) {  // a reference row writes no worker count
    return text + ": the crash took down the driver and every worker of this row (they share one process)";
  }
  return text;
}

}  // namespace

SpawnOptions child_command(const PlannedChild& child, const SupervisorOptions& options,
                           const std::filesystem::path& result_file) {
  SpawnOptions spawn;
  // run_dir: the run's own directory, shared by its children and removed with the run, where a
  // workload may keep what every child computes alike (apps: the corpus and its references).
  nlohmann::json with_dir = child.params;
  if (!options.result_dir.empty()) with_dir["run_dir"] = options.result_dir.string();
  const std::string params = with_dir.dump();
  if (child.row.kind == RowKind::kReference) {
    spawn.executable = options.python;
    spawn.args = {options.reference_script.string(), "--row", child.row.name};
    if (!child.row.method.empty()) {
      spawn.args.insert(spawn.args.end(), {"--method", child.row.method});
    }
    spawn.args.insert(spawn.args.end(), {"--workload", child.workload.path.string(), "--params",
                                         params, "--result", result_file.string()});
    if (options.tie_reference_rows) {
      spawn.args.insert(spawn.args.begin(), {"_exec", spawn.executable.string()});
      spawn.executable = options.self_exe;
    }
  } else {
    spawn.executable = options.self_exe;
    spawn.args = {"_child", "--row", child.row.name, "--workload", child.workload.path.string(),
                  "--module", child.workload.name, "--params", params, "--result",
                  result_file.string(), "--timeout", fmt::format("{}", child.timeout_s)};
    if (child.shared_gil) spawn.args.push_back("--shared-gil");
    const RowInfo* row = find_row(child.row.name);
    if (row != nullptr && !child.row.method.empty()) {
      if (row->methods == RowMethods::kStartMethods)
        spawn.args.insert(spawn.args.end(), {"--start-method", child.row.method});
      if (row->methods == RowMethods::kSubinterpModes)
        spawn.args.insert(spawn.args.end(), {"--mode", child.row.method});
    }
  }
  spawn.own_process_group = true;  // one kill takes the child and every worker it started
  spawn.stdin_null = true;
  // Workload prints would mix with our stdout (the table, or --format json): drop them.
  spawn.stdout_mode = SpawnOptions::Output::kNull;
  spawn.capture_stderr = true;
  spawn.echo_stderr = options.verbose;
  spawn.stderr_tail_lines = 20;
  return spawn;
}

ChildRun run_child(const PlannedChild& child, const SupervisorOptions& options,
                   const std::filesystem::path& result_file, bool* stopped) {
  ChildRun run;
  run.row = child.row.label();
  run.kind = std::string(to_string(child.row.kind));
  run.workload = child.workload.name;
  run.child = nullptr;
  std::error_code ec;
  std::filesystem::remove(result_file, ec);
  std::filesystem::remove(live_workers_path(result_file), ec);

  const std::set<pid_t> own_before = own_children();  // not the child's to leave behind
  const auto started = Clock::now();
  const Deadline deadline = Deadline::from_seconds(child.wall_timeout_s);
  std::optional<ChildProcess> process;
  try {
    process.emplace(child_command(child, options, result_file));
  } catch (const std::exception& e) {
    run.error = fmt::format("cannot start the child: {}", e.what());
    return run;
  }

  bool timed_out = false, interrupted = false;
  std::optional<ExitStatus> status;
  while (!status) {
    const auto left = deadline.remaining().value_or(0ns);
    if (left <= 0ns) {
      timed_out = true;
      break;
    }
    pollfd fds[2] = {{process->pidfd(), POLLIN, 0}, {options.stop_fd, POLLIN, 0}};
    const int wait_ms = static_cast<int>(std::min<long long>(
        std::chrono::duration_cast<std::chrono::milliseconds>(left).count() + 1, 1000));
    const int n = ::poll(fds, options.stop_fd >= 0 ? 2 : 1, wait_ms);
    if (n < 0 && errno != EINTR) break;  // cannot happen with valid fds; the kill below cleans up
    if (options.stop_fd >= 0 && (fds[1].revents & (POLLIN | POLLHUP))) {
      interrupted = true;
      break;
    }
    if (fds[0].revents & POLLIN) status = process->wait(Deadline::after(1s));
  }
  if (!status) status = process->kill_and_reap();  // SIGKILLs the whole group, then reaps
  // Whatever the child leaves (its group; escaped orphans reparented to us, the subreaper) goes
  // too. A child that exited on its own gets a grace for helpers that end with it (multiprocessing's
  // resource tracker); what is still running then is the workload's fault and the row says so.
  const bool exited = !timed_out && !interrupted && status->signal == 0;
  const int left_behind =
      end_leftovers(process->pid(), own_before, exited ? kLeftoverGrace : 0ms, Deadline::after(5s));
  const auto ended = Clock::now();
  run.wall_s = std::chrono::duration<double>(ended - started).count();
  run.spans_s = {{std::chrono::duration<double>(started - options.origin).count(),
                  std::chrono::duration<double>(ended - options.origin).count()}};
  run.stderr_tail = process->stderr_tail();
  if (status->signal != 0) {
    run.signal = signal_name(status->signal);
  } else {
    run.exit_code = status->exit_code;
  }

  if (std::filesystem::exists(result_file, ec)) {
    std::ifstream in(result_file);
    try {
      run.child = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
      run.child = nullptr;
      if (!interrupted && !timed_out && status->signal == 0) {
        run.error = fmt::format("the child's result file is not valid JSON: {}", e.what());
      }
    }
  }

  // Every row's result is checked here, once: a result that breaks the contract is an error row
  // (the report would otherwise drop what it can't read and call the row ok).
  std::string breach;
  if (!run.child.is_null()) {
    breach = check_child_result(run.child);
    if (!breach.empty()) {
      const bool has_error = run.child.is_object() && run.child.contains("error") &&
                             run.child["error"].is_string();
      if (has_error) breach = fmt::format("{}; {}", run.child["error"].get<std::string>(), breach);
      run.child = nullptr;  // none of it can be trusted
    }
  }

  if (interrupted) {
    if (stopped) *stopped = true;
    run.error = stop_reason();
  } else if (timed_out) {
    run.error = fmt::format("timed out after {}", format_seconds(child.wall_timeout_s));
  } else if (status->signal != 0) {
    run.error = crash_text(child, *status, result_file);
  } else if (!breach.empty()) {
    run.error = fmt::format("the child's result breaks the contract (docs/design.md, \"Child result "
                            "file\"): {}", breach);
  } else if (run.child.is_object() && run.child.value("error", nlohmann::json()).is_string()) {
    run.error = run.child["error"].get<std::string>();
  } else if (run.error.empty() && status->exit_code != 0) {
    const std::string why = last_line(run.stderr_tail);
    run.error = why.empty() ? status->describe() : fmt::format("{}: {}", status->describe(), why);
  } else if (run.error.empty() && run.child.is_null()) {
    run.error = "the child exited without writing its result file";
  }
  if (exited && left_behind > 0) {
    const std::string text = fmt::format(
        "the workload left {} process(es) running after the child exited (forked or detached "
        "with setsid and never waited for); the supervisor killed them", left_behind);
    run.error = run.error.empty() ? text : fmt::format("{}; {}", run.error, text);
  }
  return run;
}

ChildRun run_resumable_child(const PlannedChild& child, const SupervisorOptions& options,
                             const std::filesystem::path& result_file, bool* stopped) {
  const int restarts = child.params.value("resume_after_crash", 0);
  if (restarts <= 0) return run_child(child, options, result_file, stopped);
  PlannedChild resumable = child;
  std::filesystem::path journal = result_file;
  journal += ".journal";
  resumable.params["journal"] = journal.string();
  std::vector<std::string> crashes;
  double wall_s = 0, first_start_s = 0;
  for (int attempt = 0;; ++attempt) {
    ChildRun run = run_child(resumable, options, result_file, stopped);
    wall_s += run.wall_s;
    if (attempt == 0) first_start_s = run.spans_s.empty() ? 0 : run.spans_s.front()[0];
    const bool hung = run.error.rfind("timed out", 0) == 0;
    const bool crashed = !run.signal.empty() && !(stopped && *stopped);
    if (!crashed || attempt == restarts) {
      run.wall_s = wall_s;
      if (!run.spans_s.empty()) run.spans_s.front()[0] = first_start_s;  // all the attempts
      if (!crashes.empty() && run.child.is_object() && run.child["notes"].is_array()) {
        run.child["notes"].push_back(fmt::format(
            "the child was started {} more time(s) after a crash ({}); its journal carried the "
            "outcomes over", crashes.size(), fmt::join(crashes, ", ")));
      }
      std::error_code ec;
      std::filesystem::remove(journal, ec);
      return run;
    }
    // The workload reads this line and marks what it had begun as the crash (or the hang).
    crashes.push_back(hung ? run.error : run.signal);
    std::ofstream(journal, std::ios::app)
        << (hung ? nlohmann::json{{"hang", run.error}} : nlohmann::json{{"crash", run.signal}}).dump() << '\n';
  }
}

std::vector<SupervisedRun> supervise_sides(const Plan& plan,
                                           const std::vector<SupervisorOptions>& sides) {
  const int side_count = static_cast<int>(sides.size());
  std::vector<SupervisedRun> out(sides.size());
  if (sides.empty()) return out;
  // Orphans of a child's tree (setsid, double forks) are reparented to us, where run_child finds them.
  become_child_subreaper();
  const auto schedule = round_schedule(plan, side_count);
  // rounds_of[side][child]: the ChildRuns so far; done: an error or a skip ended the row.
  std::vector<std::vector<std::vector<ChildRun>>> rounds_of(
      sides.size(), std::vector<std::vector<ChildRun>>(plan.children.size()));
  std::vector<std::vector<bool>> done(sides.size(), std::vector<bool>(plan.children.size()));
  std::vector<std::vector<bool>> started(sides.size(), std::vector<bool>(plan.children.size()));
  bool stopped = false;
  const std::size_t total = schedule.size();
  for (std::size_t i = 0; i < total && !stopped; ++i) {
    const ScheduledChild& slot = schedule[i];
    const SupervisorOptions& options = sides[static_cast<std::size_t>(slot.side)];
    if (done[slot.side][slot.child]) continue;
    if (fd_readable(options.stop_fd, 0)) {
      stopped = true;
      break;
    }
    const PlannedChild& c = plan.children[slot.child];
    const std::string label = slot.round > 0 || c.rounds > 1
                                  ? fmt::format("{} (round {}/{}{})", c.row.label(), slot.round + 1,
                                                c.rounds, side_count > 1 ? slot.side ? ", candidate" : ", base" : "")
                                  : c.row.label();
    const auto result_file = options.result_dir / fmt::format("{:03}-{}-{}-r{}-s{}.json", slot.child,
                                                               c.workload.name, c.row.label(),
                                                               slot.round, slot.side);
    progress_start(options, i + 1, total, c.workload.name, label);
    bool child_stopped = false;
    started[slot.side][slot.child] = true;
    ChildRun run = run_resumable_child(c, options, result_file, &child_stopped);
    if (options.after_child) options.after_child();
    progress_end(options, i + 1, total, c.workload.name, label, run);
    const bool skipped = run.child.is_object() && run.child.contains("skipped") &&
                         run.child["skipped"].is_string();
    if (!run.error.empty() || skipped) done[slot.side][slot.child] = true;
    rounds_of[slot.side][slot.child].push_back(std::move(run));
    if (child_stopped) stopped = true;
  }
  if (total > 0 && sides[0].progress == SupervisorOptions::Progress::kTerminal)
    fmt::print(stderr, "\r\033[K");
  for (std::size_t side = 0; side < sides.size(); ++side) {
    out[side].stopped = stopped;
    for (std::size_t child = 0; child < plan.children.size(); ++child) {
      if (!started[side][child]) continue;
      out[side].children.push_back(
          merge_rounds(std::move(rounds_of[side][child]), plan.children[child].rounds));
    }
  }
  return out;
}

SupervisedRun supervise(const Plan& plan, const SupervisorOptions& options) {
  return std::move(supervise_sides(plan, {options}).front());
}

namespace {

std::filesystem::path temp_base() {
  const char* tmp = std::getenv("TMPDIR");
  return (tmp && *tmp) ? tmp : "/tmp";
}

}  // namespace

int TempDir::sweep_stale(const std::string& prefix) {
  int removed = 0;
  std::error_code ec;
  const std::string head = prefix + "-";
  for (std::filesystem::directory_iterator it(temp_base(), ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(head, 0) != 0) continue;
    const auto dash = name.find('-', head.size());
    if (dash == std::string::npos) continue;
    pid_t pid = 0;
    const auto [p, e] = std::from_chars(name.data() + head.size(), name.data() + dash, pid);
    if (e != std::errc{} || p != name.data() + dash || pid <= 0) continue;
    if (process_alive(pid)) continue;  // a zombie counts as dead: it can't use its files
    std::error_code rm;
    if (std::filesystem::remove_all(it->path(), rm) > 0 && !rm) ++removed;
  }
  return removed;
}

TempDir::TempDir(const std::string& prefix) {
  const std::filesystem::path base = temp_base();
  std::string pattern = (base / fmt::format("{}-{}-XXXXXX", prefix, ::getpid())).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw RunFailed(fmt::format("cannot create a temporary directory in '{}': {}", base.string(),
                                std::strerror(errno)));
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace interpbench
