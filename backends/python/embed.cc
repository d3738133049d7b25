#include "backends/python/embed.h"

#include <atomic>
#include <cstdio>
#include <mutex>

#include "backends/python/module.h"

namespace interpbench::py {
namespace {

std::atomic<std::size_t> g_abandoned_threads{0};

constexpr const char* kGilModeKey = "interpbench.gil_mode";

std::string to_utf8(PyObject* o) {
  if (o == nullptr) return {};
  PyRef s = PyRef::steal(PyObject_Str(o));
  if (!s) {
    PyErr_Clear();
    return "<unprintable>";
  }
  Py_ssize_t n = 0;
  const char* utf8 = PyUnicode_AsUTF8AndSize(s.get(), &n);
  if (utf8 == nullptr) {
    PyErr_Clear();
    return "<unprintable>";
  }
  return std::string(utf8, static_cast<std::size_t>(n));
}

// The raised exception object (normalized), or null. Clears the error indicator.
PyRef take_exception() {
#if PY_VERSION_HEX >= 0x030C0000
  return PyRef::steal(PyErr_GetRaisedException());
#else
  PyObject *type = nullptr, *value = nullptr, *tb = nullptr;
  PyErr_Fetch(&type, &value, &tb);
  if (type == nullptr) return {};
  PyErr_NormalizeException(&type, &value, &tb);
  if (tb != nullptr && value != nullptr) PyException_SetTraceback(value, tb);
  Py_XDECREF(type);
  Py_XDECREF(tb);
  return PyRef::steal(value);
#endif
}

std::string format_traceback(PyObject* exc) {
  PyRef tb_module = PyRef::steal(PyImport_ImportModule("traceback"));
  if (!tb_module) {
    PyErr_Clear();
    return {};
  }
  PyRef tb = PyRef::steal(PyException_GetTraceback(exc));
  PyRef lines = PyRef::steal(PyObject_CallMethod(tb_module.get(), "format_exception", "OOO",
                                                 Py_TYPE(exc), exc, tb ? tb.get() : Py_None));
  if (!lines) {
    PyErr_Clear();
    return {};
  }
  PyRef empty = PyRef::steal(PyUnicode_FromString(""));
  PyRef joined = PyRef::steal(PyUnicode_Join(empty.get(), lines.get()));
  if (!joined) {
    PyErr_Clear();
    return {};
  }
  return to_utf8(joined.get());
}

}  // namespace

ErrorText fetch_error_text() {
  PyRef exc = take_exception();
  if (!exc) return {"unknown error", ""};
  PyRef qualname = PyRef::steal(PyObject_GetAttrString(
      reinterpret_cast<PyObject*>(Py_TYPE(exc.get())), "__qualname__"));
  std::string type = qualname ? to_utf8(qualname.get()) : Py_TYPE(exc.get())->tp_name;
  if (!qualname) PyErr_Clear();
  std::string message = to_utf8(exc.get());
  // One line: a multi-line message (a SyntaxError's, say) keeps its first line only.
  if (auto nl = message.find('\n'); nl != std::string::npos) message.resize(nl);
  ErrorText text;
  text.line = message.empty() ? type : type + ": " + message;
  text.traceback = format_traceback(exc.get());
  return text;
}

void throw_python_error() {
  ErrorText text = fetch_error_text();
  throw PythonError(std::move(text.line), std::move(text.traceback));
}

void note_abandoned_thread() noexcept { g_abandoned_threads.fetch_add(1); }
std::size_t abandoned_threads() noexcept { return g_abandoned_threads.load(); }

MainInterpreter::MainInterpreter(bool with_site) {
  if (Py_IsInitialized()) throw std::logic_error("the main interpreter is already initialized");
  if (PyImport_AppendInittab("_interpbench", &PyInit__interpbench) != 0) {
    throw std::runtime_error("cannot register the _interpbench module");
  }
  PyConfig config;
  // Isolated: PYTHON* variables and the user site can't change what is measured; sys.path gets
  // the workload's directory explicitly when a workload is imported.
  PyConfig_InitIsolatedConfig(&config);
  config.install_signal_handlers = 0;  // SIGINT/SIGTERM belong to the supervising C++ code
  config.parse_argv = 0;
  config.site_import = 0;  // see the class comment: subinterpreters inherit it
  PyStatus status = Py_InitializeFromConfig(&config);
  PyConfig_Clear(&config);
  if (PyStatus_Exception(status)) {
    throw std::runtime_error(std::string("cannot initialize Python: ") +
                             (status.err_msg ? status.err_msg : "unknown error"));
  }
  if (with_site) {
    try {
      import_site();
    } catch (const PythonError& e) {
      // What `python -I` would print before giving up; without site the stdlib still works.
      std::fprintf(stderr, "interpbench: import site failed: %s\n", e.what());
    }
  }
}

void import_site() {
  PyRef site = PyRef::checked(PyImport_ImportModule("site"));
  PyRef done = PyRef::checked(PyObject_CallMethod(site.get(), "main", nullptr));
}

MainInterpreter::~MainInterpreter() noexcept {
  if (abandoned_threads() > 0) {
    // A detached worker may still be running Python code: finalizing would race it.
    std::fprintf(stderr, "interpbench: %zu worker thread(s) did not finish; Python not finalized\n",
                 abandoned_threads());
    return;
  }
  if (Py_FinalizeEx() < 0) std::fprintf(stderr, "interpbench: Python finalization failed\n");
}

const char* gil_mode_name(GilMode mode) { return mode == GilMode::kOwn ? "own" : "shared"; }
const char* interp_config_name(InterpConfig config) {
  return config == InterpConfig::kIsolated ? "isolated" : "legacy";
}

namespace {
#if PY_VERSION_HEX >= 0x030C0000 && PY_VERSION_HEX < 0x030D0000
// 3.12's runtime isn't safe against two interpreters initializing at once (pybind11 serializes
// this too); creation releases the main GIL, so it needs its own lock.
std::mutex g_create_mutex;
#endif

std::atomic<std::size_t> g_creation_retries{0};

// Records the mode in the new interpreter's state dict so code inside can ask for it.
void record_gil_mode(GilMode mode) {
  PyObject* dict = PyInterpreterState_GetDict(PyInterpreterState_Get());  // borrowed
  PyRef value = PyRef::steal(PyUnicode_FromString(gil_mode_name(mode)));
  if (dict == nullptr || !value || PyDict_SetItemString(dict, kGilModeKey, value.get()) < 0) {
    PyErr_Clear();
  }
}
}  // namespace

std::size_t subinterpreter_creation_retries() noexcept {
  return g_creation_retries.load(std::memory_order_relaxed);
}

SubInterpreter::SubInterpreter(GilMode requested, InterpConfig settings) {
#if PY_VERSION_HEX >= 0x030C0000
  mode_ = requested;
  const bool legacy = settings == InterpConfig::kLegacy;
  // isolated: _PyInterpreterConfig_INIT; legacy: _PyInterpreterConfig_LEGACY_INIT, what
  // Py_NewInterpreter() uses (the comparison point for "subinterpreters before PEP 684").
  PyInterpreterConfig config{.use_main_obmalloc = legacy,
                             .allow_fork = legacy,
                             .allow_exec = legacy,
                             .allow_threads = 1,
                             .allow_daemon_threads = legacy,
                             .check_multi_interp_extensions = !legacy,
                             .gil = requested == GilMode::kOwn ? PyInterpreterConfig_OWN_GIL
                                                               : PyInterpreterConfig_SHARED_GIL};
#if PY_VERSION_HEX < 0x030D0000
  std::lock_guard<std::mutex> serialize(g_create_mutex);
#endif
#else
  (void)requested;
  (void)settings;
  mode_ = GilMode::kShared;
#endif
  // Protocol (CPython's _interpreters.create and pybind11 do the same): hold a main-interpreter
  // thread state, create (the new interpreter becomes current with its GIL taken), swap back to
  // the main thread state (3.12+: releases the new GIL, retakes the main one), release it.
  PyGILState_STATE gil = PyGILState_Ensure();
  PyThreadState* main_tstate = PyThreadState_Get();
  PyThreadState* created = nullptr;
  std::string failure;
#if PY_VERSION_HEX >= 0x030C0000
  // Interpreters created at once from several threads sometimes fail to import `encodings`
  // (CPython gh-128381 and gh-131485, 3.13 and 3.14; seen here once in about 10^5 creations, in
  // an apps child starting two workers): that failure is retried, twice at most, and counted.
  for (int attempt = 0;; ++attempt) {
    PyStatus status = Py_NewInterpreterFromConfig(&created, &config);
    if (!PyStatus_Exception(status)) break;
    failure = status.err_msg ? status.err_msg : "unknown error";
    created = nullptr;
    PyThreadState_Swap(main_tstate);
    if (attempt == 2 || failure.find("encodings") == std::string::npos) break;
    g_creation_retries.fetch_add(1, std::memory_order_relaxed);
  }
#else
  created = Py_NewInterpreter();
  if (created == nullptr) failure = "Py_NewInterpreter failed";
#endif
  if (created != nullptr) {
    record_gil_mode(mode_);
    // The creating thread state stays bound to this thread and is reused by Activate (3.12
    // can't delete it early, see pybind11's subinterpreter.h).
  }
  PyThreadState_Swap(main_tstate);
  PyGILState_Release(gil);
  if (created == nullptr) throw std::runtime_error("cannot create a subinterpreter: " + failure);
  tstate_ = created;
}

SubInterpreter::~SubInterpreter() noexcept {
  if (tstate_ == nullptr) return;
#if PY_VERSION_HEX >= 0x030C0000
  PyEval_RestoreThread(tstate_);
  Py_EndInterpreter(tstate_);  // 3.12+: leaves no current thread state and no GIL held
#else
  // 3.11: Py_EndInterpreter leaves the one GIL held with no thread state; end it from a main
  // thread state (as Programs/_testembed.c does) so the GIL can be released properly.
  PyGILState_STATE gil = PyGILState_Ensure();
  PyThreadState* main_tstate = PyThreadState_Swap(tstate_);
  Py_EndInterpreter(tstate_);
  PyThreadState_Swap(main_tstate);
  PyGILState_Release(gil);
#endif
  tstate_ = nullptr;
}

std::string current_gil_mode() {
  PyObject* dict = PyInterpreterState_GetDict(PyInterpreterState_Get());  // borrowed
  PyObject* value = dict ? PyDict_GetItemString(dict, kGilModeKey) : nullptr;  // borrowed
  if (value == nullptr) return PyInterpreterState_Get() == PyInterpreterState_Main() ? "main" : "shared";
  return to_utf8(value);
}

std::string python_version() {
  std::string v = Py_GetVersion();
  return v.substr(0, v.find(' '));
}

}  // namespace interpbench::py
