#pragma once
// Comparisons between two rows of one run, paired by round (docs/design.md, "Rounds"): every
// comparison the reports make (console summaries, verdict, targets, headline ratios) goes
// through here, so that each is the median of per-round ratios with its 95% interval, never a
// ratio of two means measured minutes apart.
#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/round_statistics.h"

namespace interpbench {

// The estimate of b / a from that of a / b (the interval's ends swap).
RatioEstimate inverted(const RatioEstimate& r);

// "1.31 [1.22, 1.40]": a ratio and its interval, three significant figures.
std::string format_ratio_interval(const RatioEstimate& r);

// The estimate as JSON: ratio, low, high, coverage, rounds, significant, p_value.
nlohmann::json ratio_json(const RatioEstimate& r);

}  // namespace interpbench
