#pragma once
// How a process that receives messages keeps their memory: glibc's malloc gives freed memory at
// the top of the heap back to the kernel (trim) and takes it again on the next allocation, so a
// receiver that allocates one big bytes object per message pays a page fault per 4 KiB of every
// message (measured: stream 1 MiB over the subprocess backend 0.41 ms per message, 0.07 ms
// with the pad below; 16 MiB 11.9 ms against 3.0 ms). M_TOP_PAD keeps that much memory mapped
// (and already faulted) beyond what the heap needs: the next message's buffer is there.
// It costs address space, and resident memory only once touched: a subprocess worker's RSS in
// the memory workload grew by ~0.4 MiB (memory freed during startup is no longer given back).
#include <malloc.h>

#include <cstddef>

namespace interpbench {

inline constexpr std::size_t kMessageMemoryPadBytes = std::size_t{64} << 20;

// Called once at the start of every process that hosts a driver or a worker.
inline void keep_message_memory_mapped() noexcept {
  mallopt(M_TOP_PAD, static_cast<int>(kMessageMemoryPadBytes));
}

}  // namespace interpbench
