#pragma once
// Output files that are either complete or absent: checked before a run starts (so a bad --out
// costs one line, not a finished run), then written whole through a temporary file and a rename.
#include <filesystem>
#include <string_view>

namespace interpbench {

// Throws BadInput naming the path when `path` can't be created or replaced: a directory, a
// missing directory, no permission. Probes by creating (and removing) a file beside it, which is
// what counts even for root and on read-only file systems.
void check_writable(const std::filesystem::path& path);

// Writes `content` to a temporary file beside `path`, then renames it over `path`: a reader sees
// the old file or the new one, never half of one. Throws std::system_error whose what() names
// the path and the reason; the temporary file is gone either way.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

}  // namespace interpbench
