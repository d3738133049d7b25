#include "reports/paired.h"

#include <fmt/format.h>


namespace interpbench {

using json = nlohmann::json;

RatioEstimate inverted(const RatioEstimate& r) {
  RatioEstimate out = r;
  if (r.ratio > 0) out.ratio = 1 / r.ratio;
  if (r.high > 0) out.low = 1 / r.high;
  if (r.low > 0) out.high = 1 / r.low;
  return out;
}

std::string format_ratio_interval(const RatioEstimate& r) {
  // Three significant figures below 1 (0.0123), else as format_ratio: two decimals below 10,
  // one below 100, none above.
  auto f = [](double x) {
    if (x < 1) return fmt::format("{:#.3g}", x);
    const int decimals = x < 10 ? 2 : x < 100 ? 1 : 0;
    return fmt::format("{:.{}f}", x, decimals);
  };
  return fmt::format("{} [{}, {}]", f(r.ratio), f(r.low), f(r.high));
}

json ratio_json(const RatioEstimate& r) {
  return {{"ratio", r.ratio},         {"low", r.low},
          {"high", r.high},           {"coverage", r.coverage},
          {"rounds", r.n},            {"reaches_level", r.reaches_level},
          {"significant", r.significant}, {"p_value", r.p_value}};
}

}  // namespace interpbench
