// interpbench-worker: one subprocess-backend worker. Attaches to the group's shared-memory
// channels and buffer pool, embeds CPython, runs the workload's worker(ch, params), reports how
// it went, exits. Started only by the subprocess backend (subprocess_backend.h has the protocol).
//
// Exit codes: 0 ok; 1 Python (or attach) error, reported on stderr as the traceback followed by
// "interpbench-worker-error: Type: message"; 2 bad arguments; 3 the driver died.
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <thread>

#include "backends/message_memory.h"
#include "backends/python/embed.h"
#include "backends/python/module.h"
#include "backends/python/worker_runner.h"
#include "backends/shm_channel.h"
#include "backends/subprocess/shm_buffer_pool.h"
#include "backends/subprocess/subprocess_backend.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

namespace interpbench {
namespace {

struct Arguments {
  std::string channels, pool, workload, module, params = "{}";
  bool import_site = false;
  std::size_t worker_id = 0, worker_count = 1;
  pid_t parent_pid = 0;
};

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

void report_error(const std::string& line, const std::string& traceback) {
  std::string text = traceback;
  if (!text.empty() && text.back() != '\n') text.push_back('\n');
  text += kWorkerErrorMarker + escape(line) + "\n";
  std::fflush(stdout);
  std::fputs(text.c_str(), stderr);
  std::fflush(stderr);
}

// Exits the process as soon as the driver exits, whatever this worker is doing (blocked on a
// channel nobody will ever close, or looping in Python). A pidfd watches the process, not the
// spawning thread as PR_SET_PDEATHSIG would, so a driver thread that ends can't kill us.
// Returns false when the driver is already gone.
bool watch_parent(pid_t parent) {
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, parent, 0));
  // getppid() after pidfd_open: had the parent died first we'd have been reparented, so a
  // match proves the pidfd refers to our parent and not to a recycled pid.
  if (pidfd < 0 || ::getppid() != parent) return false;
  std::thread([pidfd] {
    pollfd p{pidfd, POLLIN, 0};
    // No timeout: this thread's only job is to outlive the driver, not the worker.
    while (::poll(&p, 1, -1) < 0 && errno == EINTR) {
    }
    ::_exit(kWorkerExitParentDied);
  }).detach();
  return true;
}

int run(const Arguments& args) {
  // Shared memory first, Python second: the interpreter (and every Python object holding a
  // channel or a pool buffer) is finalized before the mappings go.
  ShmChannelSet set = ShmChannelSet::attach(args.channels);
  if (args.worker_id >= set.workers() || args.worker_count != set.workers()) {
    std::fprintf(stderr,
                 "interpbench-worker: worker %zu of %zu does not fit channel set '%s' (%zu)\n",
                 args.worker_id, args.worker_count, args.channels.c_str(), set.workers());
    return kWorkerExitBadArguments;
  }
  std::shared_ptr<BufferPool> pool;
  if (!args.pool.empty()) pool = ShmBufferPool::open(args.pool);

  py::MainInterpreter interpreter(/*import_site=*/false);  // the workload asks (IMPORT_SITE)
  // A crash in the workload (or an extension) then prints the Python stack to stderr, which
  // the driver keeps as the worker's traceback; the signal still ends the process.
  PyRun_SimpleString("import faulthandler; faulthandler.enable()");

  py::WorkerBinding binding{set.channels(args.worker_id), pool, args.worker_id,
                            args.worker_count};
  WorkloadRef ref{args.workload, args.module, args.params};
  ref.import_site = args.import_site;
  // The constructing thread holds the main GIL, as run_worker_function needs.
  WorkerOutcome outcome = py::run_worker_function(ref, binding);
  if (!outcome.ok) {
    report_error(outcome.error, outcome.traceback);
    return kWorkerExitPythonError;
  }
  return kWorkerExitOk;
}

}  // namespace
}  // namespace interpbench

int main(int argc, char** argv) {
  using namespace interpbench;
  keep_message_memory_mapped();
  Arguments args;
  CLI::App app{"interpbench-worker: one worker process of the subprocess backend"};
  app.add_option("--channels", args.channels, "channel-set segment name")->required();
  app.add_option("--pool", args.pool, "buffer-pool segment name");
  app.add_option("--worker-id", args.worker_id)->required();
  app.add_option("--worker-count", args.worker_count)->required()->check(CLI::PositiveNumber);
  app.add_option("--workload", args.workload, "workload file")->required();
  app.add_option("--module", args.module, "module name to import it as");
  app.add_option("--params", args.params, "params as JSON");
  app.add_flag("--import-site", args.import_site, "run `site` first (the workload's IMPORT_SITE)");
  app.add_option("--parent-pid", args.parent_pid, "the driver's pid")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "interpbench-worker: %s\n", e.what());
    return kWorkerExitBadArguments;
  }
  if (!watch_parent(args.parent_pid)) {
    std::fprintf(stderr, "interpbench-worker: driver process %d is gone\n",
                 static_cast<int>(args.parent_pid));
    return kWorkerExitParentDied;
  }
  try {
    return run(args);
  } catch (const std::exception& e) {
    report_error(e.what(), "");
    return kWorkerExitPythonError;
  }
}
