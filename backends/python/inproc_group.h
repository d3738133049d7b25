#pragma once
// A WorkerGroup whose workers are std::threads of this process (thread and subinterp backends):
// in-process channels, one heap buffer pool, memory measured on the host process.
//
// join(deadline) closes every to_worker channel (end of stream for the workers) and waits for
// each thread until the deadline; a worker still running then also gets its from_worker channel
// closed (a send blocked on a full ring wakes up) and a short grace period. A thread that still
// does not finish is detached and reported as "did not finish within Ns": threads can't be killed,
// so the hosting process must end without finalizing Python (py::note_abandoned_thread) and its
// supervisor kills it if it doesn't. join never hangs past deadline + grace.
#include <chrono>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "backends/backend.h"
#include "backends/heap_buffer_pool.h"
#include "backends/python/module.h"

namespace interpbench {

class InProcessWorkerGroup final : public WorkerGroup {
 public:
  // Runs on each worker's own thread; must not throw (errors go into the outcome).
  using Body = std::function<WorkerOutcome(const py::WorkerBinding&)>;
  static constexpr std::chrono::milliseconds kGrace{200};
  static constexpr std::chrono::seconds kDestructorTimeout{10};

  // Each worker thread first places itself as `pin` says (cpu_pinning.h): it was created by the
  // driver's thread and inherited its mask.
  InProcessWorkerGroup(std::size_t n, const ChannelOptions& options, const PinPlan& pin, Body body);
  ~InProcessWorkerGroup() override;  // joins (kDestructorTimeout) unless join() already ran

  std::size_t size() const override { return pairs_.size(); }
  ChannelPair& channels(std::size_t worker) override { return pairs_.at(worker); }
  BufferPool& buffer_pool() override { return *pool_; }
  MemoryScope memory_scope() const override { return MemoryScope::kHostProcess; }
  std::vector<pid_t> worker_pids() const override { return {}; }
  std::vector<WorkerOutcome> join(Deadline deadline) override;

 private:
  struct Slot;  // one worker's result, handed from its thread to join()
  std::vector<ChannelPair> pairs_;
  std::shared_ptr<HeapBufferPool> pool_;
  std::vector<std::shared_ptr<Slot>> slots_;
  std::vector<std::thread> threads_;
  bool joined_ = false;
};

}  // namespace interpbench
