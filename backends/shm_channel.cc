#include "backends/shm_channel.h"

#include <atomic>

namespace interpbench {

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

void ShmChannelSet::close_all() noexcept {
  for (auto& p : pairs_) {
    p.to_worker->close();
    p.from_worker->close();
  }
}

}  // namespace interpbench
