#include "backends/python/module.h"

#include <atomic>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>

#include "backends/python/module_state.h"

namespace interpbench::py {
namespace {

constexpr const char* kThreadBindingKey = "_interpbench.channel";

int module_traverse(PyObject* module, visitproc visit, void* arg) {
  ModuleState* st = module_state(module);
  if (st == nullptr) return 0;
  Py_VISIT(st->channel_type);
  Py_VISIT(st->buffer_type);
  Py_VISIT(st->driver_type);
  Py_VISIT(st->end_of_stream);
  Py_VISIT(st->closed_error);
  Py_VISIT(st->timeout_error);
  Py_VISIT(st->bound_channel);
  return 0;
}

int module_clear(PyObject* module) {
  ModuleState* st = module_state(module);
  if (st == nullptr) return 0;
  Py_CLEAR(st->channel_type);
  Py_CLEAR(st->buffer_type);
  Py_CLEAR(st->driver_type);
  Py_CLEAR(st->end_of_stream);
  Py_CLEAR(st->closed_error);
  Py_CLEAR(st->timeout_error);
  Py_CLEAR(st->bound_channel);
  return 0;
}

void module_free(void* module) { module_clear(static_cast<PyObject*>(module)); }

int add_type(PyObject* module, PyType_Spec* spec, PyObject** slot) {
  *slot = PyType_FromModuleAndSpec(module, spec, nullptr);
  if (*slot == nullptr) return -1;
  std::string_view name = spec->name;  // "_interpbench.Name"
  std::string attr(name.substr(name.rfind('.') + 1));
  return PyModule_AddObjectRef(module, attr.c_str(), *slot);
}

int add_exception(PyObject* module, const char* name, PyObject* base, PyObject** slot) {
  std::string qualified = std::string("_interpbench.") + name;
  *slot = PyErr_NewException(qualified.c_str(), base, nullptr);
  if (*slot == nullptr) return -1;
  return PyModule_AddObjectRef(module, name, *slot);
}

int module_exec(PyObject* module) {
  ModuleState* st = module_state(module);
  if (add_type(module, channel_type_spec(), &st->channel_type) < 0) return -1;
  if (add_type(module, buffer_type_spec(), &st->buffer_type) < 0) return -1;
  if (add_type(module, driver_type_spec(), &st->driver_type) < 0) return -1;
  if (add_exception(module, "EndOfStream", PyExc_EOFError, &st->end_of_stream) < 0) return -1;
  if (add_exception(module, "ChannelClosedError", PyExc_BrokenPipeError, &st->closed_error) < 0)
    return -1;
  if (add_exception(module, "ChannelTimeout", PyExc_TimeoutError, &st->timeout_error) < 0)
    return -1;
  return 0;
}

// The Channel bound to the calling thread, else the interpreter's default (borrowed), else null
// with RuntimeError set.
PyObject* bound_channel(PyObject* module) {
  PyObject* tdict = PyThreadState_GetDict();  // borrowed
  if (tdict != nullptr) {
    PyObject* ch = PyDict_GetItemString(tdict, kThreadBindingKey);  // borrowed
    if (ch != nullptr) return ch;
  }
  ModuleState* st = module_state(module);
  if (st->bound_channel != nullptr) return st->bound_channel;
  PyErr_SetString(PyExc_RuntimeError,
                  "no worker channel is bound here: _interpbench.channel() works inside a worker");
  return nullptr;
}

PyObject* mod_channel(PyObject* module, PyObject*) {
  PyObject* ch = bound_channel(module);
  return ch ? Py_NewRef(ch) : nullptr;
}

PyObject* mod_worker_id(PyObject* module, PyObject*) {
  PyObject* ch = bound_channel(module);
  return ch ? PyObject_GetAttrString(ch, "worker_id") : nullptr;
}

PyObject* mod_worker_count(PyObject* module, PyObject*) {
  PyObject* ch = bound_channel(module);
  return ch ? PyObject_GetAttrString(ch, "worker_count") : nullptr;
}

PyObject* mod_gil_mode(PyObject*, PyObject*) {
  return PyUnicode_FromString(current_gil_mode().c_str());
}

PyMethodDef g_module_methods[] = {
    {"channel", mod_channel, METH_NOARGS, "The calling worker's Channel."},
    {"worker_id", mod_worker_id, METH_NOARGS, "The calling worker's index, 0-based."},
    {"worker_count", mod_worker_count, METH_NOARGS, "Workers in the calling worker's group."},
    {"gil_mode", mod_gil_mode, METH_NOARGS,
     "GIL of this interpreter as created by interpbench: 'main', 'own' or 'shared'."},
    {nullptr, nullptr, 0, nullptr},
};

PyModuleDef_Slot g_module_slots[] = {
    {Py_mod_exec, reinterpret_cast<void*>(module_exec)},
#if PY_VERSION_HEX >= 0x030C0000
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
    {0, nullptr},
};

}  // namespace

PyModuleDef g_module_def = {
    PyModuleDef_HEAD_INIT,
    "_interpbench",
    "interpbench channels and driver context for workloads (see docs/design.md).",
    sizeof(ModuleState),
    g_module_methods,
    g_module_slots,
    module_traverse,
    module_clear,
    module_free,
};

ModuleState* module_state(PyObject* module) {
  return static_cast<ModuleState*>(PyModule_GetState(module));
}

ModuleState* state_of(PyTypeObject* type) {
  PyObject* module = PyType_GetModuleByDef(type, &g_module_def);  // borrowed
  return module ? module_state(module) : nullptr;
}

PyObject* set_python_error(ModuleState* st, std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const ChannelClosed& e) {
    PyErr_SetString(st->closed_error, e.what());
  } catch (const ChannelTimeout& e) {
    PyErr_SetString(st->timeout_error, e.what());
  } catch (const PythonError& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
  } catch (const std::bad_alloc&) {
    PyErr_NoMemory();
  } catch (const std::invalid_argument& e) {
    PyErr_SetString(PyExc_ValueError, e.what());
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
  } catch (...) {
    PyErr_SetString(PyExc_RuntimeError, "unknown C++ exception");
  }
  return nullptr;
}

