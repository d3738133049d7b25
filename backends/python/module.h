#pragma once
// The built-in extension module `_interpbench`: what workload code sees of a backend.
// Multi-phase init, per-interpreter-GIL safe (3.12+), all state in module state, so the same
// module works in the main interpreter, every subinterpreter and the subprocess worker.
//
// Python API (docs/design.md, "The workload contract"):
//   Channel: send, recv, try_send, try_recv, close, alloc, send_buffer, recv_buffer,
//            worker_id, worker_count
//   Buffer:  pool memory exposed through the buffer protocol, released to the pool on dealloc
//   Driver:  the driver's `ctx` (backend, cores, start, stop, memory, memory_scope, select, handoff)
//   EndOfStream(EOFError), ChannelClosedError(BrokenPipeError), ChannelTimeout(TimeoutError)
//   channel(), worker_id(), worker_count(): the worker binding of the calling thread
#include "backends/python/embed.h"

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "backends/buffer_pool.h"
#include "backends/channel.h"

extern "C" PyObject* PyInit__interpbench(void);

namespace interpbench::py {

// One worker's side of a group. `channels` is the pair as the driver holds it: the worker
// receives on to_worker and sends on from_worker.
struct WorkerBinding {
  ChannelPair channels;
  std::shared_ptr<BufferPool> pool;  // null: no handoff (alloc() raises)
  std::size_t worker_id = 0;
  std::size_t worker_count = 1;
  // The driver runs under the same GIL (thread backend, subinterp with a shared GIL): then a
  // channel call never waits while holding the GIL (channel_type.cc).
  bool gil_shared_with_peer = false;
};

// The `_interpbench` module of the current interpreter (imported on first use). Needs the GIL.
PyRef interpbench_module();

// What `timeout=None` means on every channel and ctx wait of this process (docs/design.md:
// params["timeout"]), so that no wait a workload makes is unbounded. Set by the driver host and
// by every worker from its params; unset (the default) means wait forever.
void set_default_timeout(double seconds) noexcept;
std::optional<double> default_timeout() noexcept;

// A new Channel object in the current interpreter: the worker's view of `binding`.
PyRef make_worker_channel(const WorkerBinding& binding);
// A new Channel object for the driver: sends on to_worker, receives on from_worker. `pool`
// (typically an aliasing pointer into the WorkerGroup) also keeps the group alive.
PyRef make_driver_channel(const ChannelPair& pair, std::shared_ptr<BufferPool> pool,
                          std::size_t worker_id, std::size_t worker_count,
                          bool gil_shared_with_peer);

// Binds the worker's channel for `_interpbench.channel()` & co. in the calling thread (stored in
// the thread state's dict, so several worker threads of one interpreter each see their own); with
// `interpreter_wide`, also as the interpreter's default (threads the worker starts see it too).
// Returns the Channel object.
PyRef bind_worker(const WorkerBinding& binding, bool interpreter_wide);
void unbind_worker() noexcept;  // the calling thread's binding

// What the Driver object needs from the child that hosts it.
struct DriverConfig {
  Backend* backend = nullptr;  // outlives the Driver object
  WorkloadRef workload;
  ChannelOptions channel_options;
  double timeout_s = 60;       // default for stop(timeout=None)
};
// The driver's `ctx` in the current (main) interpreter.
PyRef make_driver(const DriverConfig& config);
// Joins every worker group the driver started and has not joined yet (GIL released while
// waiting), destroys the groups, and returns the failed outcomes of every join so far.
std::vector<WorkerOutcome> finish_driver(PyObject* driver);
// Whether each worker count the driver started ran pinned (cpu_pinning.h); complete once
// finish_driver has joined every group.
PinningRecord driver_pinning(PyObject* driver);

}  // namespace interpbench::py
