#pragma once
// Running a helper program to completion: spawn, wait with a timeout (SIGKILL at the deadline),
// keep its stdout and the tail of its stderr. What calibration, the workload check and
// `interpbench report` do with Python.
#include <chrono>
#include <string>
#include <string_view>

#include "platform/child_process.h"

namespace interpbench {

struct Captured {
  ExitStatus status;
  bool timed_out = false;   // killed at the deadline; `status` says how it then ended
  std::string out;          // stdout when spawn.stdout_mode was kCapture
  std::string stderr_tail;  // the last spawn.stderr_tail_lines lines of stderr
};

// Throws std::system_error naming the executable when it can't be started.
Captured run_captured(SpawnOptions spawn, std::chrono::milliseconds timeout);

// The last line of `text` that is not blank, without its line end: what an error message quotes
// of a child's stderr.
std::string last_line(std::string_view text);

}  // namespace interpbench
