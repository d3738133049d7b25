#include "backends/live_workers.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <mutex>

#include "platform/fd.h"

namespace interpbench {

struct LiveWorkerBackend::Counter {
  std::mutex mutex;
  LiveWorkers counts;  // guarded by mutex
  Fd fd;

  // One fixed-width pwrite at offset 0: cheap inside a timed ctx.start() (a few µs next to a
  // worker's milliseconds of startup), and a reader never sees a shorter, stale tail.
  void write_locked() {
    if (!fd) return;
    char line[96];
    const int n = std::snprintf(line, sizeof line, "%10zu %10zu %10zu %d\n", counts.live,
                                counts.started, counts.last_group, counts.in_process ? 1 : 0);
    if (n > 0) [[maybe_unused]] auto w = ::pwrite(fd.get(), line, static_cast<std::size_t>(n), 0);
  }
  void add(std::size_t n) {
    std::lock_guard<std::mutex> lock(mutex);
    counts.live += n;
    counts.started += n;
    counts.last_group = n;
    write_locked();
  }
  void remove(std::size_t n) {
    std::lock_guard<std::mutex> lock(mutex);
    counts.live -= std::min(n, counts.live);
    write_locked();
  }
};

namespace {

// Forwards to the real group; counts its workers out once they are joined (or torn down).
class CountedGroup final : public WorkerGroup {
 public:
  CountedGroup(std::unique_ptr<WorkerGroup> inner, std::shared_ptr<LiveWorkerBackend::Counter> c)
      : inner_(std::move(inner)), counter_(std::move(c)) {
    counter_->add(inner_->size());
  }
  ~CountedGroup() override {
    inner_.reset();  // joins or kills whatever still runs
    if (!counted_out_) counter_->remove(size_);
  }
  std::size_t size() const override { return size_; }
  ChannelPair& channels(std::size_t worker) override { return inner_->channels(worker); }
  BufferPool& buffer_pool() override { return inner_->buffer_pool(); }
  MemoryScope memory_scope() const override { return inner_->memory_scope(); }
  std::vector<pid_t> worker_pids() const override { return inner_->worker_pids(); }
  std::vector<WorkerOutcome> join(Deadline deadline) override {
    auto outcomes = inner_->join(deadline);
    if (!counted_out_) counter_->remove(size_);
    counted_out_ = true;
    return outcomes;
  }

 private:
  std::unique_ptr<WorkerGroup> inner_;
  std::shared_ptr<LiveWorkerBackend::Counter> counter_;
  std::size_t size_ = inner_->size();
  bool counted_out_ = false;
};

}  // namespace

std::filesystem::path live_workers_path(const std::filesystem::path& result_file) {
  std::filesystem::path p = result_file;
  p += ".workers";
  return p;
}

std::optional<LiveWorkers> read_live_workers(const std::filesystem::path& result_file) {
  std::ifstream in(live_workers_path(result_file));
  LiveWorkers w;
  int in_process = 0;
  if (!(in >> w.live >> w.started >> w.last_group >> in_process)) return std::nullopt;
  w.in_process = in_process != 0;
  return w;
}

LiveWorkerBackend::LiveWorkerBackend(std::unique_ptr<Backend> inner,
                                     const std::filesystem::path& result_file)
    : inner_(std::move(inner)), counter_(std::make_shared<Counter>()) {
  counter_->counts.in_process = inner_->gil_mode() != "process";
  counter_->fd.reset(::open(live_workers_path(result_file).c_str(),
                            O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  std::lock_guard<std::mutex> lock(counter_->mutex);
  counter_->write_locked();
}

LiveWorkerBackend::~LiveWorkerBackend() {
  std::lock_guard<std::mutex> lock(counter_->mutex);
  counter_->fd.reset();
}

std::unique_ptr<WorkerGroup> LiveWorkerBackend::start(const WorkloadRef& workload, std::size_t n,
                                                      const ChannelOptions& options) {
  return std::make_unique<CountedGroup>(inner_->start(workload, n, options), counter_);
}

LiveWorkers LiveWorkerBackend::counts() const {
  std::lock_guard<std::mutex> lock(counter_->mutex);
  return counter_->counts;
}

}  // namespace interpbench
