#include "backends/python/worker_runner.h"

#include <marshal.h>

#include <filesystem>
#include <memory>
#include <string>

namespace interpbench::py {
namespace {

std::string module_name_of(const WorkloadRef& ref) {
  return ref.module_name.empty() ? ref.file.stem().string() : ref.module_name;
}

// sys.path[0] = dir, unless it is already on sys.path.
void prepend_sys_path(const std::string& dir) {
  PyObject* path = PySys_GetObject("path");  // borrowed
  if (path == nullptr || !PyList_Check(path)) return;
  PyRef entry = PyRef::checked(PyUnicode_FromString(dir.c_str()));
  int present = PySequence_Contains(path, entry.get());
  if (present < 0) throw_python_error();
  if (present == 0 && PyList_Insert(path, 0, entry.get()) < 0) throw_python_error();
}

// sys.modules[name] if it was loaded from `file`, else null.
PyRef loaded_from(const std::string& name, const std::string& file) {
  PyObject* modules = PyImport_GetModuleDict();               // borrowed
  PyObject* existing = PyDict_GetItemString(modules, name.c_str());  // borrowed
  if (existing == nullptr) return {};
  PyRef existing_file = PyRef::steal(PyObject_GetAttrString(existing, "__file__"));
  if (!existing_file) {
    PyErr_Clear();
    return {};
  }
  const char* s = PyUnicode_Check(existing_file.get()) ? PyUnicode_AsUTF8(existing_file.get())
                                                        : nullptr;
  if (s == nullptr) {
    PyErr_Clear();
    return {};
  }
  return s == file ? PyRef::borrow(existing) : PyRef{};
}

// params["timeout"], when it is a number, becomes what timeout=None means for this worker.
void set_default_timeout_from(PyObject* params) {
  PyObject* t = PyDict_Check(params) ? PyDict_GetItemString(params, "timeout") : nullptr;  // borrowed
  if (t == nullptr || !PyNumber_Check(t)) return;
  const double seconds = PyFloat_AsDouble(t);
  if (seconds == -1.0 && PyErr_Occurred()) {
    PyErr_Clear();
    return;
  }
  set_default_timeout(seconds);
}

std::string absolute_file(const WorkloadRef& ref) {
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(ref.file, ec);
  return (ec ? ref.file : abs.lexically_normal()).string();
}

PyRef marshal_dumps(PyObject* o) {
  return PyRef::checked(PyMarshal_WriteObjectToString(o, Py_MARSHAL_VERSION));
}

std::shared_ptr<const std::string> bytes_of(PyObject* bytes) {
  return std::make_shared<const std::string>(PyBytes_AS_STRING(bytes),
                                             static_cast<std::size_t>(PyBytes_GET_SIZE(bytes)));
}

// Runs the driver's compiled module code as module `name`, the way the import system would
// (registered in sys.modules first, removed again if it raises), without importlib.
PyRef exec_prepared_module(const std::string& name, const std::string& file, const std::string& code) {
  PyRef compiled = PyRef::checked(
      PyMarshal_ReadObjectFromString(code.data(), static_cast<Py_ssize_t>(code.size())));
  PyRef module = PyRef::checked(PyModule_New(name.c_str()));
  PyObject* globals = PyModule_GetDict(module.get());  // borrowed
  PyRef file_obj = PyRef::checked(PyUnicode_FromString(file.c_str()));
  if (PyDict_SetItemString(globals, "__file__", file_obj.get()) < 0 ||
      PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins()) < 0) {
    throw_python_error();
  }
  PyObject* modules = PyImport_GetModuleDict();  // borrowed
  if (PyDict_SetItemString(modules, name.c_str(), module.get()) < 0) throw_python_error();
  PyRef done = PyRef::steal(PyEval_EvalCode(compiled.get(), globals, globals));
  if (!done) {
    ErrorText error = fetch_error_text();
    if (PyDict_DelItemString(modules, name.c_str()) < 0) PyErr_Clear();
    throw PythonError(std::move(error.line), std::move(error.traceback));
  }
  return module;
}

}  // namespace

void prepare_workload(PyObject* module, PyObject* params, WorkloadRef& ref) {
  const std::string file = absolute_file(ref);
  PyRef io = PyRef::checked(PyImport_ImportModule("io"));
  PyRef source_file = PyRef::checked(PyObject_CallMethod(io.get(), "open_code", "s", file.c_str()));
  PyRef source = PyRef::steal(PyObject_CallMethod(source_file.get(), "read", nullptr));
  PyRef closed = PyRef::steal(PyObject_CallMethod(source_file.get(), "close", nullptr));
  if (!source || !closed) throw_python_error();
  PyRef code = PyRef::checked(Py_CompileString(PyBytes_AsString(source.get()), file.c_str(), Py_file_input));
  ref.code = bytes_of(marshal_dumps(code.get()).get());
  ref.params_marshal = bytes_of(marshal_dumps(params).get());
  PyRef site = PyRef::steal(PyObject_GetAttrString(module, "IMPORT_SITE"));
  if (!site) PyErr_Clear();
  ref.import_site = site && PyObject_IsTrue(site.get()) == 1;
}

