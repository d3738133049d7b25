#pragma once
// The subprocess backend: each worker is its own `interpbench-worker` process (posix_spawn, no
// shell) embedding the same CPython, talking to the driver over shared-memory rings. Its cost is
// the point of the comparison: process startup, per-process memory, and the same channel as the
// subinterpreters but between address spaces.
//
// Per group (all names /interpbench-<pid>-<runid>-<what>, mode 0600, removed when the group is
// destroyed whatever happened): one segment holding the 2*N rings ("chan"), and one managed
// segment for zero-copy buffers ("pool").
//
// A worker that dies (crash, kill, early exit) gets both its channels closed by the group's
// reaper thread at once, so a driver blocked in send or recv wakes up with ChannelClosed or end
// of stream instead of hanging. join() reports how each worker ended: ok, "exit status 3",
// "killed by SIGSEGV", or the Python error the worker reported.
//
// How a worker reports a Python error: it writes the traceback, then one line
// "interpbench-worker-error: Type: message" (newlines in the message escaped as \n) to stderr and
// exits 1. The group keeps the last lines of each worker's stderr and parses them.
#include <filesystem>
#include <memory>
#include <string>

#include "backends/backend.h"

namespace interpbench {

std::unique_ptr<Backend> make_subprocess_backend(const BackendOptions& options);

// The worker binary: $INTERPBENCH_WORKER, else `interpbench-worker` next to the running
// executable, else the one this build produced. Throws std::runtime_error if none exists.
std::filesystem::path find_worker_executable();

// The stderr marker line of a worker's Python error (see above).
inline constexpr const char* kWorkerErrorMarker = "interpbench-worker-error: ";

// The stderr line of a worker whose pin was refused (cpu_pinning.h): it ran unpinned, and the
// driver records the start as not pinned. Any exit status.
inline constexpr const char* kWorkerUnpinnedMarker = "interpbench-worker-unpinned: ";

// Exit codes of interpbench-worker.
inline constexpr int kWorkerExitOk = 0;
inline constexpr int kWorkerExitPythonError = 1;  // reported on stderr with the marker
inline constexpr int kWorkerExitBadArguments = 2;
inline constexpr int kWorkerExitParentDied = 3;

}  // namespace interpbench
