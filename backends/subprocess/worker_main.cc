// interpbench-worker: one subprocess-backend worker (exec start method), or with --zygote the
// zygote that forks them (zygote.h). A worker attaches to the group's shared-memory channels and
// buffer pool, embeds CPython, runs the workload's worker(ch, params), reports how it went, exits.
// Started only by the subprocess backend (subprocess_backend.h has the protocol).
//
// Exit codes: 0 ok; 1 Python (or attach) error, reported on stderr as the traceback followed by
// "interpbench-worker-error: Type: message"; 2 bad arguments; 3 the driver died.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <cstdio>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>

#include "backends/message_memory.h"
#include "backends/python/embed.h"
#include "backends/subprocess/subprocess_backend.h"
#include "backends/subprocess/worker_process.h"
#include "backends/subprocess/zygote.h"

namespace interpbench {
namespace {

struct Arguments {
  WorkerSlot slot;
  std::string workload, module, params = "{}";
  bool import_site = false;
  bool zygote = false;
  pid_t parent_pid = 0;
};

int run(const Arguments& args) {
  // Shared memory first, Python second: the interpreter (and every Python object holding a
  // channel or a pool buffer) is finalized before the mappings go.
  std::optional<AttachedGroup> group;
  try {
    group.emplace(attach_group(args.slot));
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "interpbench-worker: %s\n", e.what());
    return kWorkerExitBadArguments;
  }
  py::MainInterpreter interpreter(/*import_site=*/false);  // the workload asks (IMPORT_SITE)
  WorkloadRef ref{args.workload, args.module, args.params};
  ref.import_site = args.import_site;
  // The constructing thread holds the main GIL, as run_attached_worker needs.
  return run_attached_worker(*group, args.slot, ref);
}

}  // namespace
}  // namespace interpbench

int main(int argc, char** argv) {
  using namespace interpbench;
  keep_message_memory_mapped();
  Arguments args;
  CLI::App app{"interpbench-worker: one worker process of the subprocess backend"};
  app.add_flag("--zygote", args.zygote, "be the zygote: fork workers on request (fd 3)");
  auto* channels = app.add_option("--channels", args.slot.channels, "channel-set segment name");
  app.add_option("--pool", args.slot.pool, "buffer-pool segment name");
  auto* id = app.add_option("--worker-id", args.slot.worker_id);
  auto* count = app.add_option("--worker-count", args.slot.worker_count)->check(CLI::PositiveNumber);
  app.add_option("--workload", args.workload, "workload file")->required();
  app.add_option("--module", args.module, "module name to import it as");
  app.add_option("--params", args.params, "params as JSON");
  app.add_flag("--import-site", args.import_site, "run `site` first (the workload's IMPORT_SITE)");
  app.add_option("--parent-pid", args.parent_pid, "the driver's pid")->required();
  try {
    app.parse(argc, argv);
    if (!args.zygote && (channels->count() == 0 || id->count() == 0 || count->count() == 0)) {
      throw CLI::RequiredError("--channels, --worker-id and --worker-count");
    }
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "interpbench-worker: %s\n", e.what());
    return kWorkerExitBadArguments;
  }
  // Bad JSON leaves the plan off; the worker's own parse of the params reports it.
  const PinPlan pin =
      pin_plan(nlohmann::json::parse(args.params, nullptr, /*allow_exceptions=*/false));
  if (args.zygote) {
    WorkloadRef ref{args.workload, args.module, args.params};
    ref.import_site = args.import_site;
    ref.pin = pin;  // for the workers it forks; the zygote itself stays where it started
    return zygote_main(ref, args.parent_pid);
  }
  // Before Python starts: spawned by the driver's thread, we run on its CPU until now.
  pin_worker_process(pin, args.slot);
  if (!watch_parent(args.parent_pid)) {
    std::fprintf(stderr, "interpbench-worker: driver process %d is gone\n",
                 static_cast<int>(args.parent_pid));
    return kWorkerExitParentDied;
  }
  try {
    return run(args);
  } catch (const std::exception& e) {
    report_error(e.what(), "");
    return kWorkerExitPythonError;
  }
}
