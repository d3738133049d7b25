#include "backends/proc_memory.h"

#include <fstream>
#include <sstream>
#include <string>

namespace interpbench {

std::optional<ProcessMemory> read_process_memory(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/smaps_rollup");
  if (!in) return std::nullopt;
  ProcessMemory m;
  bool any = false;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string key;
    std::uint64_t kib = 0;
    if (!(fields >> key >> kib)) continue;
    if (key == "Rss:") m.rss_kib = kib, any = true;
    else if (key == "Pss:") m.pss_kib = kib;
    else if (key == "Private_Clean:" || key == "Private_Dirty:") m.uss_kib += kib;
  }
  if (!any) return std::nullopt;
  return m;
}

}  // namespace interpbench
