#pragma once
// ChildProcess: one spawned program, owned until it is reaped. posix_spawn (no shell, argv as
// given), optionally its own process group, stderr captured into a pipe whose last lines are kept
// for error messages, a pidfd to wait with a timeout. The destructor SIGKILLs and reaps a child
// that is still running: a ChildProcess never leaves a zombie or an orphan behind.
// Used by the subprocess backend (one per worker) and by the runner's supervisor (one per row).
#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/deadline.h"
#include "platform/fd.h"

namespace interpbench {

// "SIGSEGV" for 11; "signal 77" when the number has no name.
std::string signal_name(int signal_number);

// How a reaped child ended: an exit code, or the signal that killed it.
struct ExitStatus {
  int exit_code = 0;  // meaningful when signal == 0
  int signal = 0;     // non-zero: killed by this signal
  bool core_dumped = false;

  bool success() const { return signal == 0 && exit_code == 0; }
  // "exit status 3", "killed by SIGSEGV", "exit status 0".
  std::string describe() const;
};

struct SpawnOptions {
  enum class Output {
    kInherit,  // the parent's descriptor
    kNull,     // /dev/null
    kFile,     // truncate and write `stdout_file`
    kCapture,  // collected in memory (stdout only: captured_stdout(), capped at 16 MiB)
  };

  std::filesystem::path executable;  // run as is (no PATH search)
  std::vector<std::string> args;     // argv[1..]; argv[0] is the executable path
  bool inherit_env = true;
  std::vector<std::string> env;      // "KEY=VALUE", added to (or replacing in) the inherited env
  std::filesystem::path working_dir; // empty: the parent's
  bool own_process_group = true;     // setpgid(0, 0): the group can be killed as one
  bool stdin_null = true;            // otherwise inherited
  Output stdout_mode = Output::kInherit;
  std::filesystem::path stdout_file;
  bool capture_stderr = true;        // otherwise inherited
  bool echo_stderr = false;          // also copy captured stderr to the parent's stderr
  std::size_t stderr_tail_lines = 20;
  int pass_fd = -1;                  // when >= 0: becomes the child's descriptor kPassedFd
};

// The descriptor number a SpawnOptions::pass_fd gets in the child.
inline constexpr int kPassedFd = 3;

class ChildProcess {
 public:
  // Throws std::system_error naming the executable when it can't be started.
  explicit ChildProcess(SpawnOptions options);
  // Takes ownership of `pid`, a child of this process started some other way (fork, or cloned
  // by a zygote with CLONE_PARENT), whose stderr is the pipe read end
  // `stderr_fd` (owned from now on; -1: none). Same guarantees as a spawned child; the
  // options say how to kill it (own_process_group) and how much stderr to keep.
  static std::unique_ptr<ChildProcess> adopt(pid_t pid, int stderr_fd, SpawnOptions options);
  ~ChildProcess();  // SIGKILL (the group when it has its own) + reap if still running; noexcept
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const noexcept;
  // A descriptor that polls readable (POLLIN) once the child has exited; for callers that
  // multiplex many children in one poll(). Owned by this object.
  int pidfd() const noexcept;

  // Reaps the child if it exits before the deadline; nullopt at the deadline (still running).
  // Once reaped, returns the same status again. Not thread-safe against itself.
  std::optional<ExitStatus> wait(Deadline deadline);
  bool running() const noexcept { return !status_; }
  const std::optional<ExitStatus>& status() const noexcept { return status_; }

  // Sends `signal_number` to the child (or to its whole group) while it is not reaped.
  void kill(int signal_number = 9) noexcept;
  void kill_group(int signal_number = 9) noexcept;
  // kill(SIGKILL) (the group when own_process_group) then wait forever: a SIGKILLed child exits.
  ExitStatus kill_and_reap() noexcept;

  // The last stderr_tail_lines lines of the child's stderr (complete once it is reaped).
  std::string stderr_tail() const;
  std::string captured_stdout() const;

 private:
  struct Output;  // the pipes and the thread that drains them
  ChildProcess() = default;
  // Opens the pidfd and starts draining the given read ends (each owned, -1: none).
  void watch(int stderr_fd, int stdout_fd, const std::string& what);
  SpawnOptions options_;
  pid_t pid_ = -1;
  Fd pidfd_;  // polls readable once the child has exited
  std::optional<ExitStatus> status_;
  std::shared_ptr<Output> output_;  // shared with its drain thread
};

}  // namespace interpbench
