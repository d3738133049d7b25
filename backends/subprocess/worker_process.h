#pragma once
// What a subprocess-backend worker process does once it runs Python, however it was started:
// exec of interpbench-worker, fork of the driver's process, or fork by the zygote
// (subprocess_backend.h has the protocol: exit codes and the stderr error marker).
#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <string>

#include "backends/backend.h"
#include "backends/buffer_pool.h"
#include "backends/shm_channel.h"

namespace interpbench {

// Which worker of which group: the segment names and the worker's place in the group.
struct WorkerSlot {
  std::string channels, pool;  // pool may be empty: no buffer pool
  std::size_t worker_id = 0, worker_count = 1;
};

// The group's shared memory as one worker maps it. Attach before the worker's Python objects
// exist and drop after they are gone (exec: after finalization).
struct AttachedGroup {
  ShmChannelSet set;
  std::shared_ptr<BufferPool> pool;
};
// Throws std::invalid_argument when the slot does not fit the channel set, std::runtime_error (or
// ChannelCorrupt) when a segment can't be mapped.
AttachedGroup attach_group(const WorkerSlot& slot);

// Exits the process (kWorkerExitParentDied) as soon as `parent` exits, from a thread that polls
// a pidfd: a pidfd watches the process, not the spawning thread as PR_SET_PDEATHSIG would.
// False when `parent` is not our parent (it is already gone, we were reparented).
bool watch_parent(pid_t parent);
// The same with a pidfd opened earlier (a zygote's worker, whose parent is not the driver yet).
void watch_pidfd(int pidfd);

// The first thing a worker process does (exec'd or forked, it inherited the mask of the thread
// that started it): places itself as `pin` says (cpu_pinning.h), and when the kernel refuses the
// CPU the plan gave it, says so on stderr (kWorkerUnpinnedMarker) for the driver's record.
void pin_worker_process(const PinPlan& pin, const WorkerSlot& slot);

// "interpbench-worker-error: Type: message" after the traceback, on stderr.
void report_error(const std::string& line, const std::string& traceback);

// Runs worker(ch, params) of `ref` in the current interpreter (main GIL held) bound to the
// slot's channels; reports a failure on stderr; returns the process's exit code.
int run_attached_worker(AttachedGroup& group, const WorkerSlot& slot, const WorkloadRef& ref);

// For a process forked from one where Python already runs: attach, run, flush and _exit with the
// code. Never returns: no finalization, no atexit, no destructors of the parent's objects.
[[noreturn]] void run_forked_worker(const WorkerSlot& slot, const WorkloadRef& ref);

// Number of threads of this process (/proc/self/status "Threads:"); 0 when unreadable.
std::size_t thread_count();

}  // namespace interpbench
