// `_interpbench.Driver`: the driver's `ctx` (docs/design.md). Owns the worker groups it started;
// every wait on them (start, stop, select) runs with the GIL released, so workers of the thread
// backend (which need the main GIL) make progress meanwhile.
#include <unistd.h>

#include <thread>

#include "backends/proc_memory.h"
#include "backends/python/module.h"
#include "backends/python/module_state.h"

namespace interpbench::py {
namespace {

struct Group {
  std::shared_ptr<WorkerGroup> group;
  bool joined = false;
};

struct DriverImpl {
  DriverConfig config;
  std::vector<Group> groups;
  std::vector<WorkerOutcome> failures;  // of every join so far, in order
  PinningRecord pinning;                // per worker count started: driver and workers pinned
};

struct DriverObject {
  PyObject_HEAD
  DriverImpl* impl;
};

DriverImpl& impl(PyObject* self) { return *reinterpret_cast<DriverObject*>(self)->impl; }
ModuleState* st(PyObject* self) { return state_of(Py_TYPE(self)); }

// Joins every group not joined yet; returns the failures of this call. Needs the GIL (released
// inside). Never throws.
std::vector<WorkerOutcome> join_all(DriverImpl& d, Deadline deadline) {
  std::vector<WorkerOutcome> failed;
  GilRelease nogil;
  for (Group& g : d.groups) {
    if (g.joined) continue;
    g.joined = true;
    std::vector<WorkerOutcome> outcomes;
    try {
      outcomes = g.group->join(deadline);
    } catch (const std::exception& e) {
      outcomes.push_back(WorkerOutcome{0, false, std::string("join failed: ") + e.what(), ""});
    }
    for (WorkerOutcome& o : outcomes) {
      if (o.pin_failed) d.pinning.note(g.group->size(), false);
      if (!o.ok) failed.push_back(std::move(o));
    }
  }
  d.failures.insert(d.failures.end(), failed.begin(), failed.end());
  return failed;
}

// Destroys the groups with the GIL released: a group's destructor may wait for its workers.
void drop_groups(DriverImpl& d) {
  std::vector<Group> groups = std::move(d.groups);
  d.groups.clear();
  GilRelease nogil;
  groups.clear();
}

void driver_dealloc(PyObject* self) {
  PyTypeObject* type = Py_TYPE(self);
  if (DriverImpl* d = reinterpret_cast<DriverObject*>(self)->impl) {
    join_all(*d, Deadline::from_seconds(d->config.timeout_s));
    drop_groups(*d);
    delete d;
  }
  type->tp_free(self);
  Py_DECREF(type);
}

PyObject* driver_start(PyObject* self, PyObject* arg) {
  Py_ssize_t n = PyLong_AsSsize_t(arg);
  if (n == -1 && PyErr_Occurred()) return nullptr;
  if (n < 1) {
    PyErr_SetString(PyExc_ValueError, "start() needs n >= 1 workers");
    return nullptr;
  }
  DriverImpl& d = impl(self);
  // The driver's thread first, so that its pin never waits behind a launch; the workers place
  // themselves (they inherit this thread's mask, whatever the plan says for them).
  const auto count = static_cast<std::size_t>(n);
  d.pinning.note(count, pin_driver_thread(d.config.workload.pin, count));
  std::shared_ptr<WorkerGroup> group;
  try {
    GilRelease nogil;
    group = d.config.backend->start(d.config.workload, static_cast<std::size_t>(n),
                                    d.config.channel_options);
  } catch (...) {
    return set_python_error(st(self), std::current_exception());
  }
  d.groups.push_back(Group{group, false});
  std::shared_ptr<BufferPool> pool(group, &group->buffer_pool());  // keeps the group alive
  const bool gil_shared = d.config.backend->gil_mode() == "shared";
  try {
    PyRef list = PyRef::checked(PyList_New(n));
    for (Py_ssize_t i = 0; i < n; ++i) {
      PyRef ch = make_driver_channel(group->channels(static_cast<std::size_t>(i)), pool,
                                     static_cast<std::size_t>(i), static_cast<std::size_t>(n),
                                     gil_shared);
      PyList_SET_ITEM(list.get(), i, ch.release());
    }
    return list.release();
  } catch (const PythonError&) {
    PyErr_SetString(PyExc_RuntimeError, "cannot create the driver's channels");
    return nullptr;
  }
}

PyObject* driver_stop(PyObject* self, PyObject* args, PyObject* kwargs) {
  static const char* kwlist[] = {"timeout", nullptr};
  PyObject* timeout_arg = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O:stop", const_cast<char**>(kwlist),
                                   &timeout_arg)) {
    return nullptr;
  }
  std::optional<double> timeout;
  if (!parse_timeout(timeout_arg, &timeout)) return nullptr;
  DriverImpl& d = impl(self);
  std::vector<WorkerOutcome> failed =
      join_all(d, Deadline::from_seconds(timeout.value_or(d.config.timeout_s)));
  drop_groups(d);
  if (failed.empty()) Py_RETURN_NONE;
  std::string message;
  for (const WorkerOutcome& o : failed) {
    if (!message.empty()) message += "; ";
    message += "worker " + std::to_string(o.worker_id) + ": " + o.error;
  }
  PyErr_SetString(PyExc_RuntimeError, message.c_str());
  return nullptr;
}

