#include "backends/python/inproc_group.h"

#include <cmath>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>

#include "backends/inproc_channel.h"

namespace interpbench {

struct InProcessWorkerGroup::Slot {
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  WorkerOutcome outcome;

  void finish(WorkerOutcome o) {
    std::lock_guard<std::mutex> lock(mutex);
    outcome = std::move(o);
    done = true;
    done_cv.notify_all();
  }
  bool wait(std::optional<Clock::time_point> until) {
    std::unique_lock<std::mutex> lock(mutex);
    if (!until) {
      done_cv.wait(lock, [&] { return done; });
      return true;
    }
    return done_cv.wait_until(lock, *until, [&] { return done; });
  }
};

InProcessWorkerGroup::InProcessWorkerGroup(std::size_t n, const ChannelOptions& options,
                                           const PinPlan& pin, Body body)
    : pool_(std::make_shared<HeapBufferPool>()) {
  pairs_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) pairs_.push_back(make_inproc_channel_pair(options.ring_bytes));
  std::shared_ptr<BufferPool> pool = pool_;
  for (std::size_t i = 0; i < n; ++i) {
    auto slot = std::make_shared<Slot>();
    slots_.push_back(slot);
    py::WorkerBinding binding{pairs_[i], pool, i, n};
    // The thread owns copies of everything it touches, so a detached thread stays valid.
    threads_.emplace_back([slot, body, binding, pin] {
      const bool pinned = pin_worker_thread(pin, binding.worker_id, binding.worker_count);
      WorkerOutcome outcome = body(binding);
      outcome.pin_failed = pin.pins(binding.worker_count) && !pinned;
      slot->finish(std::move(outcome));
    });
  }
}

InProcessWorkerGroup::~InProcessWorkerGroup() {
  if (!joined_) join(Deadline::after(kDestructorTimeout));
}

std::vector<WorkerOutcome> InProcessWorkerGroup::join(Deadline deadline) {
  joined_ = true;
  std::optional<std::chrono::nanoseconds> budget = deadline.remaining();
  for (ChannelPair& p : pairs_) p.to_worker->close();
  std::vector<WorkerOutcome> outcomes;
  for (std::size_t i = 0; i < threads_.size(); ++i) {
    Slot& slot = *slots_[i];
    bool done = slot.wait(deadline.when());
    if (!done) {
      pairs_[i].from_worker->close();
      done = slot.wait(Clock::now() + kGrace);
    }
    if (done) {
      if (threads_[i].joinable()) threads_[i].join();
      outcomes.push_back(slot.outcome);
      continue;
    }
    threads_[i].detach();
    py::note_abandoned_thread();
    double seconds = budget ? std::chrono::duration<double>(*budget).count() : 0;
    char text[64];
    std::snprintf(text, sizeof text, "did not finish within %gs", std::round(seconds * 10) / 10);
    outcomes.push_back(WorkerOutcome{i, false, text, ""});
  }
  return outcomes;
}

}  // namespace interpbench
