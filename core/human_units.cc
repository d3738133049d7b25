#include "core/human_units.h"

#include <cmath>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace interpbench {
namespace {

struct Scale {
  double divisor;
  std::string suffix;
};

Scale scale_for(double value, const std::string& unit) {
  const double v = std::fabs(value);
  if (unit == "ns") {
    if (v >= 1e9) return {1e9, "s"};
    if (v >= 1e6) return {1e6, "ms"};
    if (v >= 1e3) return {1e3, "µs"};
    return {1, "ns"};
  }
  if (unit == "KiB" || unit == "B") {
    double bytes_per_unit = unit == "KiB" ? 1024 : 1;
    const double b = v * bytes_per_unit;
    if (b >= 1024.0 * 1024 * 1024) return {1024.0 * 1024 * 1024 / bytes_per_unit, "GiB"};
    if (b >= 1024.0 * 1024) return {1024.0 * 1024 / bytes_per_unit, "MiB"};
    if (b >= 1024.0) return {1024.0 / bytes_per_unit, "KiB"};
    return {1 / bytes_per_unit, "B"};
  }
  if (unit == "B/s") {  // decimal, as throughput is usually quoted
    if (v >= 1e9) return {1e9, "GB/s"};
    if (v >= 1e6) return {1e6, "MB/s"};
    if (v >= 1e3) return {1e3, "kB/s"};
    return {1, "B/s"};
  }
  if (unit == "items/s") {
    if (v >= 1e6) return {1e6, "M items/s"};
    if (v >= 1e3) return {1e3, "k items/s"};
    return {1, "items/s"};
  }
  return {1, unit};
}

std::string three_digits(double x) {
  const double a = std::fabs(x);
  if (a >= 100 || a == 0) return fmt::format("{:.0f}", x);
  if (a >= 10) return fmt::format("{:.1f}", x);
  return fmt::format("{:.2f}", x);
}

std::string join(const std::string& number, const std::string& suffix) {
  return suffix.empty() ? number : number + " " + suffix;
}

}  // namespace

std::string format_value(double value, const std::string& unit) {
  if (!std::isfinite(value)) return "n/a";
  const Scale s = scale_for(value, unit);
  return join(three_digits(value / s.divisor), s.suffix);
}

std::string format_mean_sd(double value, double sd, const std::string& unit) {
  if (!std::isfinite(value)) return "n/a";
  const Scale s = scale_for(value, unit);
  return join(three_digits(value / s.divisor), s.suffix) + " ± " +
         join(three_digits(sd / s.divisor), s.suffix);
}

std::string format_seconds(double seconds) { return format_value(seconds * 1e9, "ns"); }

std::size_t display_width(const std::string& text) {
  std::size_t n = 0;
  for (const char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::string first_few(const std::vector<std::string>& items, std::size_t most) {
  if (items.size() <= most) return fmt::format("{}", fmt::join(items, ", "));
  const std::vector<std::string> head(items.begin(), items.begin() + static_cast<long>(most));
  return fmt::format("{} and {} more", fmt::join(head, ", "), items.size() - most);
}

std::string size_label(double bytes) {
  const auto b = static_cast<long long>(bytes);
  if (b >= 1024 * 1024 && b % (1024 * 1024) == 0) return fmt::format("{} MiB", b / (1024 * 1024));
  if (b >= 1024 && b % 1024 == 0) return fmt::format("{} KiB", b / 1024);
  return fmt::format("{} B", b);
}

}  // namespace interpbench
