#pragma once
// Checks a user's workload file before anything runs, so that a typo costs one line and exit 2
// instead of an error row on every backend: readable, compiles, defines driver, worker and TIMED
// (docs/design.md, "The workload contract"). The real Python does the checking (compile + ast),
// without executing the file.
#include <filesystem>

namespace interpbench {

// Throws BadInput naming the file and the problem.
void check_workload_file(const std::filesystem::path& file, const std::filesystem::path& python);

}  // namespace interpbench
