#pragma once
// The cross-process channel (subprocess backend): an SpscRing placed in a shared-memory segment,
// with shared futexes. ShmChannelSet lays out the two rings of each of N workers in one segment.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "backends/channel.h"
#include "backends/shm_segment.h"
#include "backends/spsc_ring.h"

namespace interpbench {

class ShmChannel final : public SpscRing {
 public:
  // `region`: ring_region_bytes(capacity) cache-line-aligned bytes inside a mapped segment;
  // `capacity` a power of two (ring_capacity()). kCreate initialises, kAttach checks the header.
  // `keepalive` keeps the mapping alive as long as the channel (e.g. the SharedSegment).
  ShmChannel(void* region, std::size_t capacity, RingInit init, std::shared_ptr<void> keepalive = {})
      : SpscRing(region, capacity, /*shared=*/true, init, std::move(keepalive)) {}
};

// Header at offset 0 of a channel-set segment; the rings follow it, ring 2i carries driver ->
// worker i, ring 2i+1 worker i -> driver.
struct ChannelSetHeader {
  static constexpr std::uint64_t kMagic = 0x31746573686370ULL;  // "pchset1"
  std::uint64_t magic;
  std::uint64_t workers;
  std::uint64_t ring_capacity;
  std::uint64_t reserved[5];
};
static_assert(std::is_trivial_v<ChannelSetHeader> && sizeof(ChannelSetHeader) == kCacheLineSize);

// One segment holding every worker's two rings. The driver creates it (and owns its name); each
// worker process attaches to it by name. Channels keep the mapping alive.
class ShmChannelSet {
 public:
  static constexpr std::size_t kMaxWorkers = 4096;

  // Size of a segment for `workers` pairs of rings of ring_capacity(ring_bytes) bytes each.
  static std::size_t segment_bytes(std::size_t workers, std::size_t ring_bytes);
  // Creates the segment `name` (exclusive, 0600) and initialises every ring.
  static ShmChannelSet create(const std::string& name, std::size_t workers, std::size_t ring_bytes);
  // Maps an existing set; checks its header against the segment size (throws ChannelCorrupt).
  static ShmChannelSet attach(const std::string& name);

  std::size_t workers() const noexcept { return pairs_.size(); }
  std::size_t ring_capacity() const noexcept { return ring_capacity_; }
  const std::string& name() const noexcept { return segment_->name(); }
  SharedSegment& segment() noexcept { return *segment_; }

  // The two channels of worker i, with the same meaning on both sides: to_worker carries driver
  // -> worker (the driver sends, the worker receives), from_worker worker -> driver.
  ChannelPair& channels(std::size_t worker) { return pairs_.at(worker); }
  // Closes every ring (a supervisor whose worker died): wakes whoever sleeps on them.
  void close_all() noexcept;

 private:
  ShmChannelSet(std::shared_ptr<SharedSegment> segment, std::size_t workers,
                std::size_t ring_capacity, RingInit init);

  std::shared_ptr<SharedSegment> segment_;
  std::size_t ring_capacity_ = 0;
  std::vector<ChannelPair> pairs_;
};

}  // namespace interpbench
