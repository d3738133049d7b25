#pragma once
// Output files that are either complete or absent: checked before a run starts (so a bad --out
// costs one line, not a finished run), then written by write_json_file (reports/json_report.h)
// through a temporary file and a rename.
#include <filesystem>

namespace interpbench {

// Throws BadInput naming the path when `path` can't be created or replaced: a directory, a
// missing directory, no permission. Probes by creating (and removing) a file beside it, which is
// what counts even for root and on read-only file systems.
void check_writable(const std::filesystem::path& path);

}  // namespace interpbench
