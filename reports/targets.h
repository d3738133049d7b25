#pragma once
// The speed targets of docs/performance.md (P1-P5), computed from one run's own figures: each is
// a ratio of two rows measured in the same run (ours against a reference or the hardware floor),
// so it survives a slower or faster machine. A target whose rows the run did not measure says
// which one is missing instead of guessing. These are goals for a benchmark, shown in the
// report; nothing fails on them.
#include <nlohmann/json.hpp>

#include "core/report_model.h"

namespace interpbench {

// Returns {"statistic": ..., "targets": [...], "lines": [...]} (docs/json-schema.md, "targets").
nlohmann::json make_targets(const report::Run& run);

}  // namespace interpbench
