#include "reports/paired.h"

#include <limits>

#include <fmt/format.h>


namespace interpbench {

using json = nlohmann::json;

std::vector<double> round_values(const json& result) {
  std::vector<double> out;
  if (result.contains("rounds") && result["rounds"].is_object() &&
      result["rounds"].contains("values") && result["rounds"]["values"].is_array()) {
    for (const auto& v : result["rounds"]["values"])
      out.push_back(v.is_number() ? v.get<double>() : std::numeric_limits<double>::quiet_NaN());
    return out;
  }
  if (result.contains("repetition_means") && result["repetition_means"].is_array())
    for (const auto& v : result["repetition_means"])
      out.push_back(v.is_number() ? v.get<double>() : std::numeric_limits<double>::quiet_NaN());
  return out;
}

double round_figure(const json& result) {
  if (result.contains("rounds") && result["rounds"].is_object() &&
      result["rounds"].value("n", 0) > 0)
    return result["rounds"].value("median", 0.0);
  if (result.contains("summary") && result["summary"].is_object())
    return result["summary"].value("median", 0.0);
  return 0;
}

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
