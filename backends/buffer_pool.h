#pragma once
// Memory that changes hands without a copy ("handoff"): the sender allocates a buffer here, fills
// it, and sends only its Handle over a channel; the receiver turns the handle back into the same
// bytes and releases them when done. In-process pools hand out heap memory; the subprocess pool
// lives in a Boost.Interprocess managed segment mapped by the driver and every worker.
#include <cstddef>
#include <cstdint>

namespace interpbench {

class BufferPool {
 public:
  // Position-independent: valid in every process that maps the pool.
  struct Handle {
    std::uint64_t offset;
    std::uint64_t size;
  };
  static_assert(sizeof(Handle) == 16);

  virtual ~BufferPool() = default;
  virtual Handle allocate(std::size_t size) = 0;  // throws std::bad_alloc when exhausted
  virtual std::byte* address(Handle h) = 0;
  virtual void release(Handle h) noexcept = 0;
};

}  // namespace interpbench
