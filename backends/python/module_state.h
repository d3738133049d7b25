#pragma once
// Internals of `_interpbench` shared by its type files: the per-module state (one per
// interpreter: types and exceptions are created per module, never static) and the type specs.
#include "backends/python/embed.h"
#include "backends/python/module.h"

#include <exception>
#include <memory>
#include <optional>

#include "backends/buffer_pool.h"
#include "backends/channel.h"

namespace interpbench::py {

struct ModuleState {
  PyObject* channel_type;   // Channel
  PyObject* buffer_type;    // Buffer
  PyObject* driver_type;    // Driver
  PyObject* end_of_stream;  // EndOfStream(EOFError)
  PyObject* closed_error;   // ChannelClosedError(BrokenPipeError)
  PyObject* timeout_error;  // ChannelTimeout(TimeoutError)
  PyObject* bound_channel;  // interpreter-wide worker binding, or null
};

extern PyModuleDef g_module_def;

ModuleState* module_state(PyObject* module);
// The state of the module that defined `type` (PyType_GetModuleByDef).
ModuleState* state_of(PyTypeObject* type);

// Type specs, turned into heap types by the module's exec slot.
PyType_Spec* channel_type_spec();
PyType_Spec* buffer_type_spec();
PyType_Spec* driver_type_spec();

// C++ exception in flight -> the matching Python exception of this module. Returns null.
PyObject* set_python_error(ModuleState* st, std::exception_ptr error);

// Parses a `timeout` argument: None -> default_timeout() (module.h); a number -> seconds. Returns false with
// TypeError set otherwise. Inline for None, as every send and recv of a workload passes it.
bool parse_timeout_number(PyObject* arg, std::optional<double>* out);
inline bool parse_timeout(PyObject* arg, std::optional<double>* out) {
  if (arg == nullptr || arg == Py_None) {
    *out = default_timeout();
    return true;
  }
  return parse_timeout_number(arg, out);
}

// The Channel object's receive end, for Driver.select(). Null (with TypeError) if not a Channel.
Channel* channel_recv_end(ModuleState* st, PyObject* obj);

}  // namespace interpbench::py
