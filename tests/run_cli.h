#pragma once
// Runs the built interpbench (INTERPBENCH_BIN) with arguments and collects how it ended, its
// stdout and the tail of its stderr; the wait is bounded (the child is killed after `limit`).
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "platform/child_process.h"

namespace interpbench::testing {

struct CliOutcome {
  ExitStatus status;
  std::string out, err;
};

inline CliOutcome run_cli(std::vector<std::string> args,
                          std::chrono::seconds limit = std::chrono::seconds(60)) {
  SpawnOptions spawn;
  spawn.executable = INTERPBENCH_BIN;
  spawn.args = std::move(args);
  spawn.stdout_mode = SpawnOptions::Output::kCapture;
  spawn.stderr_tail_lines = 50;
  ChildProcess p(spawn);
  auto status = p.wait(Deadline::after(limit));
  if (!status) status = p.kill_and_reap();
  return {*status, p.captured_stdout(), p.stderr_tail()};
}

}  // namespace interpbench::testing
