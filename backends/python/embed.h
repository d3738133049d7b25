#pragma once
// RAII over the CPython C API (after pybind11's embed.h and subinterpreter.h): the main
// interpreter, subinterpreters, GIL and thread-state guards, and an owning PyObject handle.
// Every guard names which interpreter and GIL it holds; destructors are noexcept.
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <atomic>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>

namespace interpbench::py {

// A Python exception turned into C++: `what()` is one line "Type: message".
struct PythonError : std::runtime_error {
  PythonError(std::string line, std::string tb)
      : std::runtime_error(std::move(line)), traceback(std::move(tb)) {}
  std::string traceback;
};

// The pending Python exception as text (and cleared): "Type: message" plus the traceback.
// Needs the GIL; with no exception pending the line is "unknown error".
struct ErrorText {
  std::string line;
  std::string traceback;
};
ErrorText fetch_error_text();
// Throws PythonError from the pending exception.
[[noreturn]] void throw_python_error();

// Owns one strong reference. Copying is deleted so every incref/decref is visible at the call site.
class PyRef {
 public:
  PyRef() = default;
  static PyRef steal(PyObject* o) { return PyRef(o); }
  static PyRef borrow(PyObject* o) {
    Py_XINCREF(o);
    return PyRef(o);
  }
  // steal() that throws PythonError when `o` is null (a failed C API call).
  static PyRef checked(PyObject* o) {
    if (o == nullptr) throw_python_error();
    return PyRef(o);
  }
  PyRef(PyRef&& other) noexcept : obj_(std::exchange(other.obj_, nullptr)) {}
  PyRef& operator=(PyRef&& other) noexcept {
    if (this != &other) reset(std::exchange(other.obj_, nullptr));
    return *this;
  }
  PyRef(const PyRef&) = delete;
  PyRef& operator=(const PyRef&) = delete;
  ~PyRef() { Py_XDECREF(obj_); }  // the GIL of the object's interpreter must be held

  PyObject* get() const noexcept { return obj_; }
  PyObject* release() noexcept { return std::exchange(obj_, nullptr); }  // the caller owns it now
  void reset(PyObject* o = nullptr) noexcept { Py_XDECREF(std::exchange(obj_, o)); }
  explicit operator bool() const noexcept { return obj_ != nullptr; }

 private:
  explicit PyRef(PyObject* o) : obj_(o) {}
  PyObject* obj_ = nullptr;
};

// The process's one main interpreter: PyConfig-based (isolated from PYTHON* environment variables
// and the user site; no signal handlers, so SIGINT/SIGTERM stay with the C++ program) with the
// `_interpbench` module registered as built-in. The constructing thread holds the GIL afterwards;
// the destructor must run on that thread with the GIL held. Only one per process, ever: CPython
// can't be re-initialized reliably.
//
// Initialized with site_import = 0, because subinterpreters copy the main interpreter's config
// and `site` would otherwise run in every one of them (a third of a subinterpreter's creation on
// 3.13). `import_site` then runs it in the main interpreter only (import_site() below), so the
// driver still sees site-packages; sys.flags.no_site is 1 either way.
class MainInterpreter {
 public:
  explicit MainInterpreter(bool import_site = true);
  ~MainInterpreter() noexcept;  // Py_FinalizeEx, unless a worker thread was abandoned (see below)
  MainInterpreter(const MainInterpreter&) = delete;
  MainInterpreter& operator=(const MainInterpreter&) = delete;
};

// Worker threads that did not finish by their deadline are detached, still inside Python. The
// interpreter must then not be finalized (finalization would race them): the process ends without
// it, and its supervisor reports the timeout. Backends call note_abandoned_thread() when detaching.
void note_abandoned_thread() noexcept;
std::size_t abandoned_threads() noexcept;

// Subinterpreter creations that failed with CPython's transient "Failed to import encodings
// module" (concurrent creation, gh-131485) and were retried, in this process.
std::size_t subinterpreter_creation_retries() noexcept;

// PyGILState_Ensure/Release: attaches the calling thread to the MAIN interpreter and takes its GIL.
// Reentrant. Not for threads that run a subinterpreter (those use SubInterpreter::Activate).
class GilAcquire {
 public:
  GilAcquire() : state_(PyGILState_Ensure()) {}
  ~GilAcquire() { PyGILState_Release(state_); }
  GilAcquire(const GilAcquire&) = delete;
  GilAcquire& operator=(const GilAcquire&) = delete;

