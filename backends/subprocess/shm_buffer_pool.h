#pragma once
// ShmBufferPool: the subprocess backend's BufferPool. One Boost.Interprocess managed shared-memory
// segment that the driver creates (mode 0600, exclusive creation, removed when the creator's pool
// is destroyed) and every worker opens by name. Handles are offsets from the segment's start, so
// they mean the same bytes in every process whatever address the segment is mapped at.
#include <cstddef>
#include <memory>
#include <string>

#include "backends/buffer_pool.h"

namespace interpbench {

class ShmBufferPool : public BufferPool {
 public:
  // The driver side: creates the segment `name` (no leading '/') of `bytes` (sparse: untouched
  // pages cost no memory). Throws std::runtime_error naming the segment when it exists already.
  static std::unique_ptr<ShmBufferPool> create(const std::string& name, std::size_t bytes);
  // The worker side: maps an existing pool; never removes it.
  static std::unique_ptr<ShmBufferPool> open(const std::string& name);

  ~ShmBufferPool() override;  // the creator removes the segment name
  ShmBufferPool(const ShmBufferPool&) = delete;
  ShmBufferPool& operator=(const ShmBufferPool&) = delete;

  // Throws std::bad_alloc when the pool is exhausted, std::runtime_error when its lock can't be
  // taken in time (a process died holding it).
  Handle allocate(std::size_t size) override;
  // Throws std::out_of_range for a handle that does not lie inside the segment: handles arrive
  // from other processes over a channel and are checked before use.
  std::byte* address(Handle h) override;
  void release(Handle h) noexcept override;

  const std::string& name() const noexcept { return name_; }
  std::size_t size_bytes() const noexcept;
  std::size_t free_bytes() const noexcept;

 private:
  struct Segment;
  ShmBufferPool(std::string name, std::unique_ptr<Segment> segment, bool owner);
  bool valid(Handle h) const noexcept;

  std::string name_;
  std::unique_ptr<Segment> segment_;
  bool owner_;
};

}  // namespace interpbench
