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

// With a buffer pool (use_pool) and a receiver that reads views (deliver_views, Python's
// recv_view), messages of kPoolMinBytes and more take one copy instead of two: the sender copies
// the message into a pool block and the ring carries only its handle (a reference entry, in
// order among the other messages); the receiver gets the block itself (take_view) and frees it
// when done (Python: when the memoryview goes). A receiver that copies after all (recv) copies
// the block out and frees it. No pool block to be had (the receiver holds many views): the
// message goes through the ring as before. Handles are bounds-checked by the pool.
class ShmChannel final : public SpscRing {
 public:
  // Measured (docs/performance.md, "Big messages"): at 1 MiB the ring's two
  // overlapping copies still beat one copy into the pool; from 4 MiB on the pool wins.
  static constexpr std::uint64_t kPoolMinBytes = 4 << 20;

  // `region`: ring_region_bytes(capacity) cache-line-aligned bytes inside a mapped segment;
  // `capacity` a power of two (ring_capacity()). kCreate initialises, kAttach checks the header.
  // `keepalive` keeps the mapping alive as long as the channel (e.g. the SharedSegment).
  ShmChannel(void* region, std::size_t capacity, RingInit init, std::shared_ptr<void> keepalive = {})
      : SpscRing(region, capacity, /*shared=*/true, init, std::move(keepalive)) {}

  // The pool both processes map (the subprocess backend's ShmBufferPool); set before use.
  void use_pool(std::shared_ptr<BufferPool> pool) noexcept { pool_ = std::move(pool); }

  void send(std::span<const std::byte> msg, Deadline deadline) override;
  TryResult try_send(std::span<const std::byte> msg) override;
  void deliver_views(bool on) noexcept override;
  std::optional<BufferPool::Handle> take_view() noexcept override;

 private:
  bool via_pool(std::size_t size) const noexcept {
    return pool_ && size >= kPoolMinBytes && consumer_takes_views();
  }
  std::uint64_t take_reference(std::uint64_t len, std::uint64_t offset,
                               const MessageSink& sink) override;

  std::shared_ptr<BufferPool> pool_;
  bool deliver_views_ = false;                // the consumer's, for the current recv
  std::optional<BufferPool::Handle> view_;    // the consumer's: a block recv left for take_view
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
  // Gives every channel of the set the pool its big messages may travel through (ShmChannel).
  void use_pool(const std::shared_ptr<BufferPool>& pool);
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
