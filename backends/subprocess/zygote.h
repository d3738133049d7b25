#pragma once
// The zygote start method: one interpbench-worker started with --zygote when the backend is
// prepared (before the driver runs, outside every timed region). It initializes Python, imports
// _interpbench and the workload, then forks a worker per request with clone3(CLONE_PARENT): a
// copy of the zygote whose parent is the driver's process, so the driver owns it like a spawned
// worker (ChildProcess: waitpid, exit status, signal, kill, stderr tail), and a worker that
// crashes gives the same error row as an exec worker. The zygote is single-threaded (no parent
// watcher thread: PR_SET_PDEATHSIG instead), which is what makes the fork safe; Python's state
// goes through PyOS_BeforeFork / AfterFork_Parent / AfterFork_Child.
//
// Lifetime: the zygote dies with the driver (PR_SET_PDEATHSIG(SIGKILL), checked against the
// driver's pid), lives in the driver's process group (the supervisor's kill of the child's group
// takes it), and exits when the driver closes the control socket; the driver then reaps it
// (waiting kExitTimeout, then SIGKILL). Every wait on either side has a timeout.
//
// Protocol on the control socket (fd 3 in the zygote, SOCK_SEQPACKET: one message each):
//   zygote -> driver  "ready" | "error <one line>"            once, after the imports
//   driver -> zygote  "fork <channels> <pool|-> <id> <count>"  + the worker's stderr (SCM_RIGHTS)
//   zygote -> driver  "pid <worker pid>" | "error <one line>"
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "backends/backend.h"
#include "core/deadline.h"
#include "platform/child_process.h"
#include "backends/subprocess/worker_process.h"

namespace interpbench {

class Zygote {
 public:
  static constexpr std::chrono::seconds kExitTimeout{5};

  // Spawns `worker_exe --zygote` for `ref` and waits until it is ready. Throws std::runtime_error
  // with the zygote's own error (a workload that does not import, say) or its exit status.
  Zygote(const std::filesystem::path& worker_exe, const WorkloadRef& ref, Deadline ready_by);
  ~Zygote();
  Zygote(const Zygote&) = delete;
  Zygote& operator=(const Zygote&) = delete;

  pid_t pid() const { return process_->pid(); }

  // Forks one worker for `slot`; it is our child from the return on. `options` says how much of
  // its stderr to keep. Throws std::runtime_error when the zygote is gone or refuses.
  std::unique_ptr<ChildProcess> fork_worker(const WorkerSlot& slot, const SpawnOptions& options,
                                            Deadline deadline);

 private:
  [[noreturn]] void fail(const std::string& what);
  Fd control_;  // the control socket; closing it ends the zygote
  std::unique_ptr<ChildProcess> process_;
};

// The zygote's side (interpbench-worker --zygote, zygote_main.cc): returns its exit code.
int zygote_main(const WorkloadRef& ref, pid_t driver);

// One control-socket message each way, shared by both sides.
namespace zygote_wire {
// Sends `text` (and `fd` when >= 0, SCM_RIGHTS); false when the peer is gone.
bool send(int socket, const std::string& text, int fd = -1);
// Waits until the deadline for one message; nullopt at the deadline or when the peer is gone
// (`*closed` then says which). A received descriptor goes to *fd (else -1; close it).
std::optional<std::string> recv(int socket, Deadline deadline, int* fd = nullptr,
                                bool* closed = nullptr);
}  // namespace zygote_wire

}  // namespace interpbench
