#pragma once
// Human-readable figures with units: 1834 ns -> "1.83 µs", 3200 KiB -> "3.13 MiB",
// 2.5e8 B/s -> "250 MB/s". Three significant digits, like hyperfine.
#include <cstddef>
#include <string>
#include <vector>

namespace interpbench {

// `unit` is a result unit: "ns", "KiB", "B", "B/s", "items/s"; others are printed as given.
std::string format_value(double value, const std::string& unit);

// "2.10 µs ± 0.30 µs": both in the scale of `value`.
std::string format_mean_sd(double value, double sd, const std::string& unit);


// "1.5 ms" from seconds, for wall times.
std::string format_seconds(double seconds);

// A message size: 8 -> "8 B", 65536 -> "64 KiB", 1048576 -> "1 MiB".
std::string size_label(double bytes);

// The columns `text` (UTF-8) takes on a terminal: its code points ("µs" is 2, "—" 1).
std::size_t display_width(const std::string& text);

// "a, b, c and 4 more": the first `most` items of a long list, for one-line warnings.
std::string first_few(const std::vector<std::string>& items, std::size_t most);

}  // namespace interpbench
