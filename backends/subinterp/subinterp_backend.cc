#include "backends/subinterp/subinterp_backend.h"

#include "backends/python/embed.h"
#include "backends/python/inproc_group.h"
#include "backends/python/worker_runner.h"

namespace interpbench {
namespace {

class SubinterpBackend final : public Backend {
 public:
  explicit SubinterpBackend(const BackendOptions& options)
      : mode_(options.shared_gil || !py::kHasPerInterpreterGil ? py::GilMode::kShared
                                                               : py::GilMode::kOwn),
        config_(options.legacy_config ? py::InterpConfig::kLegacy : py::InterpConfig::kIsolated) {}

  std::string_view name() const override { return "subinterp"; }
  std::string gil_mode() const override { return py::gil_mode_name(mode_); }

  std::unique_ptr<WorkerGroup> start(const WorkloadRef& workload, std::size_t n,
                                     const ChannelOptions& options) override {
    auto body = [mode = mode_, config = config_, workload](py::WorkerBinding binding) {
      binding.gil_shared_with_peer = mode == py::GilMode::kShared;
      try {
        py::SubInterpreter interp(mode, config);
        WorkerOutcome outcome;
        {
          py::SubInterpreter::Activate active(interp);
          outcome = py::run_worker_function(workload, binding);
        }
        return outcome;  // ~SubInterpreter ends the interpreter on this thread
      } catch (const std::exception& e) {
        binding.channels.from_worker->close();
        binding.channels.to_worker->close();
        return WorkerOutcome{binding.worker_id, false, e.what(), ""};
      }
    };
    return std::make_unique<InProcessWorkerGroup>(n, options, workload.pin, body);
  }

 private:
  py::GilMode mode_;
  py::InterpConfig config_;
};

}  // namespace

std::unique_ptr<Backend> make_subinterp_backend(const BackendOptions& options) {
  return std::make_unique<SubinterpBackend>(options);
}

}  // namespace interpbench
