#include "reports/bmf_export.h"

#include <algorithm>
#include <cmath>

#include "core/round_statistics.h"
#include "reports/json_report.h"

namespace interpbench {

std::optional<BmfMeasure> bmf_measure(const std::string& unit) {
  // latency and throughput are the Measures every Bencher project has (nanoseconds and
  // operations / second); the others are custom slugs, created by Bencher on first use.
  if (unit == "ns") return BmfMeasure{"latency", 1};
  if (unit == "items/s") return BmfMeasure{"throughput", 1};
  if (unit == "B/s") return BmfMeasure{"throughput-bytes", 1};
  if (unit == "KiB") return BmfMeasure{"memory", 1024};
  if (unit == "B") return BmfMeasure{"memory", 1};
  return std::nullopt;
}

nlohmann::json export_bmf(const report::Run& run) {
  nlohmann::json out = nlohmann::json::object();
  for (const report::Row& row : run.rows) {
    if (row.error || !row.worker_errors.empty()) continue;
    for (const report::Result& r : row.results) {
      const auto measure = bmf_measure(r.unit);
      if (r.is_status() || !measure || !std::isfinite(r.figure)) continue;
      const MedianInterval mi = median_interval(r.by_round);
      const double value = r.figure;
      const double low = mi.n ? std::min(mi.low, value) : value;
      const double high = mi.n ? std::max(mi.high, value) : value;
      const std::string name =
          r.benchmark_name.empty() ? benchmark_name(r.name, r.metric, row.row) : r.benchmark_name;
      out[name][std::string(measure->slug)] = {{"value", value * measure->scale},
                                               {"lower_value", low * measure->scale},
                                               {"upper_value", high * measure->scale}};
    }
  }
  return out;
}

}  // namespace interpbench
