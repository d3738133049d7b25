#pragma once
// The one check of every child's result file, whatever row wrote it (backend rows, reference
// rows, floor, bare-interp), against docs/design.md ("Child result file", "The workload
// contract"): the supervisor turns a result that breaks it into an error row instead of reporting
// "ok" with results silently dropped later.
#include <string>

#include <nlohmann/json.hpp>

namespace interpbench {

// Empty when `child` keeps the contract; otherwise one line naming the first breach
// ("result 'x' has no repetitions", "result 'x': sample 2 of repetition 1 is a string").
std::string check_child_result(const nlohmann::json& child);

}  // namespace interpbench
