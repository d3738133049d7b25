// What two CPUs allow a round trip, without our ring: one cache line bounced both ways (the
// floor-line row's loop: backends/cache_line.h), and two minimal one-way slot rings, one per
// direction, whose slot is such a line: the sequence number, the length and the payload
// (FastForward, the Disruptor's slots). The slot rings are the least any pair of one-way channels
// does, so the ring floor is compared with them as well as with the line (docs/performance.md,
// "What two one-way channels cost"). Two threads, each pinned to a CPU of its own; skipped with
// fewer than two CPUs.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include "backends/cache_line.h"
#include "backends/cpu_pinning.h"
#include "core/deadline.h"

namespace interpbench {
namespace {

constexpr double kIdleS = 10;  // a peer silent this long: something is broken

// `slots` lines, `stride` lines apart (stride 2: the adjacent line of each slot stays unused).
class SlotRing {
 public:
  SlotRing(std::size_t slots, std::size_t stride)
      : slots_(slots), stride_(stride), lines_(new Line[slots * stride]) {}
  Line& at(std::uint64_t k) { return lines_[(k % slots_) * stride_]; }

 private:
  std::size_t slots_, stride_;
  std::unique_ptr<Line[]> lines_;
};

// Two CPUs of this thread's affinity: the driver's and the peer's. Empty when there are fewer.
std::vector<int> two_cpus() {
  std::vector<int> cpus = thread_cpus();
  if (cpus.size() < 2) return {};
  return {cpus[0], cpus[1]};
}

// A peer thread pinned to its own CPU, running `body`; the driver pins itself to the other CPU.
// On scope exit the line `waited_on()` names, the one the peer waits on, gets kLineStop, the
// thread is joined and the driver gets its old mask back.
class PinnedPeer {
 public:
  template <class Body>
  PinnedPeer(const std::vector<int>& cpus, std::function<Line&()> waited_on, Body body)
      : old_(thread_cpus()), waited_on_(std::move(waited_on)) {
    set_thread_cpus(0, {cpus[0]});
    thread_ = std::thread([cpu = cpus[1], body] {
      set_thread_cpus(0, {cpu});
      body();
    });
  }
  ~PinnedPeer() {
    waited_on_().seq.store(kLineStop, std::memory_order_release);
    thread_.join();
    set_thread_cpus(0, old_);
  }

 private:
  std::vector<int> old_;
  std::function<Line&()> waited_on_;
  std::thread thread_;
};

// One line both ways, as the floor-line row: the driver writes 2k+1, line_peer answers 2k+2.
void BM_LineBounce(benchmark::State& state) {
  const std::vector<int> cpus = two_cpus();
  if (cpus.empty()) return state.SkipWithError("needs two CPUs");
  Line line;
  const std::size_t size = 8;
  {
    PinnedPeer peer(cpus, [&]() -> Line& { return line; }, [&] { line_peer(line, kIdleS); });
    std::array<std::byte, kLinePayload> msg{}, out{};
    std::uint64_t seq = 0;
    for (auto _ : state) {
      line.size = size;
      std::memcpy(line.payload.data(), msg.data(), size);
      line.seq.store(++seq, std::memory_order_release);
      if (!spin_until(line, ++seq, Deadline::from_seconds(kIdleS)))
        return state.SkipWithError("the peer stopped answering");
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
  std::uint64_t k = 0;  // the driver's next request; the peer waits in to_peer.at(k)
  {
    PinnedPeer peer(cpus, [&]() -> Line& { return to_peer.at(k); }, [&] {
      for (std::uint64_t j = 0; spin_until(to_peer.at(j), j + 1, Deadline::from_seconds(kIdleS)); ++j) {
        Line& in = to_peer.at(j);
        Line& out = to_driver.at(j);
        out.size = in.size;
        std::memcpy(out.payload.data(), in.payload.data(), in.size);
        out.seq.store(j + 1, std::memory_order_release);
      }
    });
    std::array<std::byte, kLinePayload> msg{}, got{};
    for (auto _ : state) {
      Line& out = to_peer.at(k);
      out.size = size;
      std::memcpy(out.payload.data(), msg.data(), size);
      out.seq.store(k + 1, std::memory_order_release);
      Line& in = to_driver.at(k);
      if (!spin_until(in, k + 1, Deadline::from_seconds(kIdleS)))
        return state.SkipWithError("the peer stopped answering");
      std::memcpy(got.data(), in.payload.data(), in.size);
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
