#pragma once
// What the parent asks one supervised child to run (see docs/design.md, "Processes").
#include <filesystem>
#include <string>

#include "backends/backend.h"

namespace interpbench {

struct ChildRequest {
  std::string row;                  // backend name ("subinterp", ...) or "floor"
  std::string label;                // the row as reports name it ("subprocess-zygote"); empty: row
  WorkloadRef workload;             // file, module name, params as JSON text
  BackendOptions options;
  std::filesystem::path result_file;  // where the child writes its result (docs/design.md)
  double timeout_s = 60;            // per blocking operation inside the child
};

}  // namespace interpbench
