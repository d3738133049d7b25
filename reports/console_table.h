#pragma once
// The console's short form, one table per workload (what `interpbench run` prints by default):
// a line per row, a column per variant (message size, worker count, result name), each cell the
// result's figure (the median over rounds, human units) and its paired ratio to the subinterp
// row, the median of per-round ratios with its 95% interval ("1.31 [1.22, 1.40]"), "~" before
// a ratio that is not significant (the interval holds 1, or too few rounds to reach 95%).
// A legend line under each table says what was timed, the rounds, and the markers used.
// A workload with more variants than fit in `width` columns shows its headline metric (objects:
// transfer; memory: USS) and an even spread of the rest, and says how many it left out.
#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include "core/report_model.h"

namespace interpbench {

inline constexpr std::size_t kConsoleWidth = 120;

// The table of one workload's rows (in run order; rows of other workloads are ignored). Prints
// nothing when no row has a measured (non-status) result.
void print_workload_table(const std::string& workload, const std::vector<report::Row>& rows,
                          std::ostream& out, std::size_t width = kConsoleWidth);

}  // namespace interpbench
