#pragma once
// Exports of a run report for spreadsheets (CSV) and PR comments (Markdown): one line per
// result with row, workload, name, metric, unit, n, mean, stddev, median, p99.
// Used by `interpbench run --format csv|md` and `interpbench report --format csv|md`.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace interpbench {

// RFC 4180 CSV with a header line; figures in the result's own unit, full precision.
std::string export_csv(const nlohmann::json& report);
// Several runs in one table: a leading `run` column holds each run's label.
std::string export_csv(const std::vector<std::pair<std::string, const nlohmann::json*>>& runs);

// A Markdown table, figures with human units (1.83 µs), then one line per failed or skipped row.
std::string export_md(const nlohmann::json& report);

}  // namespace interpbench
