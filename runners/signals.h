#pragma once
// StopSignals: while one exists, SIGINT and SIGTERM do not kill interpbench; the handler only
// records the signal and writes a byte to a self-pipe, so the supervisor's poll() wakes up and the
// real work (kill the child's group, sweep shared memory, write the partial report) happens in
// normal code. The previous dispositions come back when it is destroyed.
#include "platform/fd.h"

namespace interpbench {

class StopSignals {
 public:
  StopSignals();   // throws RunFailed when the pipe or the handlers can't be set up
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
