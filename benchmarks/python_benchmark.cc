// Micro-benchmarks of the Python-side costs a channel call adds to the ring: giving the GIL up
// and taking it back (what a blocking recv does once), and creating the bytes object a message
// is received into, per size. One embedded main interpreter (backends/python/embed.h) for the
// whole program, made on first use by the benchmark thread, which then holds its GIL.
#include <cstddef>
#include <cstring>

#include <benchmark/benchmark.h>

#include "backends/python/embed.h"

namespace interpbench {
namespace {

// Never finalized: Py_FinalizeEx at exit would run after Google Benchmark's own teardown, and a
// benchmark process has nothing to flush.
void ensure_python() {
  [[maybe_unused]] static auto* interpreter = new py::MainInterpreter();
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

}  // namespace
}  // namespace interpbench

BENCHMARK_MAIN();
