#pragma once
// How many workers a `_child` has running, kept where its supervisor can read it after the child
// died: a crash in one subinterpreter (or thread) takes down every worker of the process, and the
// report says how many (docs/design.md, "Fault model"). LiveWorkerBackend wraps the row's Backend
// and rewrites "<result file>.workers" on each start and join; the supervisor reads it with
// read_live_workers() when the child was killed.
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "backends/backend.h"

namespace interpbench {

struct LiveWorkers {
  std::size_t live = 0;          // started and not joined yet
  std::size_t started = 0;       // every worker started so far
  std::size_t last_group = 0;    // size of the last group started
  bool in_process = false;       // the workers share the child's process (gil "own"/"shared")
};

// "<result file>.workers": the sidecar's path for a result file.
std::filesystem::path live_workers_path(const std::filesystem::path& result_file);

// The sidecar as last written, or nullopt (the child died before its first start, or wrote none).
std::optional<LiveWorkers> read_live_workers(const std::filesystem::path& result_file);

class LiveWorkerBackend final : public Backend {
 public:
  // Creates (truncates) the sidecar next to result_file. If it can't be written the counting
  // goes on in memory (the report then lacks the count, nothing else).
  LiveWorkerBackend(std::unique_ptr<Backend> inner, const std::filesystem::path& result_file);
  ~LiveWorkerBackend() override;

  std::string_view name() const override { return inner_->name(); }
  std::string gil_mode() const override { return inner_->gil_mode(); }
  std::unique_ptr<WorkerGroup> start(const WorkloadRef& workload, std::size_t n,
                                     const ChannelOptions& options) override;
  void prepare(const WorkloadRef& workload) override { inner_->prepare(workload); }

  LiveWorkers counts() const;

  struct Counter;  // shared with the groups it counts

 private:
  std::unique_ptr<Backend> inner_;
  std::shared_ptr<Counter> counter_;
};

}  // namespace interpbench
