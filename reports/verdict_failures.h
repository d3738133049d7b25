#pragma once
// The verdict's "Failures": crashed rows (the same error on many rows said once) and rows whose
// workers failed while the driver survived. Findings first, then the lines that render them.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/report_model.h"

namespace interpbench {

// A crashed row or a row with failed workers.
struct FailureFinding {
  const report::Row* row = nullptr;
  bool crashed = false;     // else: worker errors only
  bool signalled = false;   // killed by a signal
  bool in_process = false;  // every worker lived in the child's one process
};

std::vector<FailureFinding> failure_findings(const report::Run& run);

// Appends a "crash" / "worker_error" finding per failure to `findings`, and the lines.
void render_failures(const std::vector<FailureFinding>& failures, nlohmann::json& findings,
                     std::vector<std::string>& lines);

}  // namespace interpbench