PyRef import_workload(const WorkloadRef& ref) {
  std::string file = absolute_file(ref);
  std::string name = module_name_of(ref);
  if (PyRef existing = loaded_from(name, file)) return existing;

  prepend_sys_path(std::filesystem::path(file).parent_path().string());
  if (ref.import_site) import_site();
  if (ref.code) return exec_prepared_module(name, file, *ref.code);
  PyRef util = PyRef::checked(PyImport_ImportModule("importlib.util"));
  PyRef spec = PyRef::checked(
      PyObject_CallMethod(util.get(), "spec_from_file_location", "ss", name.c_str(), file.c_str()));
  if (spec.get() == Py_None) {
    PyErr_Format(PyExc_ImportError, "cannot import workload '%s': not a Python source file",
                 file.c_str());
    throw_python_error();
  }
  PyRef module =
      PyRef::checked(PyObject_CallMethod(util.get(), "module_from_spec", "O", spec.get()));
  PyObject* modules = PyImport_GetModuleDict();  // borrowed
  // Registered before running, as the import system does: dataclasses, pickle by reference
  // and the workload's own `import` of itself need it.
  if (PyDict_SetItemString(modules, name.c_str(), module.get()) < 0) throw_python_error();
  PyRef loader = PyRef::checked(PyObject_GetAttrString(spec.get(), "loader"));
  PyRef done = PyRef::steal(PyObject_CallMethod(loader.get(), "exec_module", "O", module.get()));
  if (!done) {
    ErrorText error = fetch_error_text();
    if (PyDict_DelItemString(modules, name.c_str()) < 0) PyErr_Clear();
    throw PythonError(std::move(error.line), std::move(error.traceback));
  }
  return module;
}

PyRef workload_function(PyObject* module, const WorkloadRef& ref, const char* name,
                        const char* signature) {
  PyRef fn = PyRef::steal(PyObject_GetAttrString(module, name));
  if (!fn || !PyCallable_Check(fn.get())) {
    PyErr_Clear();
    throw PythonError("workload '" + ref.file.string() + "' defines no " + signature, "");
  }
  return fn;
}

PyRef load_params(const std::string& params_json) {
  PyRef json = PyRef::checked(PyImport_ImportModule("json"));
  return PyRef::checked(PyObject_CallMethod(json.get(), "loads", "s", params_json.c_str()));
}

PyRef load_params(const WorkloadRef& ref) {
  if (!ref.params_marshal) return load_params(ref.params_json);
  const std::string& m = *ref.params_marshal;
  return PyRef::checked(PyMarshal_ReadObjectFromString(m.data(), static_cast<Py_ssize_t>(m.size())));
}

WorkerOutcome run_worker_in_module(PyObject* module, const WorkloadRef& ref,
                                   const WorkerBinding& binding, bool interpreter_wide) {
  WorkerOutcome outcome;
  outcome.worker_id = binding.worker_id;
  try {
    PyRef fn = workload_function(module, ref, "worker", "worker(ch, params)");
    PyRef params = load_params(ref);
    set_default_timeout_from(params.get());
    PyRef ch = bind_worker(binding, interpreter_wide);
    PyRef result = PyRef::steal(PyObject_CallFunctionObjArgs(fn.get(), ch.get(), params.get(), nullptr));
    if (!result) throw_python_error();
  } catch (const PythonError& e) {
    outcome.ok = false;
    outcome.error = e.what();
    outcome.traceback = e.traceback;
  } catch (const std::exception& e) {
    outcome.ok = false;
    outcome.error = e.what();
  }
  unbind_worker();
  if (binding.channels.from_worker) binding.channels.from_worker->close();
  if (binding.channels.to_worker) binding.channels.to_worker->close();
  return outcome;
}

WorkerOutcome run_worker_function(const WorkloadRef& ref, const WorkerBinding& binding) {
  try {
    PyRef module = import_workload(ref);
    return run_worker_in_module(module.get(), ref, binding, true);
  } catch (const PythonError& e) {
    if (binding.channels.from_worker) binding.channels.from_worker->close();
    if (binding.channels.to_worker) binding.channels.to_worker->close();
    WorkerOutcome outcome;
    outcome.worker_id = binding.worker_id;
    outcome.ok = false;
    outcome.error = e.what();
    outcome.traceback = e.traceback;
    return outcome;
  }
}

}  // namespace interpbench::py
