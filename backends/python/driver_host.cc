#include "backends/python/driver_host.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "backends/python/embed.h"
#include "backends/python/module.h"
#include "backends/python/worker_runner.h"

namespace interpbench {
namespace {

using nlohmann::json;

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
void run_driver(const ChildRequest& req, Backend& backend, json& result) {
  py::PyRef ctx;
  try {
    py::PyRef module = py::import_workload(req.workload);
    py::PyRef driver = py::workload_function(module.get(), req.workload, "driver", "driver(ctx, params)");
    (void)py::workload_function(module.get(), req.workload, "worker", "worker(ch, params)");
    py::PyRef params = py::load_params(req.workload.params_json);
    ctx = py::make_driver(py::DriverConfig{&backend, req.workload, ChannelOptions{}, req.timeout_s});
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
  }
}

bool write_result(const json& result, const std::filesystem::path& file) {
  // Written whole to a temporary file, then renamed: a reader never sees half a result.
  std::filesystem::path tmp = file;
  tmp += ".tmp";
  {
    std::ofstream out(tmp);
    out << result.dump(2) << '\n';
    if (!out.flush()) {
      std::fprintf(stderr, "interpbench: cannot write result file '%s'\n", file.c_str());
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) {
    std::fprintf(stderr, "interpbench: cannot write result file '%s': %s\n", file.c_str(),
                 ec.message().c_str());
    return false;
  }
  return true;
}

}  // namespace

int run_driver_host(const ChildRequest& req) {
  json result = {{"schema", "interpbench-child/1"},
                 {"row", req.row},
                 {"kind", "backend"},
                 {"workload", workload_name(req.workload)},
                 {"gil", nullptr},
                 {"python", nullptr},
                 {"notes", json::array()},
                 {"results", json::array()},
                 {"worker_errors", json::array()},
                 {"error", nullptr},
                 {"skipped", nullptr}};
  std::unique_ptr<Backend> backend;
  try {
    backend = make_backend(req.row, req.options);
    result["gil"] = backend->gil_mode();
  } catch (const std::exception& e) {
    result["error"] = e.what();
    return write_result(result, req.result_file) ? 0 : 1;
  }
  py::MainInterpreter interpreter;
  result["python"] = py::python_version();
  if (req.row == "subinterp") {
    if (!py::kHasPerInterpreterGil) {
      result["notes"].push_back("Python " + py::python_version().substr(0, 4) +
                                ": subinterpreters share one GIL");
    } else if (req.options.shared_gil) {
      result["notes"].push_back("subinterpreters created with a shared GIL (legacy config)");
    }
  }
  run_driver(req, *backend, result);
  bool written = write_result(result, req.result_file);
  if (py::abandoned_threads() > 0) {
    // A worker thread is still running inside Python: neither finalizing nor exit()'s static
    // destructors are safe under it. The result is on disk; end here.
    std::fflush(nullptr);
    std::_Exit(written ? 0 : 1);
  }
  return written ? 0 : 1;
}

}  // namespace interpbench
