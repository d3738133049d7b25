#include "backends/python/driver_host.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "backends/child_result.h"
#include "backends/cpu_pinning.h"
#include "backends/live_workers.h"
#include "backends/python/embed.h"
#include "backends/python/module.h"
#include "backends/python/worker_runner.h"
#include "core/output_file.h"

namespace interpbench {
namespace {

using nlohmann::json;

// CPython 3.12.0-3.12.3 (gh-119213, fixed in 3.12.4): an extension function first called with
// keywords inside an own-obmalloc subinterpreter (pickle.dumps(x, protocol=5), say) caches a
// tuple from that interpreter's heap in a process-wide parser; Py_FinalizeEx then frees it with
// the main allocator and aborts ("free(): invalid pointer"). The results are written by then.
bool finalize_aborts_after_subinterpreters() {
  return Py_Version >= 0x030C0000 && Py_Version < 0x030C0400;
}

std::string workload_name(const WorkloadRef& ref) {
  return ref.module_name.empty() ? ref.file.stem().string() : ref.module_name;
}

// The driver's return value as JSON, through Python's json.dumps (strict: no NaN).
json to_json(PyObject* value) {
  py::PyRef json_module = py::PyRef::checked(PyImport_ImportModule("json"));
  py::PyRef kwargs = py::PyRef::checked(Py_BuildValue("{s:O}", "allow_nan", Py_False));
  py::PyRef dumps = py::PyRef::checked(PyObject_GetAttrString(json_module.get(), "dumps"));
  py::PyRef args = py::PyRef::checked(PyTuple_Pack(1, value));
  py::PyRef text = py::PyRef::checked(PyObject_Call(dumps.get(), args.get(), kwargs.get()));
  const char* utf8 = PyUnicode_AsUTF8(text.get());
  if (utf8 == nullptr) py::throw_python_error();
  return json::parse(utf8);
}

// Runs driver(ctx, params) with the GIL held; fills results, error, traceback, worker_errors.
void run_driver(const ChildRequest& req, const PinPlan& pin, Backend& backend, json& result) {
  py::PyRef ctx;
  try {
    py::PyRef module = py::import_workload(req.workload);
    py::PyRef driver = py::workload_function(module.get(), req.workload, "driver", "driver(ctx, params)");
    (void)py::workload_function(module.get(), req.workload, "worker", "worker(ch, params)");
    py::PyRef params = py::load_params(req.workload.params_json);
    py::set_default_timeout(req.timeout_s);
    WorkloadRef workload = req.workload;
    workload.pin = pin;
    py::prepare_workload(module.get(), params.get(), workload);
    {
      // Before the driver runs, so no start() pays for it (the zygote start method's process).
      py::GilRelease nogil;
      backend.prepare(workload);
    }
    ctx = py::make_driver(py::DriverConfig{&backend, workload, ChannelOptions{}, req.timeout_s});
    py::PyRef returned = py::PyRef::checked(
        PyObject_CallFunctionObjArgs(driver.get(), ctx.get(), params.get(), nullptr));
    if (!PyList_Check(returned.get())) {
      throw py::PythonError(std::string("driver() returned ") + Py_TYPE(returned.get())->tp_name +
                                ", not a list of results",
                            "");
    }
    result["results"] = to_json(returned.get());
  } catch (const py::PythonError& e) {
    result["error"] = e.what();
    if (!e.traceback.empty()) result["traceback"] = e.traceback;
  } catch (const std::exception& e) {
    result["error"] = e.what();
  }
  if (ctx) {
    for (const WorkerOutcome& o : py::finish_driver(ctx.get())) {
      json entry = {{"worker", o.worker_id}, {"error", o.error}};
      if (!o.traceback.empty()) entry["traceback"] = o.traceback;
      result["worker_errors"].push_back(entry);
    }
    result["pinning"] = py::driver_pinning(ctx.get()).to_json();
  }
}

// "worker 1 killed by SIGSEGV", "worker 1: ValueError: boom".
std::string describe_failure(const json& e) {
  const std::string error = e.value("error", "");
  const std::string id = std::to_string(e.value("worker", -1));
  const bool status = error.rfind("killed by", 0) == 0 || error.rfind("exit status", 0) == 0 ||
                      error.rfind("did not finish", 0) == 0;
  return "worker " + id + (status ? " " : ": ") + error;
}

// A worker that died is why the driver failed, not the driver's EndOfStream or BrokenPipe that
// followed: the row's error leads with the workers' causes, names the workers that kept running
// (a worker process dies alone), and keeps the driver's own error at the end.
void lead_with_worker_failures(json& result, const LiveWorkers& counts) {
  const json& failures = result["worker_errors"];
  if (!result["error"].is_string() || failures.empty()) return;
  const std::string driver_error = result["error"].get<std::string>();
  if (driver_error.find("worker ") != std::string::npos) return;  // stop() already named them
  std::string text;
  std::vector<bool> failed(counts.last_group, false);
  for (const json& f : failures) {
    if (!text.empty()) text += "; ";
    text += describe_failure(f);
    const int id = f.value("worker", -1);
    if (id >= 0 && static_cast<std::size_t>(id) < failed.size()) failed[id] = true;
  }
  if (counts.started == counts.last_group) {  // one group: its other workers are the survivors
    std::string kept;
    std::size_t n = 0;
    for (std::size_t i = 0; i < failed.size(); ++i) {
      if (failed[i]) continue;
      kept += (n++ ? ", " : "") + std::to_string(i);
    }
    if (n > 0) text += "; " + std::string(n == 1 ? "worker " : "workers ") + kept + " kept running";
  }
  result["error"] = text + "; the driver then failed: " + driver_error;
}

// Written whole, then renamed: a reader never sees half a result.
bool write_result(const json& result, const std::filesystem::path& file) {
  try {
    write_file_atomically(file, result.dump(2) + '\n');
    return true;
  } catch (const std::system_error& e) {
    std::fprintf(stderr, "interpbench: result file: %s\n", e.what());
    return false;
  }
}

}  // namespace

int run_driver_host(const ChildRequest& req) {
  json result = empty_child_result(req.label.empty() ? req.row : req.label, "backend",
                                   workload_name(req.workload), nullptr);
  // Bad JSON leaves the plan off; the driver's own parse of the params reports it.
  const PinPlan pin = pin_plan(json::parse(req.workload.params_json, nullptr, false));
  result["pinning"] = PinningRecord(pin).to_json();  // nothing started yet
  std::unique_ptr<LiveWorkerBackend> backend;
  try {
    backend = std::make_unique<LiveWorkerBackend>(make_backend(req.row, req.options), req.result_file);
    result["gil"] = backend->gil_mode();
    // 3.11 has one config: Py_NewInterpreter()'s, the legacy one.
    if (req.row == "subinterp")
      result["config"] = req.options.legacy_config || !py::kHasPerInterpreterGil ? "legacy" : "isolated";
  } catch (const std::exception& e) {
    result["error"] = e.what();
    return write_result(result, req.result_file) ? 0 : 1;
  }
  py::MainInterpreter interpreter;
  result["python"] = py::python_version();
  if (req.row == "subinterp") {
    if (!py::kHasPerInterpreterGil) {
      result["notes"].push_back("Python " + py::python_version().substr(0, 4) +
                                ": subinterpreters share one GIL (no PEP 684), and one running "
                                "pure Python keeps it until it blocks: 3.11 asks only the waiting "
                                "interpreter to drop it");
    } else if (req.options.shared_gil) {
      result["notes"].push_back(fmt::format("subinterpreters created with a shared GIL ({} config)",
                                            req.options.legacy_config ? "legacy" : "isolated"));
    }
  }
  if (req.row == "thread") {
    result["notes"].push_back(
        "thread: bytes of 64 KiB or more pass between the driver and a worker by reference (the "
        "object itself, as queue.Queue passes it: both are in one interpreter); smaller ones are "
        "copied through the ring");
  }
  if (req.options.start_method == StartMethod::kZygote) {
    result["notes"].push_back(
        "subprocess-zygote: the zygote process (one per row, started before the driver runs) is "
        "not counted per worker; its workers share its pages copy-on-write (PSS splits them)");
  }
  // The abort needs a subinterpreter with its own obmalloc: the isolated config.
  const bool skip_finalize = req.row == "subinterp" && !req.options.legacy_config &&
                             finalize_aborts_after_subinterpreters();
  if (skip_finalize) {
    result["notes"].push_back(
        "Python " + py::python_version() + ": the child exits without finalizing Python "
        "(CPython gh-119213, fixed in 3.12.4: a keyword call such as pickle.dumps(protocol=5) "
        "made first in a subinterpreter makes finalization abort); results are written before");
  }
  run_driver(req, pin, *backend, result);
  if (const std::size_t retried = py::subinterpreter_creation_retries(); retried > 0) {
    result["notes"].push_back(fmt::format(
        "{} subinterpreter creation(s) failed with 'Failed to import encodings module' and were "
        "retried (CPython gh-131485: interpreters created at once from several threads)",
        retried));
  }
  lead_with_worker_failures(result, backend->counts());
  bool written = write_result(result, req.result_file);
  if (py::abandoned_threads() > 0 || skip_finalize) {
    // A worker thread is still running inside Python: neither finalizing nor exit()'s static
    // destructors are safe under it. Or finalizing would abort (above). The result is on disk.
    std::fflush(nullptr);
    std::_Exit(written ? 0 : 1);
  }
  return written ? 0 : 1;
}

}  // namespace interpbench
