#pragma once
// The supervisor: runs each planned (row, workload) as its own child process, one after another
// (measurements never overlap), each in its own process group with a wall-clock limit, and turns
// whatever happened (results, a crash, a hang) into a ChildRun. A crash is an error row; the run
// goes on. A stop request (SIGINT/SIGTERM through StopSignals' pipe) kills the current child's
// group and ends the run early.
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "platform/child_process.h"
#include "core/run_model.h"
#include "runners/plan.h"

namespace interpbench {

struct SupervisorOptions {
  std::filesystem::path self_exe;          // runs `_child` (backend rows and floor)
  std::filesystem::path python;            // runs reference_script (reference rows)
  std::filesystem::path reference_script;  // runners/reference
  std::filesystem::path result_dir;        // child result files go here (the run's temp dir)
  enum class Progress { kNone, kLog, kTerminal } progress = Progress::kNone;
  bool verbose = false;  // copy each child's stderr to ours as it comes
  int stop_fd = -1;      // readable once the run must stop (StopSignals::fd()); -1: never
  // Start reference rows through `self_exe _exec`, which ties them to our life (a SIGKILLed
  // runner leaves no Python behind). Off in tests whose self_exe is not interpbench.
  bool tie_reference_rows = false;
  // Called after each child is reaped (the runner sweeps the shared memory its dead children
  // left behind).
  std::function<void()> after_child;
  // The run's time origin: ChildRun::spans_s count from it.
  std::chrono::steady_clock::time_point origin = std::chrono::steady_clock::now();
};

// How one child is started: argv (never through a shell), own process group, stderr captured.
SpawnOptions child_command(const PlannedChild& child, const SupervisorOptions& options,
                           const std::filesystem::path& result_file);

// Runs one child until it exits, its wall timeout passes (its group is killed) or stop_fd
// becomes readable (its group is killed, *stopped is set).
ChildRun run_child(const PlannedChild& child, const SupervisorOptions& options,
                   const std::filesystem::path& result_file, bool* stopped);

// run_child, and for a child whose params carry "resume_after_crash": N, up to N runs more after
// a crash or a hang (killed at its wall limit): the child gets params["journal"] (a file it
// appends its progress to), the supervisor appends {"crash": "SIGSEGV"} or {"hang": "timed out
// after 60 s"} to it and starts the child again, which picks up where the journal says it
// stopped (workloads/extcompat.py). The ChildRun is the last run's; a note names the crashes.
ChildRun run_resumable_child(const PlannedChild& child, const SupervisorOptions& options,
                             const std::filesystem::path& result_file, bool* stopped);

struct SupervisedRun {
  std::vector<ChildRun> children;  // one per child that ran (or was running when stopped)
  bool stopped = false;            // a stop request ended the run early
};

// Runs the plan in rounds (runners/rounds.h) and merges each child's rounds into one ChildRun.
// A row that fails or is skipped in a round is not started again in later rounds.
SupervisedRun supervise(const Plan& plan, const SupervisorOptions& options);

// A/B: the same schedule for several builds (sides[0] the base, sides[1] the candidate), both
// sides of a row back to back in each round, in an order drawn from the plan's seed. Returns
// one SupervisedRun per side; a stop request stops all of them.
std::vector<SupervisedRun> supervise_sides(const Plan& plan,
                                           const std::vector<SupervisorOptions>& sides);

// A directory under $TMPDIR (or /tmp), "<prefix>-<pid>-XXXXXX", created for one run and removed
// with everything in it.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix);  // throws RunFailed
  // Removes "<prefix>-<pid>-*" directories whose pid is dead (a SIGKILLed run could not remove
  // its own); returns how many.
  static int sweep_stale(const std::string& prefix);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace interpbench
