#pragma once
// Run-wide calibration: a workload may define `calibrate_run(params) -> dict`; the runner calls it
// once per run, with the real Python, and gives the dict to every row's child of that workload.
// That way every row does the same amount of work (e.g. taskfarm's loops per microsecond), instead
// of each child calibrating under whatever load the machine had at that moment.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace interpbench {

// The dict `calibrate_run(params)` returns, or an empty object when the file defines none.
// Throws RunFailed when the calibration fails or takes longer than `limit_s` (the run's wall
// limit of a child of that workload): "timed out after N s".
nlohmann::json calibrate_workload(const std::filesystem::path& file,
                                  const std::filesystem::path& python,
                                  const nlohmann::json& params, double limit_s = 60);

// A calibration that probes several times reports its slowest probe beside the figure it took, as
// KEY and KEY_slowest_probe (taskfarm: the fastest of 10 probes, docs/design.md). One warning per
// figure whose probes are more than 10% apart: the machine changed speed while calibrating.
// `calibrations` is the run's options.calibration: {workload: {key: value}}.
std::vector<std::string> calibration_warnings(const nlohmann::json& calibrations);

}  // namespace interpbench
