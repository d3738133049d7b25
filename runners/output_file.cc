#include "runners/output_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "runners/errors.h"

namespace interpbench {
namespace {

std::filesystem::path directory_of(const std::filesystem::path& path) {
  const auto dir = path.parent_path();
  return dir.empty() ? std::filesystem::path(".") : dir;
}

std::filesystem::path temp_beside(const std::filesystem::path& path) {
  return directory_of(path) / fmt::format(".{}.tmp-{}", path.filename().string(), ::getpid());
}

}  // namespace

void check_writable(const std::filesystem::path& path) {
  std::error_code ec;
  if (path.empty()) throw BadInput("cannot write '': empty output path");
  if (std::filesystem::is_directory(path, ec)) {
    throw BadInput(fmt::format("cannot write '{}': is a directory", path.string()));
  }
  const auto dir = directory_of(path);
  if (!std::filesystem::is_directory(dir, ec)) {
    const bool exists = std::filesystem::exists(dir, ec);
    throw BadInput(fmt::format("cannot write '{}': {}'{}' {}", path.string(), exists ? "" : "directory ",
                               dir.string(), exists ? "is not a directory" : "does not exist"));
  }
  if (std::filesystem::exists(path, ec) && ::access(path.c_str(), W_OK) != 0) {
    throw BadInput(fmt::format("cannot write '{}': {}", path.string(), std::strerror(errno)));
  }
  const auto probe = temp_beside(path);
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw BadInput(fmt::format("cannot write '{}': {}", path.string(), std::strerror(errno)));
  ::close(fd);
  ::unlink(probe.c_str());
}

}  // namespace interpbench
