#pragma once
// The thread backend: each worker is a std::thread of the main interpreter, sharing its one GIL
// (what `threading` gives a Python user, minus the threading module). The workload file is
// imported once, in the main interpreter, and every worker calls the same module's worker().
#include <memory>

#include "backends/backend.h"

namespace interpbench {

std::unique_ptr<Backend> make_thread_backend(const BackendOptions& options);

}  // namespace interpbench
