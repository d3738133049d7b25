#include "runners/child_main.h"

#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "backends/backend.h"
#include "backends/child_result.h"
#include "backends/cpu_pinning.h"
#include "backends/floor.h"
#include "backends/message_memory.h"
#include "backends/python/bare_interp.h"
#include "backends/python/driver_host.h"
#include "backends/python/embed.h"
#include "reports/json_report.h"
#include "backends/child_request.h"
#include "core/errors.h"
#include "core/row_catalogue.h"
#include "runners/subinterp_modes.h"

namespace interpbench {
namespace {

// The floor and memcpy rows have no Python: the result file is written here.
int floor_main(const ChildArgs& args, const nlohmann::json& params) {
  nlohmann::json result = empty_child_result(args.row, "floor", args.module, "none");
  result["pinning"] = PinningRecord(pin_plan(params)).to_json();  // the row's own replaces it
  int code = 0;
  try {
    const nlohmann::json floor =
        args.row == "memcpy"       ? run_memcpy(args.module, params)
        : args.row == "floor-line" ? run_floor_line(args.module, params)
                                   : run_floor(args.module, params);
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

// The bare-interp row embeds CPython itself (backends/python/bare_interp.h).
int bare_interp_main(const ChildArgs& args, const nlohmann::json& params) {
  nlohmann::json result;
  int code = 0;
  try {
    result = run_bare_interp(args.module, params, args.shared_gil);
  } catch (const std::exception& e) {
    result = empty_child_result("bare-interp", "baseline", args.module, nullptr);
    result["pinning"] = PinningRecord(pin_plan(params)).to_json();
    result["error"] = e.what();
    code = 1;
  }
  write_json_file(result, args.result);
  if (py::abandoned_threads() > 0) {
    // An interpreter thread never signalled: don't run static destructors under it.
    std::fflush(nullptr);
    std::_Exit(code);
  }
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

  // Every row but the reference rows (runners/reference/ runs those).
  std::vector<std::string> valid;
  for (const RowInfo& r : row_catalogue())
    if (r.kind != RowKind::kReference) valid.emplace_back(r.name);
  if (std::find(valid.begin(), valid.end(), args.row) == valid.end()) {
    throw BadInput(fmt::format("_child: unknown row '{}' (valid: {})", args.row, fmt::join(valid, ", ")));
  }
  const RowInfo& row = *find_row(args.row);
  nlohmann::json params;
  try {
    params = nlohmann::json::parse(args.params);
  } catch (const nlohmann::json::exception& e) {
    throw BadInput(fmt::format("_child: --params is not JSON: {}", e.what()));
  }
  if (!params.is_object()) throw BadInput("_child: --params must be a JSON object");
  if (row.kind == RowKind::kFloor) return floor_main(args, params);
  if (row.kind == RowKind::kBaseline) return bare_interp_main(args, params);

  ChildRequest request;
  request.row = args.row;
  request.workload = WorkloadRef{args.workload, args.module, args.params};
  request.options.shared_gil = args.shared_gil;
  const auto method = parse_start_method(args.start_method.empty() ? "exec" : args.start_method);
  if (!method) {
    throw BadInput(fmt::format("_child: bad --start-method '{}' (valid: {})", args.start_method,
                               fmt::join(kStartMethodNames, ", ")));
  }
  request.options.start_method = *method;
  if (request.options.start_method != StartMethod::kExec) request.label = args.row + "-" + args.start_method;
  if (!args.start_method.empty() && row.methods != RowMethods::kStartMethods) {
    throw BadInput(fmt::format("_child: --start-method is for the subprocess row, not '{}'", args.row));
  }
  if (row.methods == RowMethods::kSubinterpModes) {
    const SubinterpMode mode = subinterp_mode(args.shared_gil && args.mode.empty() ? "shared" : args.mode);
    request.options.shared_gil = mode.gil == "shared";
    request.options.legacy_config = mode.config == "legacy";
    if (!mode.method.empty()) request.label = args.row + "-" + mode.method;
  } else if (!args.mode.empty()) {
    throw BadInput(fmt::format("_child: --mode is for the subinterp row, not '{}'", args.row));
  }
  request.result_file = args.result;
  request.timeout_s = args.timeout_s;
  return run_driver_host(request);
}

}  // namespace interpbench