bool add_memory_entry(PyObject* list, pid_t pid) {
  std::optional<ProcessMemory> m = read_process_memory(pid);
  if (!m) return true;  // the process is gone: nothing to report
  PyRef entry = PyRef::steal(Py_BuildValue("{s:i,s:K,s:K,s:K}", "pid", static_cast<int>(pid),
                                           "rss_kib", static_cast<unsigned long long>(m->rss_kib),
                                           "pss_kib", static_cast<unsigned long long>(m->pss_kib),
                                           "uss_kib", static_cast<unsigned long long>(m->uss_kib)));
  return entry && PyList_Append(list, entry.get()) == 0;
}

bool per_worker_process(const DriverImpl& d) {
  for (auto it = d.groups.rbegin(); it != d.groups.rend(); ++it) {
    return it->group->memory_scope() == MemoryScope::kPerWorkerProcess;
  }
  return d.config.backend->gil_mode() == "process";
}

PyObject* driver_memory(PyObject* self, PyObject*) {
  DriverImpl& d = impl(self);
  PyRef list = PyRef::steal(PyList_New(0));
  if (!list) return nullptr;
  if (per_worker_process(d)) {
    for (const Group& g : d.groups) {
      if (g.joined) continue;
      for (pid_t pid : g.group->worker_pids()) {
        if (!add_memory_entry(list.get(), pid)) return nullptr;
      }
    }
  } else if (!add_memory_entry(list.get(), getpid())) {
    return nullptr;
  }
  return list.release();
}

PyObject* driver_select(PyObject* self, PyObject* args, PyObject* kwargs) {
  static const char* kwlist[] = {"channels", "timeout", nullptr};
  PyObject* channels_arg = nullptr;
  PyObject* timeout_arg = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|O:select", const_cast<char**>(kwlist),
                                   &channels_arg, &timeout_arg)) {
    return nullptr;
  }
  std::optional<double> timeout;
  if (!parse_timeout(timeout_arg, &timeout)) return nullptr;
  PyRef seq = PyRef::steal(PySequence_Fast(channels_arg, "select() takes a list of Channels"));
  if (!seq) return nullptr;
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq.get());
  if (n == 0) {
    PyErr_SetString(PyExc_ValueError, "select() needs at least one channel");
    return nullptr;
  }
  ModuleState* s = st(self);
  std::vector<Channel*> ends;
  for (Py_ssize_t i = 0; i < n; ++i) {
    Channel* end = channel_recv_end(s, PySequence_Fast_GET_ITEM(seq.get(), i));
    if (end == nullptr) return nullptr;
    ends.push_back(end);
  }
  std::optional<std::size_t> ready;
  try {
    GilRelease nogil;
    ready = select_readable(ends, Deadline::from_seconds(timeout));
  } catch (...) {
    return set_python_error(s, std::current_exception());
  }
  if (!ready) {
    PyErr_SetString(s->timeout_error, "select timed out");
    return nullptr;
  }
  return Py_NewRef(PySequence_Fast_GET_ITEM(seq.get(), static_cast<Py_ssize_t>(*ready)));
}

