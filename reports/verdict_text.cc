#include "reports/verdict_text.h"

#include <fmt/format.h>

namespace interpbench {

std::string list_some(const std::vector<std::string>& items, std::size_t max_items,
                      const std::string& separator) {
  std::string s;
  for (std::size_t i = 0; i < items.size() && i < max_items; ++i)
    s += (i ? separator : "") + items[i];
  if (items.size() > max_items) s += fmt::format("; and {} more", items.size() - max_items);
  return s;
}

}  // namespace interpbench
