#include "core/output_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <system_error>

#include <fmt/format.h>

#include "core/errors.h"

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

void write_file_atomically(const std::filesystem::path& path, std::string_view content) {
  const auto tmp = temp_beside(path);
  const auto fail = [&](std::error_code why) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw std::system_error(why, fmt::format("cannot write '{}'", path.string()));
  };
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) fail(std::error_code(errno, std::generic_category()));
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.flush();
    if (!out) fail(std::error_code(errno ? errno : EIO, std::generic_category()));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) fail(ec);
}

}  // namespace interpbench
