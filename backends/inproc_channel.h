#pragma once
// The in-process channel (subinterp and thread backends): an SpscRing on the heap, with private
// futexes. It never touches Python: the _interpbench module releases the GIL around its blocking
// calls.
#include <cstddef>
#include <memory>

#include "backends/channel.h"
#include "backends/spsc_ring.h"

namespace interpbench {

class InProcessChannel final : public SpscRing {
 public:
  // The ring gets ring_capacity(capacity_bytes) bytes: a power of two, at least 64.
  explicit InProcessChannel(std::size_t capacity_bytes);

 private:
  InProcessChannel(const std::shared_ptr<void>& region, std::size_t capacity_bytes)
      : SpscRing(region.get(), ring_capacity(capacity_bytes), /*shared=*/false, RingInit::kCreate,
                 region) {}
};

std::shared_ptr<Channel> make_inproc_channel(std::size_t capacity_bytes);

// Two in-process channels, one per direction: the driver's view (the worker's is the reverse).
ChannelPair make_inproc_channel_pair(std::size_t capacity_bytes);

}  // namespace interpbench
