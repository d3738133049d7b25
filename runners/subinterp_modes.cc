#include "runners/subinterp_modes.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/errors.h"

namespace interpbench {
namespace {

// Report order; own + legacy is absent: unsupported by CPython (see the header).
const std::vector<SubinterpMode>& all_modes() {
  static const std::vector<SubinterpMode> modes = {
      {"own", "isolated", ""}, {"shared", "isolated", "shared"}, {"shared", "legacy", "legacy"}};
  return modes;
}

std::vector<std::string> checked(const std::vector<std::string>& given, std::string_view option,
                                 const std::vector<std::string>& valid) {
  if (given.empty()) throw BadInput(fmt::format("bad {} '': expected {}", option, fmt::join(valid, " or ")));
  for (auto& v : given) {
    if (std::find(valid.begin(), valid.end(), v) == valid.end()) {
      throw BadInput(fmt::format("bad {} '{}' (valid: {})", option, v, fmt::join(valid, ", ")));
    }
  }
  return given;
}

}  // namespace

std::vector<SubinterpMode> subinterp_modes(const std::optional<std::vector<std::string>>& gil,
                                           const std::optional<std::vector<std::string>>& config) {
  const auto configs = config ? checked(*config, "--config", {"isolated", "legacy"})
                              : std::vector<std::string>{"isolated"};
  const auto gils = gil ? checked(*gil, "--gil", {"own", "shared"}) : std::vector<std::string>{};
  std::vector<SubinterpMode> out;
  for (auto& m : all_modes()) {
    if (std::find(configs.begin(), configs.end(), m.config) == configs.end()) continue;
    // Without --gil each config gets the GIL it runs with by default.
    const bool gil_wanted = gil ? std::find(gils.begin(), gils.end(), m.gil) != gils.end()
                                : m.gil == (m.config == "legacy" ? "shared" : "own");
    if (gil_wanted) out.push_back(m);
  }
  if (out.empty()) {
    throw BadInput(
        "--gil own --config legacy: an own GIL with the legacy config is unsupported by CPython "
        "(use_main_obmalloc = 1 requires a shared GIL); use --gil shared with --config legacy");
  }
  return out;
}

SubinterpMode subinterp_mode(std::string_view method) {
  for (auto& m : all_modes()) {
    if (m.method == method) return m;
  }
  throw BadInput(fmt::format("unknown subinterp mode '{}' (valid: shared, legacy, or none)", method));
}

}  // namespace interpbench
