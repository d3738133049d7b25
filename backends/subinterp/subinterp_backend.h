#pragma once
// The subinterp backend: each worker is a subinterpreter (PEP 684: its own GIL and the isolated
// config by default; BackendOptions::shared_gil shares the main GIL, legacy_config gives
// _PyInterpreterConfig_LEGACY_INIT's settings) created, run and ended on its
// own std::thread. The workload file is imported inside each worker's interpreter. On 3.11
// there is no per-interpreter GIL: gil_mode() is then "shared" whatever was asked.
#include <memory>

#include "backends/backend.h"

namespace interpbench {

std::unique_ptr<Backend> make_subinterp_backend(const BackendOptions& options);

}  // namespace interpbench
