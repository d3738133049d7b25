#pragma once
// The subinterp row's interpreter modes: a GIL (own | shared) x a config (isolated | legacy).
// Each mode is a row of its own, told apart by RowSpec::method so its results carry the mode in
// their names: "" = own GIL + isolated (`subinterp`, PEP 684's default), "shared" = shared GIL +
// isolated (`subinterp-shared`), "legacy" = shared GIL + _PyInterpreterConfig_LEGACY_INIT's
// settings (`subinterp-legacy`). An own GIL with the legacy config is not a mode: CPython's
// PyInterpreterConfig documents use_main_obmalloc = 1 as requiring a shared GIL (the main
// obmalloc is not thread-safe), though 3.13.0's Py_NewInterpreterFromConfig does not check it:
// interpreters made so would race on one allocator, so interpbench refuses the combination.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace interpbench {

struct SubinterpMode {
  std::string gil;     // "own" | "shared"
  std::string config;  // "isolated" | "legacy"
  std::string method;  // RowSpec::method: "" | "shared" | "legacy"
};

// The modes --gil and --config ask for (each a list; unset: the default), in report order: the
// cross product minus own + legacy. Defaults: no --gil: own for isolated, shared for legacy; no
// --config: isolated. Throws BadInput for an unknown value, and when nothing valid is left
// (--gil own --config legacy).
std::vector<SubinterpMode> subinterp_modes(const std::optional<std::vector<std::string>>& gil,
                                           const std::optional<std::vector<std::string>>& config);

// The mode a RowSpec::method of the subinterp row stands for. Throws BadInput for another method.
SubinterpMode subinterp_mode(std::string_view method);

}  // namespace interpbench
