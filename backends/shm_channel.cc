#include "backends/shm_channel.h"

#include <atomic>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace interpbench {

void ShmChannel::send(std::span<const std::byte> msg, Deadline deadline) {
  if (!via_pool(msg.size())) return SpscRing::send(msg, deadline);
  if (is_closed()) throw ChannelClosed("send on a closed channel");
  BufferPool::Handle h;
  try {
    h = pool_->allocate(msg.size());
  } catch (const std::exception&) {
    return SpscRing::send(msg, deadline);  // the pool is full (or its lock unobtainable): copy twice
  }
  try {
    std::memcpy(pool_->address(h), msg.data(), msg.size());
    if (!wait_for_room(kReferenceEntryBytes, deadline)) throw ChannelTimeout("send timed out: ring full");
    if (is_closed()) throw ChannelClosed("send on a closed channel");
  } catch (...) {
    pool_->release(h);
    throw;
  }
  put_reference(msg.size(), h.offset);
}

TryResult ShmChannel::try_send(std::span<const std::byte> msg) {
  // The copy into the pool is a big memcpy: send() does it (Python: without the GIL).
  if (via_pool(msg.size())) return is_closed() ? TryResult::kClosed : TryResult::kWouldBlock;
  return SpscRing::try_send(msg);
}

void ShmChannel::deliver_views(bool on) noexcept {
  if (on && pool_) announce_views();
  deliver_views_ = on && pool_;
}

std::optional<BufferPool::Handle> ShmChannel::take_view() noexcept {
  return std::exchange(view_, std::nullopt);
}

std::uint64_t ShmChannel::take_reference(std::uint64_t len, std::uint64_t offset,
                                         const MessageSink& sink) {
  if (!pool_) corrupt("a pool message on a channel without a pool");
  const BufferPool::Handle h{offset, len};
  const std::byte* src = nullptr;
  try {
    src = pool_->address(h);
  } catch (const std::exception&) {
    corrupt("pool handle out of bounds");
  }
  if (deliver_views_ && !view_) {
    view_ = h;  // the caller owns the block now
    drop_reference();
    return len;
  }
  std::byte* dst = sink(len);  // a throwing sink leaves the entry (and the block) in place
  if (len != 0) std::memcpy(dst, src, len);
  drop_reference();
  pool_->release(h);
  return len;
}

std::size_t ShmChannelSet::segment_bytes(std::size_t workers, std::size_t ring_bytes) {
  return sizeof(ChannelSetHeader) + 2 * workers * ring_region_bytes(ring_bytes);
}

ShmChannelSet::ShmChannelSet(std::shared_ptr<SharedSegment> segment, std::size_t workers,
                             std::size_t ring_capacity, RingInit init)
    : segment_(std::move(segment)), ring_capacity_(ring_capacity) {
  auto* base = static_cast<std::byte*>(segment_->data()) + sizeof(ChannelSetHeader);
  const std::size_t stride = ring_region_bytes(ring_capacity);
  pairs_.reserve(workers);
  for (std::size_t i = 0; i < workers; ++i) {
    auto to = std::make_shared<ShmChannel>(base + (2 * i) * stride, ring_capacity, init, segment_);
    auto from =
        std::make_shared<ShmChannel>(base + (2 * i + 1) * stride, ring_capacity, init, segment_);
    SpscRing::pair_with(*to, *from);
    pairs_.push_back({std::move(to), std::move(from)});
  }
}

ShmChannelSet ShmChannelSet::create(const std::string& name, std::size_t workers,
                                    std::size_t ring_bytes) {
  if (workers == 0 || workers > kMaxWorkers) {
    throw std::invalid_argument("channel set: bad worker count " + std::to_string(workers));
  }
  const std::size_t capacity = interpbench::ring_capacity(ring_bytes);
  auto segment = std::make_shared<SharedSegment>(
      SharedSegment::create(name, segment_bytes(workers, capacity)));
  auto* header = static_cast<ChannelSetHeader*>(segment->data());
  header->workers = workers;
  header->ring_capacity = capacity;
  ShmChannelSet set(segment, workers, capacity, RingInit::kCreate);
  // Last: an attacher that sees the magic sees initialised rings.
  std::atomic_ref<std::uint64_t>(header->magic).store(ChannelSetHeader::kMagic,
                                                      std::memory_order_release);
  return set;
}

ShmChannelSet ShmChannelSet::attach(const std::string& name) {
  auto segment = std::make_shared<SharedSegment>(SharedSegment::open(name));
  if (segment->size() < sizeof(ChannelSetHeader)) {
    throw ChannelCorrupt("channel set '" + name + "': segment too small");
  }
  auto* header = static_cast<ChannelSetHeader*>(segment->data());
  if (std::atomic_ref<std::uint64_t>(header->magic).load(std::memory_order_acquire) !=
      ChannelSetHeader::kMagic) {
    throw ChannelCorrupt("channel set '" + name + "': not initialised");
  }
  // Copies: the shared header could change under us.
  const std::uint64_t workers = header->workers;
  const std::uint64_t capacity = header->ring_capacity;
  if (workers == 0 || workers > kMaxWorkers || capacity > segment->size() ||
      capacity != interpbench::ring_capacity(capacity) ||
      segment_bytes(workers, capacity) > segment->size()) {
    throw ChannelCorrupt("channel set '" + name + "': header out of bounds");
  }
  return ShmChannelSet(segment, workers, capacity, RingInit::kAttach);
}

void ShmChannelSet::use_pool(const std::shared_ptr<BufferPool>& pool) {
  for (auto& p : pairs_) {
    std::static_pointer_cast<ShmChannel>(p.to_worker)->use_pool(pool);
    std::static_pointer_cast<ShmChannel>(p.from_worker)->use_pool(pool);
  }
}

void ShmChannelSet::close_all() noexcept {
  for (auto& p : pairs_) {
    p.to_worker->close();
    p.from_worker->close();
  }
}

}  // namespace interpbench
