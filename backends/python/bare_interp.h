#pragma once
// The "bare-interp" row: the floor under subinterp startup. What a subinterpreter worker can't
// avoid, timed in C++ with no workload, driver, channel or backend: a new std::thread that creates
// a subinterpreter exactly as the subinterp backend does (py::SubInterpreter, same config) and
// imports `_interpbench`, then signals it is ready; teardown is Py_EndInterpreter on that thread
// plus the join. Results line up with workloads/startup.py's ("startup/start",
// "startup/teardown", same params, units and repetitions); "startup/site_import" is what a
// worker would pay on top for `site` (a workload with IMPORT_SITE = True).
#include <string>

#include <nlohmann/json.hpp>

namespace interpbench {

// Embeds CPython for the measurement and returns the whole child result object (schema
// interpbench-child/1, row "bare-interp", kind "baseline"). A workload other than "startup" gives
// "skipped". Throws std::runtime_error when an interpreter can't be created or its thread doesn't
// signal within params["timeout"]; the thread is then abandoned and the caller must _Exit.
nlohmann::json run_bare_interp(const std::string& workload, const nlohmann::json& params,
                               bool shared_gil);

}  // namespace interpbench