 private:
  PyGILState_STATE state_;
};

// Py_BEGIN_ALLOW_THREADS / Py_END_ALLOW_THREADS as a scope: releases the GIL of whichever
// interpreter the thread is in, and takes it back on exit. Inside the scope, reacquire() takes it
// back early and release() lets it go again (each a no-op when already done).
class GilRelease {
 public:
  GilRelease() { release(); }
  ~GilRelease() { reacquire(); }
  GilRelease(const GilRelease&) = delete;
  GilRelease& operator=(const GilRelease&) = delete;

  void release() {
    if (saved_ == nullptr) saved_ = PyEval_SaveThread();
  }
  void reacquire() {
    if (saved_ != nullptr) PyEval_RestoreThread(std::exchange(saved_, nullptr));
  }

 private:
  PyThreadState* saved_ = nullptr;
};

// PyThreadState_Swap as a scope. On 3.12+ a swap also releases the old thread state's GIL and
// takes the new one's; on 3.11 there is one GIL and the swap only changes the current state.
class ThreadStateSwap {
 public:
  explicit ThreadStateSwap(PyThreadState* next) : previous_(PyThreadState_Swap(next)) {}
  ~ThreadStateSwap() { PyThreadState_Swap(previous_); }
  ThreadStateSwap(const ThreadStateSwap&) = delete;
  ThreadStateSwap& operator=(const ThreadStateSwap&) = delete;

 private:
  PyThreadState* previous_;
};

enum class GilMode { kOwn, kShared };
const char* gil_mode_name(GilMode mode);  // "own" | "shared"
// The rest of PyInterpreterConfig: kIsolated is _PyInterpreterConfig_INIT's (own obmalloc, no
// fork/exec/daemon threads, multi-phase extensions only), kLegacy _PyInterpreterConfig_LEGACY_INIT's
// (the main obmalloc, fork/exec/threads/daemon threads, single-phase extensions allowed).
enum class InterpConfig { kIsolated, kLegacy };
const char* interp_config_name(InterpConfig config);  // "isolated" | "legacy"
// Whether this Python has a per-interpreter GIL (PEP 684, 3.12+).
constexpr bool kHasPerInterpreterGil = PY_VERSION_HEX >= 0x030C0000;

// One subinterpreter, created, run and ended on ONE thread (its thread state is bound to it).
// Own GIL + isolated config by default; a shared GIL with either config. An own GIL with the
// legacy config is unsupported (PyInterpreterConfig: use_main_obmalloc = 1 requires a shared GIL,
// the main obmalloc is not thread-safe; 3.13.0 does not check it): callers never ask for it
// (runners/subinterp_modes.h). On 3.11 (no PEP 684) every subinterpreter is Py_NewInterpreter()'s:
// shared GIL, legacy config, whatever is asked.
// The creating thread must not hold any GIL; it holds none afterwards either: run code with
// Activate. The main interpreter must outlive it.
class SubInterpreter {
 public:
  explicit SubInterpreter(GilMode requested = GilMode::kOwn,
                          InterpConfig config = InterpConfig::kIsolated);
  ~SubInterpreter() noexcept;  // Py_EndInterpreter (joins its non-daemon threads first)
  SubInterpreter(const SubInterpreter&) = delete;
  SubInterpreter& operator=(const SubInterpreter&) = delete;

  GilMode gil_mode() const noexcept { return mode_; }
  PyInterpreterState* state() const noexcept { return PyThreadState_GetInterpreter(tstate_); }

  // Makes the subinterpreter current on the calling thread and takes its GIL for the scope.
  class Activate {
   public:
    explicit Activate(SubInterpreter& interp) : tstate_(interp.tstate_) {
      PyEval_RestoreThread(tstate_);
    }
    ~Activate() { PyEval_SaveThread(); }
    Activate(const Activate&) = delete;
    Activate& operator=(const Activate&) = delete;

   private:
    PyThreadState* tstate_;
  };

 private:
  PyThreadState* tstate_ = nullptr;
  GilMode mode_;
};

// `import site; site.main()` in the current interpreter: site-packages (and .pth files) on
// sys.path, for an interpreter created without `site` (see MainInterpreter). Throws PythonError.
void import_site();

// The interpreter's recorded GIL mode ("own", "shared", or "main" for the main interpreter), kept
// in the interpreter's state dict by SubInterpreter. Needs the GIL.
std::string current_gil_mode();

// "3.13.0": the version of the libpython actually loaded.
std::string python_version();

}  // namespace interpbench::py
