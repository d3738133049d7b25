// The zygote's side of zygote.h: initialize Python and import the workload once, then fork one
// worker per request until the driver closes the control socket.
#include <linux/sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>

#include "backends/python/embed.h"
#include "backends/python/worker_runner.h"
#include "backends/subprocess/subprocess_backend.h"
#include "backends/subprocess/zygote.h"
#include "platform/fd.h"

#ifndef SYS_clone3
#define SYS_clone3 435
#endif

namespace interpbench {
namespace {

constexpr int kControl = kPassedFd;

bool parse_request(const std::string& text, WorkerSlot* slot) {
  std::istringstream in(text);
  std::string verb;
  in >> verb >> slot->channels >> slot->pool >> slot->worker_id >> slot->worker_count;
  if (slot->pool == "-") slot->pool.clear();
  return verb == "fork" && !in.fail() && slot->worker_count > 0;
}

// The new process: becomes the worker. Never returns.
[[noreturn]] void become_worker(const WorkerSlot& slot, const WorkloadRef& ref, int stderr_fd,
                                pid_t driver) {
  PyOS_AfterFork_Child();
  ::dup2(stderr_fd, STDERR_FILENO);
  ::close(stderr_fd);
  ::close(kControl);
  if (!watch_parent(driver)) ::_exit(kWorkerExitParentDied);
  run_forked_worker(slot, ref);
}

// Forks a worker whose parent is the driver (clone3 with CLONE_PARENT, as fork() otherwise:
// a copy of this single-threaded process); returns "pid N" or "error ...".
std::string fork_worker(const WorkerSlot& slot, const WorkloadRef& ref, int stderr_fd, pid_t driver) {
  clone_args args{};
  args.flags = CLONE_PARENT;
  // No exit_signal: with CLONE_PARENT the kernel takes the zygote's own (SIGCHLD, it was
  // spawned), so the driver waits for the worker like any child.
  std::fflush(nullptr);
  PyOS_BeforeFork();
  const long pid = ::syscall(SYS_clone3, &args, sizeof args);
  if (pid == 0) become_worker(slot, ref, stderr_fd, driver);
  const int clone_errno = errno;
  PyOS_AfterFork_Parent();
  if (pid < 0) return std::string("error clone3: ") + std::strerror(clone_errno);
  return "pid " + std::to_string(pid);
}

}  // namespace

int zygote_main(const WorkloadRef& ref, pid_t driver) {
  // Dies with the driver's process (the driver's main thread spawned us and runs until it exits).
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != driver) return kWorkerExitParentDied;

  py::MainInterpreter interpreter(/*import_site=*/false);
  WorkloadRef prepared = ref;
  try {
    PyRun_SimpleString("import faulthandler; faulthandler.enable()");
    py::PyRef module = py::PyRef::checked(PyImport_ImportModule("_interpbench"));
    py::PyRef workload = py::import_workload(ref);  // stays in sys.modules for the workers
    // Parsed here once: a worker unmarshals its params instead of importing json.
    py::PyRef params = py::load_params(ref.params_json);
    py::prepare_workload(workload.get(), params.get(), prepared);
  } catch (const py::PythonError& e) {
    zygote_wire::send(kControl, std::string("error cannot import the workload: ") + e.what());
    return kWorkerExitPythonError;
  }
  if (!zygote_wire::send(kControl, "ready")) return kWorkerExitParentDied;
  for (;;) {
    int received_fd = -1;
    bool closed = false;
    // A second at a time: PR_SET_PDEATHSIG ends us if the driver dies; this is the backstop.
    const auto request = zygote_wire::recv(kControl, Deadline::after(std::chrono::seconds(1)),
                                           &received_fd, &closed);
    const Fd stderr_fd(received_fd);
    if (closed) return kWorkerExitOk;  // the driver is done with us
    if (!request) {
      if (::getppid() != driver) return kWorkerExitParentDied;
      continue;
    }
    WorkerSlot slot;
    std::string reply;
    if (!stderr_fd || !parse_request(*request, &slot)) {
      reply = "error bad request '" + *request + "'";
    } else {
      reply = fork_worker(slot, prepared, stderr_fd.get(), driver);
    }
    if (!zygote_wire::send(kControl, reply)) return kWorkerExitParentDied;
  }
}

}  // namespace interpbench
