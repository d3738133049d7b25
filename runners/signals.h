#pragma once
// StopSignals: while one exists, SIGINT and SIGTERM do not kill interpbench; the handler only
// records the signal and writes a byte to a self-pipe, so the supervisor's poll() wakes up and the
// real work (kill the child's group, sweep shared memory, write the partial report) happens in
// normal code. The previous dispositions come back when it is destroyed.
//
// A stop signal that comes before the handlers are in must not kill `run` either: run_cli blocks
// both signals first thing for it (block_stop_signals), so that one arriving while the command
// line is parsed stays pending; StopSignals unblocks them once its handlers are installed, and the
// pending signal then stops the run as any other would.
#include "platform/fd.h"

namespace interpbench {

void block_stop_signals() noexcept;  // SIGINT and SIGTERM stay pending (this thread's mask)

class StopSignals {
 public:
  StopSignals();   // throws RunFailed when the pipe or the handlers can't be set up; unblocks
  ~StopSignals();  // restores the previous handlers, closes the pipe
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // Readable (POLLIN) once a stop signal has arrived; stays readable.
  int fd() const noexcept;
  // The first stop signal received (SIGINT or SIGTERM), or 0.
  static int received() noexcept;
  // The exit code for `signal_number` by shell convention: 128 + n (130 for SIGINT, 143 for SIGTERM).
  static int exit_code(int signal_number) noexcept { return 128 + signal_number; }

 private:
  Pipe pipe_;  // the self-pipe; the handler writes to a copy of its write end's number
};

}  // namespace interpbench
