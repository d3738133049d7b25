// What two CPUs allow a round trip, without our ring: one cache line bounced both ways (the
// floor-line row's loop), and two minimal one-way slot rings, one per direction, whose slot holds
// the sequence number, the length and the payload in one line (FastForward, the Disruptor's
// slots). The slot rings are the least any pair of one-way channels does, so the ring floor is
// compared with them as well as with the line (docs/performance.md, "What two one-way channels
// cost"). Two threads, each pinned to a CPU of its own; skipped with fewer than two CPUs.
#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include "backends/cpu_pinning.h"
#include "backends/futex.h"
#include "core/deadline.h"

namespace interpbench {
namespace {

constexpr auto kIdle = std::chrono::seconds(10);  // a peer silent this long: something is broken

struct alignas(64) Slot {
  std::atomic<std::uint64_t> seq{0};
  std::uint64_t len = 0;
  std::array<std::byte, 48> payload{};
};
static_assert(sizeof(Slot) == 64, "one cache line");

// Spins until slot.seq == want; false when `stop` is set or the deadline passed (the clock is read
// every 4096 polls).
bool wait_seq(const Slot& slot, std::uint64_t want, const std::atomic<bool>& stop) {
  const Deadline deadline = Deadline::after(kIdle);
  for (std::uint32_t i = 1; slot.seq.load(std::memory_order_acquire) != want; ++i) {
    if ((i & 4095) == 0 && (stop.load(std::memory_order_relaxed) || deadline.expired())) return false;
    futex::cpu_relax();
  }
  return true;
}

// `slots` slots, `stride` lines apart (stride 2: the adjacent line of each slot stays unused).
class SlotRing {
 public:
  SlotRing(std::size_t slots, std::size_t stride)
      : slots_(slots), stride_(stride), lines_(new Slot[slots * stride]) {}
  Slot& at(std::uint64_t k) { return lines_[(k % slots_) * stride_]; }

 private:
  std::size_t slots_, stride_;
  std::unique_ptr<Slot[]> lines_;
};

// Two CPUs of this thread's affinity: the driver's and the peer's. Empty when there are fewer.
std::vector<int> two_cpus() {
  std::vector<int> cpus = thread_cpus();
  if (cpus.size() < 2) return {};
  return {cpus[0], cpus[1]};
}

// A peer thread pinned to its own CPU, running `body(stop)`; the driver pins itself to the other
// CPU and gets its old mask back on scope exit.
class PinnedPeer {
 public:
  template <class Body>
  PinnedPeer(const std::vector<int>& cpus, Body body) : old_(thread_cpus()) {
    set_thread_cpus(0, {cpus[0]});
    thread_ = std::thread([this, cpu = cpus[1], body] {
      set_thread_cpus(0, {cpu});
      body(stop_);
    });
  }
  ~PinnedPeer() {
    stop_ = true;
    thread_.join();
    set_thread_cpus(0, old_);
  }
  const std::atomic<bool>& stop() const { return stop_; }

 private:
  std::vector<int> old_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// One line both ways: the driver writes 2k+1, the peer answers 2k+2 in the same line.
void BM_LineBounce(benchmark::State& state) {
  const std::vector<int> cpus = two_cpus();
  if (cpus.empty()) return state.SkipWithError("needs two CPUs");
  Slot line;
  const std::size_t size = 8;
  {
    PinnedPeer peer(cpus, [&](const std::atomic<bool>& stop) {
      std::array<std::byte, 48> copy{};
      for (std::uint64_t want = 1; wait_seq(line, want, stop); want += 2) {
        std::memcpy(copy.data(), line.payload.data(), line.len);
        std::memcpy(line.payload.data(), copy.data(), line.len);
        line.seq.store(want + 1, std::memory_order_release);
      }
    });
    std::array<std::byte, 48> msg{}, out{};
    std::uint64_t seq = 0;
    for (auto _ : state) {
      line.len = size;
      std::memcpy(line.payload.data(), msg.data(), size);
      line.seq.store(++seq, std::memory_order_release);
      if (!wait_seq(line, ++seq, peer.stop())) return state.SkipWithError("the peer stopped answering");
      std::memcpy(out.data(), line.payload.data(), size);
      benchmark::DoNotOptimize(out.data());
    }
  }
}
BENCHMARK(BM_LineBounce)->UseRealTime();

// Two slot rings of range(0) slots, range(1) lines apart: request k in slot k of one, the echo
// in slot k of the other, each marked by its sequence number k + 1.
void BM_SlotRingRoundTrip(benchmark::State& state) {
  const std::vector<int> cpus = two_cpus();
  if (cpus.empty()) return state.SkipWithError("needs two CPUs");
  const auto slots = static_cast<std::size_t>(state.range(0));
  const auto stride = static_cast<std::size_t>(state.range(1));
  SlotRing to_peer(slots, stride), to_driver(slots, stride);
  const std::size_t size = 8;
  {
    PinnedPeer peer(cpus, [&](const std::atomic<bool>& stop) {
      for (std::uint64_t k = 0; wait_seq(to_peer.at(k), k + 1, stop); ++k) {
        Slot& in = to_peer.at(k);
        Slot& out = to_driver.at(k);
        out.len = in.len;
        std::memcpy(out.payload.data(), in.payload.data(), in.len);
        out.seq.store(k + 1, std::memory_order_release);
      }
    });
    std::array<std::byte, 48> msg{}, got{};
    std::uint64_t k = 0;
    for (auto _ : state) {
      Slot& out = to_peer.at(k);
      out.len = size;
      std::memcpy(out.payload.data(), msg.data(), size);
      out.seq.store(k + 1, std::memory_order_release);
      Slot& in = to_driver.at(k);
      if (!wait_seq(in, k + 1, peer.stop())) return state.SkipWithError("the peer stopped answering");
      std::memcpy(got.data(), in.payload.data(), in.len);
      benchmark::DoNotOptimize(got.data());
      ++k;
    }
  }
}
// 1 slot: two lines, one per direction, and nothing else. 16 and 16384 slots (1 KiB and 1 MiB of
// lines, the ring's default capacity), contiguous or with the adjacent line left unused.
BENCHMARK(BM_SlotRingRoundTrip)
    ->ArgNames({"slots", "stride"})
    ->Args({1, 1})
    ->Args({16, 1})
    ->Args({16, 2})
    ->Args({16384, 1})
    ->Args({16384, 2})
    ->UseRealTime();

}  // namespace
}  // namespace interpbench
