#include "backends/subprocess/fork_start.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>

#include "backends/python/embed.h"
#include "backends/subprocess/subprocess_backend.h"
#include "platform/fd.h"

namespace interpbench {
namespace {

struct Forked {
  pid_t pid;
  Fd stderr_fd;
};

// One fork; the child never returns. Needs the main GIL.
Forked fork_one(const WorkerSlot& slot, const WorkloadRef& ref) {
  const pid_t driver = ::getpid();
  Pipe err = make_pipe();
  std::fflush(nullptr);  // nothing buffered may be written twice
  PyOS_BeforeFork();
  const pid_t pid = ::fork();
  if (pid == 0) {
    PyOS_AfterFork_Child();
    ::dup2(err.write_end.get(), STDERR_FILENO);
    err = Pipe{};
    if (!watch_parent(driver)) ::_exit(kWorkerExitParentDied);
    run_forked_worker(slot, ref);
  }
  const int fork_errno = errno;
  PyOS_AfterFork_Parent();
  err.write_end.reset();
  if (pid < 0) throw std::system_error(fork_errno, std::generic_category(), "start method fork: fork");
  return {pid, std::move(err.read_end)};
}

}  // namespace

std::string fork_refusal() {
  if (!Py_IsInitialized()) return "start method fork needs the driver's Python (none runs here)";
  const std::size_t threads = thread_count();
  if (threads != 1) {
    return "start method fork refused: the driver's process runs " + std::to_string(threads) +
           " threads, and fork copies only the calling one (it is safe only with no worker group "
           "still running and no thread started by the workload); use exec or zygote";
  }
  return "";
}

std::vector<std::unique_ptr<ChildProcess>> fork_workers(const std::vector<WorkerSlot>& slots,
                                                        const WorkloadRef& ref,
                                                        const SpawnOptions& options) {
  if (const std::string why = fork_refusal(); !why.empty()) throw std::runtime_error(why);
  std::vector<Forked> forked;
  std::vector<std::unique_ptr<ChildProcess>> children;
  auto adopt_all = [&] {
    for (Forked& f : forked) children.push_back(ChildProcess::adopt(f.pid, f.stderr_fd.release(), options));
    forked.clear();
  };
  try {
    py::GilAcquire gil;
    if (PyInterpreterState_Get() != PyInterpreterState_Main()) {
      throw std::runtime_error("start method fork refused: not in the main interpreter");
    }
    for (const WorkerSlot& slot : slots) forked.push_back(fork_one(slot, ref));
  } catch (...) {
    adopt_all();  // their destructors kill and reap what was forked
    throw;
  }
  adopt_all();
  return children;
}

}  // namespace interpbench
