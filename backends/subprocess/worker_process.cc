#include "backends/subprocess/worker_process.h"

#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "backends/python/embed.h"
#include "backends/python/module.h"
#include "backends/python/worker_runner.h"
#include "backends/subprocess/shm_buffer_pool.h"
#include "backends/subprocess/subprocess_backend.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

namespace interpbench {
namespace {

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

AttachedGroup attach_group(const WorkerSlot& slot) {
  AttachedGroup group{ShmChannelSet::attach(slot.channels), nullptr};
  if (slot.worker_id >= group.set.workers() || slot.worker_count != group.set.workers()) {
    throw std::invalid_argument("worker " + std::to_string(slot.worker_id) + " of " +
                                std::to_string(slot.worker_count) + " does not fit channel set '" +
                                slot.channels + "' (" + std::to_string(group.set.workers()) + ")");
  }
  if (!slot.pool.empty()) {
    group.pool = ShmBufferPool::open(slot.pool);
    group.set.use_pool(group.pool);  // big messages to a receiver that reads views: one copy
  }
  return group;
}

void watch_pidfd(int pidfd) {
  std::thread([pidfd] {
    pollfd p{pidfd, POLLIN, 0};
    // No timeout: this thread's only job is to outlive the driver, not the worker.
    while (::poll(&p, 1, -1) < 0 && errno == EINTR) {
    }
    ::_exit(kWorkerExitParentDied);
  }).detach();
}

bool watch_parent(pid_t parent) {
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, parent, 0));
  // getppid() after pidfd_open: had the parent died first we'd have been reparented, so a
  // match proves the pidfd refers to our parent and not to a recycled pid.
  if (pidfd < 0 || ::getppid() != parent) return false;
  watch_pidfd(pidfd);
  return true;
}

void pin_worker_process(const PinPlan& pin, const WorkerSlot& slot) {
  const bool pinned = pin_worker_thread(pin, slot.worker_id, slot.worker_count);
  if (pinned || !pin.pins(slot.worker_count)) return;
  std::fprintf(stderr, "%sCPU %d refused\n", kWorkerUnpinnedMarker,
               pin.worker_cpus(slot.worker_id, slot.worker_count).front());
  std::fflush(stderr);
}

void report_error(const std::string& line, const std::string& traceback) {
  std::string text = traceback;
  if (!text.empty() && text.back() != '\n') text.push_back('\n');
  text += kWorkerErrorMarker + escape(line) + "\n";
  std::fflush(stdout);
  std::fputs(text.c_str(), stderr);
  std::fflush(stderr);
}

int run_attached_worker(AttachedGroup& group, const WorkerSlot& slot, const WorkloadRef& ref) {
  // A crash in the workload (or an extension) then prints the Python stack to stderr, which
  // the driver keeps as the worker's traceback; the signal still ends the process.
  PyRun_SimpleString("import faulthandler; faulthandler.enable()");
  py::WorkerBinding binding{group.set.channels(slot.worker_id), group.pool, slot.worker_id,
                            slot.worker_count};
  WorkerOutcome outcome = py::run_worker_function(ref, binding);
  if (!outcome.ok) {
    report_error(outcome.error, outcome.traceback);
    return kWorkerExitPythonError;
  }
  return kWorkerExitOk;
}

void run_forked_worker(const WorkerSlot& slot, const WorkloadRef& ref) {
  pin_worker_process(ref.pin, slot);
  try {
    AttachedGroup group = attach_group(slot);
    const int code = run_attached_worker(group, slot, ref);
    std::fflush(nullptr);
    ::_exit(code);  // with the mappings still in place under the worker's Python objects
  } catch (const std::exception& e) {
    report_error(e.what(), "");
  }
  std::fflush(nullptr);
  ::_exit(kWorkerExitPythonError);
}

std::size_t thread_count() {
  std::ifstream in("/proc/self/status");
  std::string key;
  while (in >> key) {
    if (key == "Threads:") {
      std::size_t n = 0;
      in >> n;
      return n;
    }
    in.ignore(4096, '\n');
  }
  return 0;
}

}  // namespace interpbench
