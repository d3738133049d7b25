#pragma once
// How a process that receives messages keeps their memory: glibc's malloc gives freed memory at
// the top of the heap back to the kernel (trim) and takes it again on the next allocation, so a
// receiver that allocates one big bytes object per message pays a page fault per 4 KiB of every
// message (measured: stream 1 MiB over the subprocess backend 0.41 ms per message, 0.07 ms
// with the pad below; 16 MiB 11.9 ms against 3.0 ms). M_TOP_PAD keeps that much memory mapped
// (and already faulted) beyond what the heap needs: the next message's buffer is there.
// It costs address space, and resident memory only once touched: a subprocess worker's RSS in
// the memory workload grew by ~0.4 MiB (memory freed during startup is no longer given back).
// That alone was not enough at 16 MiB: in a subinterp pingpong child that had run the smaller
// sizes first, 16 MiB receives faulted much of their buffers in again (86k page faults against
// 61k, the round trip 6.0-6.7 ms against 3.4 ms in a child that ran 16 MiB alone). A fixed mmap
// threshold of 32 MiB (the most glibc takes) and trim threshold of 128 MiB keep such buffers in
// the heap: 2.6-2.8 ms either way, and the memory workload's figures did not move
// (docs/performance.md, "Big messages"). Which of glibc's per-thread-arena paths gave the memory
// back was not pinned down: a C++ program with the same sizes and threads does not refault.
#include <malloc.h>

#include <cstddef>

namespace interpbench {

inline constexpr std::size_t kMessageMemoryPadBytes = std::size_t{64} << 20;
inline constexpr int kMessageMmapThresholdBytes = 32 << 20;   // glibc's maximum for it
inline constexpr int kMessageTrimThresholdBytes = 128 << 20;

// Called once at the start of every process that hosts a driver or a worker.
inline void keep_message_memory_mapped() noexcept {
  mallopt(M_TOP_PAD, static_cast<int>(kMessageMemoryPadBytes));
  mallopt(M_MMAP_THRESHOLD, kMessageMmapThresholdBytes);
  mallopt(M_TRIM_THRESHOLD, kMessageTrimThresholdBytes);
}

}  // namespace interpbench
