#pragma once
// The bytes of a test message: a pattern that differs by position and by `seed`, so that a lost,
// reordered, truncated or stale message never passes for the one expected.
#include <cstddef>

#include "backends/channel.h"

namespace interpbench::testing {

inline Message bytes_of(std::size_t size, unsigned seed) {
  Message m(size);
  for (std::size_t i = 0; i < size; ++i) m[i] = static_cast<std::byte>((i * 131 + seed * 7) & 0xff);
  return m;
}

}  // namespace interpbench::testing
