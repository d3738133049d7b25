// Micro-benchmarks of the Python-side costs a channel call adds to the ring: giving the GIL up
// and taking it back (what a blocking recv does once), and creating the bytes object a message
// is received into, per size. One embedded main interpreter (backends/python/embed.h) for the
// whole program, made on first use by the benchmark thread (the main thread: no benchmark here
// uses ->Threads()), which then holds its GIL; main() finalizes it after the benchmarks ran.
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>

#include <benchmark/benchmark.h>

#include "backends/heap_buffer_pool.h"
#include "backends/inproc_channel.h"
#include "backends/python/embed.h"
#include "backends/python/module.h"

namespace interpbench {
namespace {

// The interpreter and the thread that made it (and holds its GIL). Finalized by main() once the
// benchmarks ran: never finalizing it left ~480 KB in ~313 CPython allocations that LeakSanitizer
// reported (the asan preset's interpbench_micro_json test failed on them).
std::unique_ptr<py::MainInterpreter> g_interpreter;
std::thread::id g_interpreter_thread;

void ensure_python() {
  if (g_interpreter) return;
  g_interpreter = std::make_unique<py::MainInterpreter>();
  g_interpreter_thread = std::this_thread::get_id();
}

// PyEval_SaveThread + PyEval_RestoreThread with nobody else wanting the GIL: the fixed price of a
// GIL hand-off (own-GIL subinterpreters and subprocess workers pay it per blocking recv).
void BM_GilReleaseAcquire(benchmark::State& state) {
  ensure_python();
  for (auto _ : state) {
    PyThreadState* saved = PyEval_SaveThread();
    PyEval_RestoreThread(saved);
  }
}
BENCHMARK(BM_GilReleaseAcquire);

// An uninitialised bytes object of N bytes, then freed: what recv() allocates per message
// (excluding the copy, which the ring does). Big sizes come from malloc, small from pymalloc.
void BM_BytesCreate(benchmark::State& state) {
  ensure_python();
  const auto size = static_cast<Py_ssize_t>(state.range(0));
  for (auto _ : state) {
    PyObject* b = PyBytes_FromStringAndSize(nullptr, size);
    if (b == nullptr) {
      PyErr_Clear();
      state.SkipWithError("PyBytes_FromStringAndSize failed");
      break;
    }
    benchmark::DoNotOptimize(PyBytes_AS_STRING(b));
    Py_DECREF(b);
  }
}
BENCHMARK(BM_BytesCreate)->Arg(8)->Arg(1 << 10)->Arg(64 << 10)->Arg(1 << 20)->Arg(16 << 20);

// The same plus filling it, as recv() does: allocation and first touch of every page.
void BM_BytesCreateAndFill(benchmark::State& state) {
  ensure_python();
  const auto size = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    PyObject* b = PyBytes_FromStringAndSize(nullptr, static_cast<Py_ssize_t>(size));
    if (b == nullptr) {
      PyErr_Clear();
      state.SkipWithError("PyBytes_FromStringAndSize failed");
      break;
    }
    std::memset(PyBytes_AS_STRING(b), 0x5a, size);
    benchmark::DoNotOptimize(PyBytes_AS_STRING(b));
    Py_DECREF(b);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}
BENCHMARK(BM_BytesCreateAndFill)->Arg(64 << 10)->Arg(1 << 20)->Arg(16 << 20);

// The Python-side cost of one message each way, without a peer: `d.send(p); w.recv()` in a Python
// loop on one thread, over an in-process ring that never blocks (the recv finds the message).
// Per message pair: two method calls (argument parsing, the direction guard), two ring
// operations, one bytes object, the loop itself. What a round trip costs beyond the rings and
// the wake-ups, i.e. where subinterp's p50 differs from the floor's.
void BM_PySendRecvSameThread(benchmark::State& state) {
  ensure_python();
  constexpr long kPerCall = 1000;
  ChannelPair pair = make_inproc_channel_pair(1 << 20);
  auto pool = std::make_shared<HeapBufferPool>();
  py::PyRef d = py::make_driver_channel(pair, pool, 0, 1, /*gil_shared_with_peer=*/false);
  py::PyRef w = py::make_worker_channel(py::WorkerBinding{pair, pool, 0, 1});
  py::PyRef globals = py::PyRef::checked(PyDict_New());
  PyDict_SetItemString(globals.get(), "__builtins__", PyEval_GetBuiltins());
  PyDict_SetItemString(globals.get(), "d", d.get());
  PyDict_SetItemString(globals.get(), "w", w.get());
  py::PyRef payload = py::PyRef::checked(PyBytes_FromStringAndSize(nullptr, state.range(0)));
  PyDict_SetItemString(globals.get(), "p", payload.get());
  py::PyRef done = py::PyRef::steal(PyRun_String(
      "def loop(n, send=d.send, recv=w.recv, p=p):\n"
      "    for _ in range(n):\n"
      "        send(p)\n"
      "        recv()\n",
      Py_file_input, globals.get(), globals.get()));
  PyObject* loop = done ? PyDict_GetItemString(globals.get(), "loop") : nullptr;  // borrowed
  py::PyRef n = py::PyRef::checked(PyLong_FromLong(kPerCall));
  for (auto _ : state) {
    py::PyRef r = py::PyRef::steal(loop ? PyObject_CallOneArg(loop, n.get()) : nullptr);
    if (!r) {
      PyErr_Clear();
      state.SkipWithError("the Python loop failed");
      break;
    }
  }
  // Seconds per send + recv pair (CPU time), printed with an SI prefix: "94n" is 94 ns.
  state.counters["s_per_pair"] = benchmark::Counter(
      kPerCall, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_PySendRecvSameThread)->Arg(8)->Arg(1 << 10);

}  // namespace

// Py_FinalizeEx on the thread that initialized Python and still holds its GIL. Every benchmark
// above releases what it made (channels, objects) before returning; none leaves a thread or a
// subinterpreter behind. Returns false when finalization was not possible or failed.
bool finalize_python() {
  if (!g_interpreter) return true;  // no Python benchmark ran (a filter)
  if (std::this_thread::get_id() != g_interpreter_thread || PyGILState_Check() == 0) {
    std::fprintf(stderr, "interpbench-micro: Python was initialized on another thread; not finalized\n");
    (void)g_interpreter.release();  // deliberately kept: finalizing from here would be undefined
    return false;
  }
  g_interpreter.reset();  // ~MainInterpreter: Py_FinalizeEx
  return !Py_IsInitialized();
}

}  // namespace interpbench

// BENCHMARK_MAIN() plus the finalization of the embedded interpreter.
int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return interpbench::finalize_python() ? 0 : 1;
}
