#pragma once
// Bencher Metric Format (BMF) JSON of a run, for `interpbench run --format bmf` and
// `interpbench report RUN.json --out DIR --format bmf` (docs/json-schema.md, "BMF export";
// docs/ci.md, "Bencher"). BMF as Bencher documents it (https://bencher.dev/docs/reference/
// bencher-metric-format, schema https://bencher.dev/bmf.json):
//   { "<benchmark>": { "<measure slug>": { "value": n, "lower_value": n, "upper_value": n } } }
// value is required, lower_value and upper_value optional; every one a JSON number.
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/report_model.h"

namespace interpbench {

// The measure a result unit is exported under, and the factor its figures are multiplied by.
struct BmfMeasure {
  std::string_view slug;  // "latency", "throughput", "throughput-bytes", "memory"
  double scale = 1;       // KiB -> bytes: 1024
};
// nullopt for a unit BMF export leaves out (none of the units the workloads report today).
std::optional<BmfMeasure> bmf_measure(const std::string& unit);

// One benchmark per measured result, named as in `benchmarks` (the result's benchmark_name,
// e.g. "pingpong/8/round_trip/subinterp"), with one measure:
//   value       = the result's figure (the median over rounds),
//   lower/upper = the 95% order-statistic interval of that median from its per-round values
//                 (median_interval, core/round_statistics.h), widened to include value when the
//                 figure is not the rounds' median (a report from before rounds).
// Left out: outcomes (extcompat's status results), every result of a row with an error or with
// worker errors, results whose unit has no measure, and non-finite figures.
nlohmann::json export_bmf(const report::Run& run);

}  // namespace interpbench
