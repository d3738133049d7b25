#pragma once
// The fork start method: each worker is a fork() of the driver's own process, which already runs
// Python with the workload imported; the child binds its channels and runs worker(ch, params).
//
// Safe exactly when the driver's process runs ONE thread at the fork (the driver's, calling
// ctx.start): fork copies only the calling thread, so a lock held by any other thread (a worker
// group's reaper or stderr reader, a thread the workload started, a subinterpreter's) would stay
// locked forever in the child. Python's own state is made consistent around the fork with
// PyOS_BeforeFork / PyOS_AfterFork_Parent / PyOS_AfterFork_Child (the main GIL held across it),
// and the current interpreter must be the main one. Anything else is refused with a one-line
// error (which becomes the row's error), never forked anyway.
#include <memory>
#include <vector>

#include "backends/backend.h"
#include "platform/child_process.h"
#include "backends/subprocess/worker_process.h"

namespace interpbench {

// Why forking here is unsafe ("" when it is safe). Needs no GIL.
std::string fork_refusal();

// Forks one worker per slot (all forks first, while the process is single-threaded, then the
// children are adopted and their stderr readers start). Throws std::runtime_error with
// fork_refusal() when unsafe; children already forked are killed and reaped on a throw.
// Called without the GIL (it takes the main GIL around each fork).
std::vector<std::unique_ptr<ChildProcess>> fork_workers(const std::vector<WorkerSlot>& slots,
                                                        const WorkloadRef& ref,
                                                        const SpawnOptions& options);

}  // namespace interpbench
