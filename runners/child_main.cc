#include "runners/child_main.h"

#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <exception>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "backends/backend.h"
#include "backends/child_result.h"
#include "backends/floor.h"
#include "backends/message_memory.h"
#include "backends/python/driver_host.h"
#include "reports/json_report.h"
#include "runners/child_request.h"
#include "runners/errors.h"

namespace interpbench {
namespace {

// The floor and memcpy rows have no Python: the result file is written here.
int floor_main(const ChildArgs& args, const nlohmann::json& params) {
  nlohmann::json result = empty_child_result(args.row, "floor", args.module, "none");
  int code = 0;
  try {
    const nlohmann::json floor =
        args.row == "memcpy" ? run_memcpy(args.module, params) : run_floor(args.module, params);
    if (floor.is_array()) {
      result["results"] = floor;
    } else if (floor.is_object()) {
      for (auto& [key, value] : floor.items()) result[key] = value;  // results, notes, skipped...
    }
  } catch (const std::exception& e) {
    result["error"] = e.what();
    code = 1;
  }
  write_json_file(result, args.result);
  return code;
}

}  // namespace

// A runner killed with SIGKILL can't kill our group: die with it, so no child outlives a run.
// (Our workers, in our group, notice the end of their channels or their parent.) False when the
// runner died before prctl took effect.
bool die_with_parent() {
  const pid_t parent = ::getppid();
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  return ::getppid() == parent;
}

int exec_tied_to_parent(int argc, char** argv) {
  if (argc < 1) {
    fmt::print(stderr, "interpbench: _exec needs a program\n");
    return 2;
  }
  if (!die_with_parent()) return 1;
  std::vector<char*> args(argv, argv + argc);
  args.push_back(nullptr);
  ::execv(args[0], args.data());
  fmt::print(stderr, "interpbench: cannot run '{}': {}\n", args[0], std::strerror(errno));
  return 127;
}

int child_main(const ChildArgs& args) {
  if (!die_with_parent()) return 1;
  keep_message_memory_mapped();  // the driver and in-process workers receive messages here

  const auto backends = backend_names();
  const bool cpp_only = args.row == "floor" || args.row == "memcpy";
  if (!cpp_only && std::find(backends.begin(), backends.end(), args.row) == backends.end()) {
    throw BadInput(fmt::format("_child: unknown row '{}' (valid: {}, floor, memcpy)", args.row, fmt::join(backends, ", ")));
  }
  nlohmann::json params;
  try {
    params = nlohmann::json::parse(args.params);
  } catch (const nlohmann::json::exception& e) {
    throw BadInput(fmt::format("_child: --params is not JSON: {}", e.what()));
  }
  if (!params.is_object()) throw BadInput("_child: --params must be a JSON object");
  if (cpp_only) return floor_main(args, params);

  ChildRequest request;
  request.row = args.row;
  request.workload = WorkloadRef{args.workload, args.module, args.params};
  request.options.shared_gil = args.shared_gil;
  request.result_file = args.result;
  request.timeout_s = args.timeout_s;
  return run_driver_host(request);
}

}  // namespace interpbench
