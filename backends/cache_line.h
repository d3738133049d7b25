#pragma once
// One cache line bounced between two CPUs: the physical limit of a small message's round trip.
// The driver writes the message and an odd sequence number into one 64-byte line; the peer spins
// until it sees that number, copies the message out and back in, and writes the number + 1; the
// driver spins until it sees that. One line moves each way and nothing else does: no ring
// indices, no second line, no wake-up. The floor-line row (backends/floor.cc) and
// interpbench-micro's BM_LineBounce and BM_SlotRingRoundTrip (benchmarks/line_benchmark.cc) use it.
#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "backends/futex.h"
#include "core/deadline.h"

namespace interpbench {

struct alignas(64) Line {
  std::atomic<std::uint64_t> seq{0};
  std::uint32_t size = 0;
  std::array<std::byte, 52> payload{};
};
static_assert(sizeof(Line) == 64, "one cache line");
inline constexpr std::size_t kLinePayload = sizeof(Line::payload);
// Written into seq by whoever ends the exchange: a peer waiting on the line returns.
inline constexpr std::uint64_t kLineStop = ~std::uint64_t{0};

// Spins until line.seq is `want` (true) or kLineStop / the deadline (false); the clock is read
// every 4096 spins only.
inline bool spin_until(const Line& line, std::uint64_t want, const Deadline& deadline) {
  for (std::uint32_t i = 1;; ++i) {
    const std::uint64_t seq = line.seq.load(std::memory_order_acquire);
    if (seq == want) return true;
    if (seq == kLineStop) return false;
    if ((i & 4095) == 0 && deadline.expired()) return false;
    futex::cpu_relax();
  }
}

// The peer: answers 2k+1 with 2k+2 and the message copied back, until kLineStop. False when it
// waited longer than `idle_s` for a message.
inline bool line_peer(Line& line, double idle_s) {
  std::array<std::byte, kLinePayload> copy{};
  for (std::uint64_t want = 1;; want += 2) {
    if (!spin_until(line, want, Deadline::from_seconds(idle_s)))
      return line.seq.load(std::memory_order_acquire) == kLineStop;
    const std::size_t n = std::min<std::size_t>(line.size, kLinePayload);
    std::memcpy(copy.data(), line.payload.data(), n);
    std::memcpy(line.payload.data(), copy.data(), n);
    line.seq.store(want + 1, std::memory_order_release);
  }
}

}  // namespace interpbench
