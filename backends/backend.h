#pragma once
// The Backend interface: start N workers that each run one workload file's worker(ch, params),
// give the driver a ChannelPair per worker, join them and return each worker's outcome (exception
// text, exit status or signal) instead of hiding it. Implementations: subinterp/, subprocess/,
// thread/; runners/ pick one by name through make_backend().
#include <sys/types.h>

#include <array>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backends/buffer_pool.h"
#include "backends/channel.h"
#include "backends/cpu_pinning.h"
#include "core/deadline.h"

namespace interpbench {

// The Python workload a worker runs: import `file` as module `module_name`, then call
// worker(ch, params) where params = json.loads(params_json).
//
// The driver host fills the prepared fields once, so a worker in a fresh interpreter neither reads
// and compiles the file nor imports json (together most of a subinterpreter's startup otherwise):
// `code` is marshal.dumps(compile(source, file, "exec")) and `params_marshal` marshal.dumps(params),
// both unmarshalled in the worker's interpreter. Empty: the worker reads, compiles and parses.
struct WorkloadRef {
  std::filesystem::path file;
  std::string module_name;
  std::string params_json = "{}";
  std::shared_ptr<const std::string> code;
  std::shared_ptr<const std::string> params_marshal;
  // The workload sets IMPORT_SITE = True: workers run `site` (site-packages on sys.path). Workers
  // skip it otherwise (the main interpreter is initialized without it, see embed.h).
  bool import_site = false;
  // params["pin"], parsed by whoever parses the params first (the driver host; an exec'd worker or
  // the zygote from --params): each worker pins itself with it before anything else.
  PinPlan pin;
};

struct ChannelOptions {
  std::size_t ring_bytes = 1 << 20;  // capacity of each direction's ring
};

// How one worker ended.
struct WorkerOutcome {
  std::size_t worker_id = 0;
  bool ok = true;
  std::string error;      // one line: "ValueError: boom", "killed by SIGSEGV", "exit status 3"
  std::string traceback;  // full Python traceback when there is one
  bool pin_failed = false;  // the plan gave it a CPU and the kernel refused: it ran unpinned
};

// Where a worker group's memory can be read: each worker's own process, or only the process
// that hosts them all (in-process backends; the driver measures the delta).
enum class MemoryScope { kPerWorkerProcess, kHostProcess };

class WorkerGroup {
 public:
  virtual ~WorkerGroup() = default;  // kills and joins whatever is still running; never hangs
  virtual std::size_t size() const = 0;
  virtual ChannelPair& channels(std::size_t worker) = 0;  // the driver's view
  virtual BufferPool& buffer_pool() = 0;                  // shared with the workers
  virtual MemoryScope memory_scope() const = 0;
  virtual std::vector<pid_t> worker_pids() const = 0;     // empty for in-process backends
  // Closes every to_worker channel (end of stream for the workers), waits for every worker until
  // the deadline, kills (processes) or abandons-and-reports (threads) the rest.
  virtual std::vector<WorkerOutcome> join(Deadline deadline) = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string_view name() const = 0;
  // "own" (a GIL per worker), "shared" (one GIL for all), "process" (a process per worker).
  virtual std::string gil_mode() const = 0;
  // Starts n workers; returns once they are launched (not once they are ready: startup is timed
  // to the first message). Called by the driver thread without holding the GIL.
  virtual std::unique_ptr<WorkerGroup> start(const WorkloadRef& workload, std::size_t n,
                                             const ChannelOptions& options) = 0;
  // Called once before the driver runs (outside every timed region), with the workload that
  // start() will get: what a backend sets up ahead (the subprocess zygote) happens here.
  virtual void prepare(const WorkloadRef& workload) { (void)workload; }
};

// How the subprocess backend starts a worker process (docs/design.md, "Start methods").
enum class StartMethod {
  kExec,    // posix_spawn of interpbench-worker
  kFork,    // fork of the driver's process, where that is safe (subprocess/fork_start.h)
  kZygote,  // fork by a pre-initialized worker process (subprocess/zygote.h)
};

// The start methods' names, in report order: the CLI's --start-method values and the row labels.
inline constexpr std::array<std::string_view, 3> kStartMethodNames = {"exec", "fork", "zygote"};

// "exec" -> kExec ...; nullopt for any other name.
inline std::optional<StartMethod> parse_start_method(std::string_view name) {
  for (std::size_t i = 0; i < kStartMethodNames.size(); ++i)
    if (name == kStartMethodNames[i]) return static_cast<StartMethod>(i);
  return std::nullopt;
}

struct BackendOptions {
  bool shared_gil = false;     // subinterp only: PyInterpreterConfig.gil = SHARED
  bool legacy_config = false;  // subinterp only: _PyInterpreterConfig_LEGACY_INIT's settings
  StartMethod start_method = StartMethod::kExec;  // subprocess only
};

std::unique_ptr<Backend> make_backend(std::string_view name, const BackendOptions& options = {});
std::vector<std::string> backend_names();  // "subinterp", "subprocess", "thread"

}  // namespace interpbench
