#include "reports/verdict_failures.h"

#include <map>

#include <fmt/format.h>

#include "core/row_catalogue.h"
#include "reports/verdict_text.h"

namespace interpbench {
namespace {

using json = nlohmann::json;

// A crash took down the driver and every worker together: the row says its workers share the
// driver's GIL or own one in its process, or (an older report without "gil") the catalogue says so.
bool crash_takes_all(const report::Row& row) {
  if (row.gil == "own" || row.gil == "shared") return true;
  return row.gil.empty() && runs_in_one_process(row.row);
}

}  // namespace

std::vector<FailureFinding> failure_findings(const report::Run& run) {
  std::vector<FailureFinding> out;
  for (const auto& row : run.rows) {
    if (row.error)
      out.push_back({&row, true, !row.signal.empty(), crash_takes_all(row)});
    else if (!row.worker_errors.empty())
      out.push_back({&row, false, false, false});
  }
  return out;
}

void render_failures(const std::vector<FailureFinding>& failures, json& findings,
                     std::vector<std::string>& lines) {
  // The same error on many rows (a missing component, a broken Python) is said once.
  std::vector<std::string> error_order;
  std::map<std::string, std::vector<std::string>> where;
  for (const FailureFinding& f : failures) {
    const report::Row& row = *f.row;
    if (f.crashed) {
      const std::string& error = *row.error;
      findings.push_back({{"kind", "crash"}, {"rows", {row.row}}, {"workload", row.workload},
                          {"error", error}, {"signalled", f.signalled}, {"in_process", f.in_process},
                          {"results", json::array()}, {"numbers", json::object()}});
      std::string text = error;
      // The supervisor's text usually says who went down already ("took down all 2 workers").
      if (f.signalled && f.in_process && error.rfind("killed by", 0) == 0 &&
          error.find("took down") == std::string::npos && error.find("no worker") == std::string::npos)
        text += " (all of its workers share that process and went down with it)";
      if (!where.count(text)) error_order.push_back(text);
      where[text].push_back(row.row + " on " + row.workload);
    } else {
      const report::WorkerError& first = row.worker_errors[0];
      findings.push_back({{"kind", "worker_error"}, {"rows", {row.row}}, {"workload", row.workload},
                          {"error", first.error}, {"count", row.worker_errors.size()},
                          {"results", json::array()}, {"numbers", json::object()}});
      lines.push_back(fmt::format("  {} on {}: {} worker(s) failed (first: worker {}: {}); the "
                                  "driver and the row survived",
                                  row.row, row.workload, row.worker_errors.size(), first.worker,
                                  first.error));
    }
  }
  for (const auto& text : error_order) {
    const auto& rows = where[text];
    if (rows.size() == 1)
      lines.push_back(fmt::format("  {}: {}", rows[0], text));
    else
      lines.push_back(fmt::format("  {} rows: {} ({})", rows.size(), text, list_some(rows, 6, ", ")));
  }
}

}  // namespace interpbench
