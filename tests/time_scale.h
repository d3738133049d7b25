#pragma once
// How much slower the build under test runs than a release build: INTERPBENCH_TEST_TIME_SCALE,
// set by the asan and tsan test presets (CMakePresets.json), 1 when unset. A test whose timing is
// part of what it checks (a signal sent "early", a child's start) multiplies those waits by it, so
// that it asserts the same behaviour under a sanitizer instead of being skipped.
#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace interpbench::testing {

inline double time_scale() {
  const char* s = std::getenv("INTERPBENCH_TEST_TIME_SCALE");
  if (s == nullptr || *s == '\0') return 1.0;
  char* end = nullptr;
  const double scale = std::strtod(s, &end);
  if (end == s || *end != '\0' || !(scale >= 1.0) || scale > 1000.0) {
    throw std::invalid_argument(std::string("INTERPBENCH_TEST_TIME_SCALE must be a number in [1, 1000], not '") + s + "'");
  }
  return scale;
}

// `d` times time_scale(), in d's own unit.
template <class Rep, class Period>
std::chrono::duration<Rep, Period> scaled(std::chrono::duration<Rep, Period> d) {
  return std::chrono::duration_cast<std::chrono::duration<Rep, Period>>(
      std::chrono::duration<double, Period>(static_cast<double>(d.count()) * time_scale()));
}

}  // namespace interpbench::testing
