#include "backends/thread/thread_backend.h"

#include "backends/python/embed.h"
#include "backends/python/inproc_group.h"
#include "backends/python/worker_runner.h"

namespace interpbench {
namespace {

// The imported workload module, shared by the group's threads; released under the GIL.
struct SharedModule {
  py::PyRef module;
  ~SharedModule() {
    // With an abandoned thread possibly still inside the module (or Python gone), leak it.
    if (py::abandoned_threads() > 0 || !Py_IsInitialized()) {
      (void)module.release();
      return;
    }
    py::GilAcquire gil;
    module.reset();
  }
};

// Workers are threads of the main interpreter and share the driver's GIL: a round trip includes
// two GIL hand-offs (see the GIL policy in backends/python/channel_type.cc and
// docs/performance.md), which is what this row is for.
class ThreadBackend final : public Backend {
 public:
  std::string_view name() const override { return "thread"; }
  std::string gil_mode() const override { return "shared"; }

  std::unique_ptr<WorkerGroup> start(const WorkloadRef& workload, std::size_t n,
                                     const ChannelOptions& options) override {
    auto shared = std::make_shared<SharedModule>();
    {
      py::GilAcquire gil;
      shared->module = py::import_workload(workload);  // throws PythonError: start() fails
    }
    auto body = [shared, workload](py::WorkerBinding binding) {
      binding.gil_shared_with_peer = true;  // the driver's GIL: the main interpreter's
      py::GilAcquire gil;  // a new thread state of the main interpreter, for this thread
      return py::run_worker_in_module(shared->module.get(), workload, binding,
                                      /*interpreter_wide=*/false);
    };
    return std::make_unique<InProcessWorkerGroup>(n, options, workload.pin, body);
  }
};

}  // namespace

std::unique_ptr<Backend> make_thread_backend(const BackendOptions&) {
  return std::make_unique<ThreadBackend>();
}

}  // namespace interpbench