namespace {
// Process-wide: every interpreter of a child runs the same row with the same params. A negative
// value means unset.
std::atomic<double> g_default_timeout_s{-1.0};
}  // namespace

void set_default_timeout(double seconds) noexcept {
  g_default_timeout_s.store(seconds > 0 ? seconds : -1.0, std::memory_order_relaxed);
}

std::optional<double> default_timeout() noexcept {
  const double s = g_default_timeout_s.load(std::memory_order_relaxed);
  return s > 0 ? std::optional<double>(s) : std::nullopt;
}

bool parse_timeout_number(PyObject* arg, std::optional<double>* out) {
  double seconds = PyFloat_AsDouble(arg);
  if (seconds == -1.0 && PyErr_Occurred()) {
    PyErr_SetString(PyExc_TypeError, "timeout must be None or a number of seconds");
    return false;
  }
  *out = seconds;
  return true;
}

PyRef interpbench_module() { return PyRef::checked(PyImport_ImportModule("_interpbench")); }

PyRef bind_worker(const WorkerBinding& binding, bool interpreter_wide) {
  PyRef module = interpbench_module();
  PyRef ch = make_worker_channel(binding);
  PyObject* tdict = PyThreadState_GetDict();  // borrowed
  if (tdict == nullptr || PyDict_SetItemString(tdict, kThreadBindingKey, ch.get()) < 0) {
    if (!PyErr_Occurred()) PyErr_SetString(PyExc_RuntimeError, "no thread state dict");
    throw_python_error();
  }
  if (interpreter_wide) {
    ModuleState* st = module_state(module.get());
    Py_XSETREF(st->bound_channel, Py_NewRef(ch.get()));
  }
  return ch;
}

void unbind_worker() noexcept {
  PyObject* tdict = PyThreadState_GetDict();  // borrowed
  PyRef bound;
  if (tdict != nullptr) {
    bound = PyRef::borrow(PyDict_GetItemString(tdict, kThreadBindingKey));
    if (bound && PyDict_DelItemString(tdict, kThreadBindingKey) < 0) PyErr_Clear();
  }
  // The interpreter-wide binding goes too when it is this worker's: left in the module state it
  // kept the Channel, its rings and (subprocess) the shared-memory mapping alive until the module
  // died, which it never did (module -> Channel -> Channel type -> module was a cycle the GC could
  // not see through before Channel became a GC type): LeakSanitizer's leaked ChannelEnds.
  PyRef name = PyRef::steal(PyUnicode_FromString("_interpbench"));
  PyRef module = name ? PyRef::steal(PyImport_GetModule(name.get())) : PyRef{};
  if (module && bound) {
    ModuleState* st = module_state(module.get());
    if (st != nullptr && st->bound_channel == bound.get()) Py_CLEAR(st->bound_channel);
  }
  if (PyErr_Occurred()) PyErr_Clear();
}

}  // namespace interpbench::py

extern "C" PyObject* PyInit__interpbench(void) {
  return PyModuleDef_Init(&interpbench::py::g_module_def);
}
