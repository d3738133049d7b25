#pragma once
// The run JSON (docs/json-schema.md): a valid Google Benchmark report (`context`, `benchmarks`)
// plus an `interpbench` section with the full detail. Everything downstream of a run (console
// table, verdict, compare, plots) reads this JSON, so a saved file can be re-reported.
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "core/report_model.h"  // load_report, kReportSchemaVersion
#include "core/run_model.h"

namespace interpbench {

// Builds the whole report, verdict included, from the run's raw samples.
nlohmann::json make_json_report(const Run& run);

// The name a result has in `benchmarks` and in compare: "<result name>/<metric>/<row>", without
// "/<metric>" when the metric already is a '/'-separated part of the result name.
std::string benchmark_name(const std::string& result_name, const std::string& metric,
                           const std::string& row);

// Writes `report` to `path` through a temporary file and a rename, so a failed or interrupted
// write never leaves half a file. Throws BadInput "cannot write '<path>': <reason>".
void write_json_file(const nlohmann::json& report, const std::filesystem::path& path);

}  // namespace interpbench
