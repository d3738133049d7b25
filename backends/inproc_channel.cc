#include "backends/inproc_channel.h"

#include <new>

namespace interpbench {
namespace {

// One cache-line-aligned heap block holding a ring region, freed with the channel.
std::shared_ptr<void> allocate_region(std::size_t capacity) {
  const std::size_t bytes = ring_region_bytes(capacity);
  void* p = ::operator new(bytes, std::align_val_t{kCacheLineSize});
  return std::shared_ptr<void>(
      p, [](void* q) { ::operator delete(q, std::align_val_t{kCacheLineSize}); });
}

}  // namespace

InProcessChannel::InProcessChannel(std::size_t capacity_bytes)
    : InProcessChannel(allocate_region(ring_capacity(capacity_bytes)), capacity_bytes) {}

std::shared_ptr<Channel> make_inproc_channel(std::size_t capacity_bytes) {
  return std::make_shared<InProcessChannel>(capacity_bytes);
}

ChannelPair make_inproc_channel_pair(std::size_t capacity_bytes) {
  return {make_inproc_channel(capacity_bytes), make_inproc_channel(capacity_bytes)};
}

}  // namespace interpbench
