#include "runners/calibration.h"

#include <fmt/format.h>

#include <chrono>
#include <system_error>

#include "platform/run_captured.h"
#include "core/deadline.h"
#include "core/errors.h"
#include "core/human_units.h"

namespace interpbench {
namespace {

// Imports the workload by path (as the children do) and prints calibrate_run(params) as JSON.
constexpr const char* kCalibrateScript = R"PY(
import importlib.util, json, os, sys
path, params = sys.argv[1], json.loads(sys.argv[2])
# On one CPU: a VM's vCPUs run pure Python in two speed modes, and an unpinned process is often in
# the slow one. Pinned, every run of a build calibrates the same (unpinned, three default runs
# gave taskfarm 9998, 5452 and 6017 loops for 1 ms: a task did 1.8x the work in one run).
try:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
except (AttributeError, OSError, ValueError):
    pass
sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(path))[0], path)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
calibrate = getattr(module, "calibrate_run", None)
print(json.dumps(calibrate(params) if calibrate else {}))
)PY";

}  // namespace

nlohmann::json calibrate_workload(const std::filesystem::path& file,
                                  const std::filesystem::path& python,
                                  const nlohmann::json& params, double limit_s) {
  SpawnOptions spawn;
  spawn.executable = python;
  spawn.args = {"-I", "-c", kCalibrateScript, file.string(), params.dump()};
  spawn.stdout_mode = SpawnOptions::Output::kCapture;
  Captured child;
  try {
    child = run_captured(std::move(spawn), std::chrono::duration_cast<std::chrono::milliseconds>(
                                               Deadline::saturating_ns(std::chrono::duration<double>(limit_s))));
  } catch (const std::system_error& e) {
    throw RunFailed(fmt::format("cannot run '{}' to calibrate '{}': {}", python.string(),
                                file.string(), e.what()));
  }
  if (child.timed_out) {
    throw RunFailed(fmt::format("calibrating workload '{}' timed out after {} (calibrate_run; the "
                                "wall limit, --wall-limit)", file.string(), format_seconds(limit_s)));
  }
  if (!child.status.success()) {
    throw RunFailed(fmt::format("calibrating workload '{}' failed ({}): {}", file.string(),
                                child.status.describe(), last_line(child.stderr_tail)));
  }
  auto result = nlohmann::json::parse(child.out, nullptr, /*allow_exceptions=*/false);
  if (!result.is_object()) {
    throw RunFailed(fmt::format("calibrate_run of workload '{}' did not return a dict", file.string()));
  }
  return result;
}

std::vector<std::string> calibration_warnings(const nlohmann::json& calibrations) {
  constexpr const char* kSuffix = "_slowest_probe";
  std::vector<std::string> out;
  if (!calibrations.is_object()) return out;
  for (const auto& [workload, figures] : calibrations.items()) {
    if (!figures.is_object()) continue;
    for (const auto& [key, value] : figures.items()) {
      const auto slowest = figures.find(key + kSuffix);
      if (slowest == figures.end() || !value.is_number() || !slowest->is_number()) continue;
      const double taken = value.get<double>(), low = slowest->get<double>();
      if (!(low > 0) || taken / low <= 1.10) continue;
      out.push_back(fmt::format(
          "calibration: {}'s {} probes ranged {:.3g}-{:.3g} ({:.2f}x apart): the machine changed "
          "speed while calibrating; the run uses the fastest, {:.3g}; fix: an idle machine, or "
          "compare runs whose calibrations agree (options.calibration in the JSON)",
          workload, key, low, taken, taken / low, taken));
    }
  }
  return out;
}

}  // namespace interpbench