PyObject* driver_get_backend(PyObject* self, void*) {
  std::string_view name = impl(self).config.backend->name();
  return PyUnicode_FromStringAndSize(name.data(), static_cast<Py_ssize_t>(name.size()));
}
PyObject* driver_get_cores(PyObject*, void*) {
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  return PyLong_FromLong(online > 0 ? online : static_cast<long>(std::thread::hardware_concurrency()));
}
PyObject* driver_get_memory_scope(PyObject* self, void*) {
  return PyUnicode_FromString(per_worker_process(impl(self)) ? "process" : "host");
}
PyObject* driver_get_handoff(PyObject*, void*) { Py_RETURN_TRUE; }  // every backend has a pool
PyObject* driver_get_gil(PyObject* self, void*) {
  return PyUnicode_FromString(impl(self).config.backend->gil_mode().c_str());
}

PyMethodDef g_driver_methods[] = {
    {"start", driver_start, METH_O, "start(n) -> list[Channel]: launch n workers."},
    {"stop", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(driver_stop)),
     METH_VARARGS | METH_KEYWORDS,
     "stop(timeout=None): end of stream to every worker, join; RuntimeError names failed ones."},
    {"memory", driver_memory, METH_NOARGS,
     "memory() -> [{'pid', 'rss_kib', 'pss_kib', 'uss_kib'}] (see memory_scope)."},
    {"select", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(driver_select)),
     METH_VARARGS | METH_KEYWORDS, "select(channels, timeout=None) -> the first readable one."},
    {nullptr, nullptr, 0, nullptr},
};

PyGetSetDef g_driver_getset[] = {
    {"backend", driver_get_backend, nullptr, "row name", nullptr},
    {"cores", driver_get_cores, nullptr, "online CPUs", nullptr},
    {"memory_scope", driver_get_memory_scope, nullptr, "'process' or 'host'", nullptr},
    {"handoff", driver_get_handoff, nullptr, "zero-copy buffers supported", nullptr},
    {"gil", driver_get_gil, nullptr, "'own', 'shared' or 'process'", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};

PyType_Slot g_driver_slots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(driver_dealloc)},
    {Py_tp_methods, g_driver_methods},
    {Py_tp_getset, g_driver_getset},
    {Py_tp_doc, const_cast<char*>("The driver's handle on a backend (made by interpbench).")},
    {0, nullptr},
};

PyType_Spec g_driver_spec = {
    "_interpbench.Driver",
    sizeof(DriverObject),
    0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_DISALLOW_INSTANTIATION | Py_TPFLAGS_IMMUTABLETYPE,
    g_driver_slots,
};

}  // namespace

PyType_Spec* driver_type_spec() { return &g_driver_spec; }

PyRef make_driver(const DriverConfig& config) {
  PyRef module = interpbench_module();
  auto* type = reinterpret_cast<PyTypeObject*>(module_state(module.get())->driver_type);
  PyRef obj = PyRef::checked(type->tp_alloc(type, 0));
  reinterpret_cast<DriverObject*>(obj.get())->impl =
      new DriverImpl{config, {}, {}, PinningRecord(config.workload.pin)};
  return obj;
}

PinningRecord driver_pinning(PyObject* driver) { return impl(driver).pinning; }

std::vector<WorkerOutcome> finish_driver(PyObject* driver) {
  DriverImpl& d = impl(driver);
  join_all(d, Deadline::from_seconds(d.config.timeout_s));
  drop_groups(d);
  return d.failures;
}

}  // namespace interpbench::py
