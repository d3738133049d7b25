#pragma once
// Text helpers shared by the verdict's renderers.
#include <cstddef>
#include <string>
#include <vector>

namespace interpbench {

// "a; b; c; d; and 2 more": the first `max_items` items joined by `separator`.
std::string list_some(const std::vector<std::string>& items, std::size_t max_items = 4,
                      const std::string& separator = "; ");

}  // namespace interpbench
