#include "core/paths.h"

#include <system_error>

namespace interpbench {
namespace {

// <exe dir>/../<relative> when it exists, else <source dir>/<relative>.
std::filesystem::path locate(const std::filesystem::path& relative) {
  std::error_code ec;
  const auto beside = self_executable().parent_path().parent_path() / relative;
  if (std::filesystem::exists(beside, ec)) return beside;
  return std::filesystem::path(INTERPBENCH_SOURCE_DIR) / relative;
}

}  // namespace

std::filesystem::path self_executable() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path("/proc/self/exe") : p;
}

std::filesystem::path workloads_dir() { return locate("workloads"); }
std::filesystem::path reference_script() { return locate("runners/reference"); }
std::filesystem::path python_executable() { return INTERPBENCH_PYTHON_EXECUTABLE; }

}  // namespace interpbench
