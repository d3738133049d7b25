#pragma once
// Which sanitizer the test preset says this build runs under: INTERPBENCH_SANITIZER, set by the
// asan and tsan test presets (CMakePresets.json); "" otherwise. For the few tests that cannot work
// under one sanitizer at all (they GTEST_SKIP() with the reason, and docs/performance.md,
// "Sanitizers", lists every such skip), and for the A/B gate's test, which runs more rounds.
#include <cstdlib>
#include <string>

namespace interpbench::testing {

inline std::string sanitizer() {
  const char* s = std::getenv("INTERPBENCH_SANITIZER");
  return s ? s : "";
}

}  // namespace interpbench::testing
