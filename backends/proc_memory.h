#pragma once
// Memory of one process as the kernel accounts it, from /proc/PID/smaps_rollup:
// RSS (resident), PSS (resident, shared pages divided among their sharers) and USS (private).
#include <sys/types.h>

#include <cstdint>
#include <optional>

namespace interpbench {

struct ProcessMemory {
  std::uint64_t rss_kib = 0;
  std::uint64_t pss_kib = 0;
  std::uint64_t uss_kib = 0;  // Private_Clean + Private_Dirty
};

// nullopt when the process is gone or its smaps_rollup can't be read.
std::optional<ProcessMemory> read_process_memory(pid_t pid);

}  // namespace interpbench
