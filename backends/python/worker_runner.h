#pragma once
// Runs a workload's worker(ch, params) in the current interpreter: the one function the thread,
// subinterp and subprocess backends share, so a worker behaves the same on every backend.
#include "backends/python/embed.h"

#include "backends/backend.h"
#include "backends/python/module.h"

namespace interpbench::py {

// Imports `ref.file` as module `ref.module_name` (the file stem when empty) in the current
// interpreter, reusing sys.modules' entry when it came from the same file, and puts the file's
// directory first on sys.path so the workload's helper imports work. Throws PythonError.
PyRef import_workload(const WorkloadRef& ref);

// Fills ref.code (the file compiled once, marshalled), ref.params_marshal (params marshalled) and
// ref.import_site (the module's IMPORT_SITE) from the driver's imported `module` and parsed
// `params`, so workers skip reading, compiling and json. Needs the GIL; throws PythonError.
void prepare_workload(PyObject* module, PyObject* params, WorkloadRef& ref);

// The attribute `name` of the workload module if callable; else throws PythonError naming it.
PyRef workload_function(PyObject* module, const WorkloadRef& ref, const char* name,
                        const char* signature);

// json.loads(params_json). Throws PythonError.
PyRef load_params(const std::string& params_json);
// The worker's params: unmarshalled from ref.params_marshal when the driver prepared it, else
// load_params(ref.params_json).
PyRef load_params(const WorkloadRef& ref);

// Binds the worker's channel, calls module.worker(ch, params), and closes both of the worker's
// channel ends afterwards (the driver then sees end of stream, and a send to a gone worker
// fails instead of blocking). Never throws: errors become the outcome. Needs the GIL.
WorkerOutcome run_worker_in_module(PyObject* module, const WorkloadRef& ref,
                                   const WorkerBinding& binding, bool interpreter_wide);

// import_workload + run_worker_in_module, binding the channel interpreter-wide: for an
// interpreter (or process) that exists for this one worker.
WorkerOutcome run_worker_function(const WorkloadRef& ref, const WorkerBinding& binding);

}  // namespace interpbench::py
