#pragma once
// The `_child` side of a backend row: embeds CPython, runs the workload's driver(ctx, params) in
// the main interpreter against one backend, and writes the child result file (docs/design.md).
#include "backends/child_request.h"

namespace interpbench {

// Returns 0 once the result file is written, whatever the workload did (its failures are in the
// file's "error" / "worker_errors"); 1 when the result file can't be written. Every worker group
// is joined before Python is finalized; if a worker thread could not be joined, the process ends
// right after writing the result (std::_Exit) instead of finalizing under a running thread.
int run_driver_host(const ChildRequest& req);

}  // namespace interpbench
