#pragma once
// HeapBufferPool: the BufferPool of in-process backends (subinterp, thread). Every party shares
// one address space, so a handle's offset is simply the buffer's address; handing a buffer over
// moves only the 16-byte handle. Thread-safe: operator new/delete are.
#include <atomic>
#include <cstdint>
#include <new>

#include "backends/buffer_pool.h"

namespace interpbench {

class HeapBufferPool final : public BufferPool {
 public:
  static constexpr std::size_t kAlignment = 64;

  Handle allocate(std::size_t size) override {
    void* p = ::operator new(size == 0 ? 1 : size, std::align_val_t{kAlignment});
    outstanding_.fetch_add(1, std::memory_order_relaxed);
    return {reinterpret_cast<std::uintptr_t>(p), size};
  }
  std::byte* address(Handle h) override { return reinterpret_cast<std::byte*>(h.offset); }
  void release(Handle h) noexcept override {
    if (h.offset == 0) return;
    ::operator delete(reinterpret_cast<void*>(h.offset), std::align_val_t{kAlignment});
    outstanding_.fetch_sub(1, std::memory_order_relaxed);
  }
  // Buffers allocated and not yet released (a leak check for tests).
  std::int64_t outstanding() const noexcept { return outstanding_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> outstanding_{0};
};

}  // namespace interpbench
