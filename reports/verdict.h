#pragma once
// The verdict: what this run's figures say, built from them only (no canned numbers). Per
// workload and variant, which row wins and by how much; then the answer to "why not
// subprocesses?": where subprocess (shared memory) matches subinterp and where it doesn't, how
// much of the object-passing cost is the codec rather than the channel, and what subprocesses
// cost in startup, memory and scaling. Every finding carries the numbers and result names it
// uses, so a reader (or a test) can check them against the results.
#include <nlohmann/json.hpp>

#include "core/report_model.h"
#include "reports/verdict_findings.h"  // the findings as data, kMatchWithin

namespace interpbench {

// The findings rendered: {"findings": [...], "lines": ["...", ...]} (docs/json-schema.md).
nlohmann::json make_verdict(const report::Run& run);

}  // namespace interpbench
