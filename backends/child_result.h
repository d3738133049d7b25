#pragma once
// The skeleton of a child result file (docs/design.md, "Child result file"), in one place for
// every child that writes one: the driver host (backend rows) and the C++ floor row.
#include <string>

#include <nlohmann/json.hpp>

namespace interpbench {

inline constexpr const char* kChildResultSchema = "interpbench-child/1";

// Every field present, nothing measured yet: callers fill results, errors and notes.
inline nlohmann::json empty_child_result(const std::string& row, const std::string& kind,
                                         const std::string& workload, nlohmann::json gil) {
  return {{"schema", kChildResultSchema},
          {"row", row},
          {"kind", kind},
          {"workload", workload},
          {"gil", std::move(gil)},
          {"python", nullptr},
          {"notes", nlohmann::json::array()},
          {"results", nlohmann::json::array()},
          {"worker_errors", nlohmann::json::array()},
          {"error", nullptr},
          {"skipped", nullptr}};
}

}  // namespace interpbench
