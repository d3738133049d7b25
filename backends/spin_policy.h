#pragma once
// How long a waiter spins before it sleeps: one adaptive budget per waiting side (SpinBudget),
// the spin loop, and the CPU each side last ran on. Shared by the rings (spsc_ring.h) and by
// recv() with the GIL held (python/channel_type.cc). Why adaptive, with measurements:
// docs/performance.md, "The ring and the spin, piece by piece".
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>

#include "core/deadline.h"
#include "backends/futex.h"

namespace interpbench {

struct SpinLimits {
  std::int64_t max_ns;     // after a spin that caught the peer, and for every probe
  std::int64_t min_ns;     // the floor; 0: no spin at all
  bool halve_on_miss;      // a spin that ran out halves the budget, else drops it to the floor
  unsigned probe_every;    // at the floor, every probe_every-th wait spins max_ns
};

// A ring side waiting for its peer (spsc_ring.h).
inline constexpr SpinLimits kRingSpin{20'000, 500, true, 64};
// recv() holding its own GIL: one miss turns the spin off until the next probe.
inline constexpr SpinLimits kGilSpin{3'000, 0, false, 64};

// One side's spin length, learnt from how its last waits went. Touched only by that side.
// A spin that caught the peer restores max_ns; one that ran out shrinks it; at the floor, a
// probe now and then notices a peer that answers quickly again.
template <SpinLimits L>
class SpinBudget {
 public:
  static constexpr std::chrono::nanoseconds kMax{L.max_ns};

  std::chrono::nanoseconds next() noexcept {
    if (ns_ > L.min_ns) return std::chrono::nanoseconds(ns_);
    return std::chrono::nanoseconds(++waits_at_floor_ % L.probe_every == 0 ? L.max_ns : ns_);
  }
  void caught() noexcept { ns_ = L.max_ns; }
  void missed() noexcept {
    const std::int64_t ns = L.halve_on_miss ? std::max(L.min_ns, ns_ / 2) : L.min_ns;
    if (ns_ > L.min_ns && ns == L.min_ns) waits_at_floor_ = 0;  // first probe probe_every waits on
    ns_ = ns;
  }

 private:
  std::int64_t ns_ = L.max_ns;
  unsigned waits_at_floor_ = 0;
};

// Spins (pause instruction) until ready(): true. False once `spin` has passed with no
// progressed() (a peer that moves answers soon: the spin starts again), or at `hard_stop`.
// The clock is read every 64 polls only, and first at the 64th: a wait that ends sooner (a round
// trip's wait ends after about 10) never reads it; the spin's time counts from that first read.
template <class Ready, class Progressed>
bool spin_until(Ready ready, Progressed progressed, std::chrono::nanoseconds spin,
                std::optional<Clock::time_point> hard_stop) {
  std::optional<Clock::time_point> spin_end;
  for (unsigned i = 1;; ++i) {
    futex::cpu_relax();
    if (ready()) return true;
    if ((i & 63) != 0) continue;
    const auto now = Clock::now();
    if (hard_stop && now >= *hard_stop) return false;
    const bool moved = progressed();
    if (!spin_end || moved) {
      spin_end = now + spin;
    } else if (now >= *spin_end) {
      return false;
    }
  }
}

// 1 + the CPU this thread runs on (sched_getcpu through rseq: a few ns), 0 when unknown.
inline std::uint32_t this_cpu() noexcept {
  const int cpu = sched_getcpu();
  return cpu < 0 ? 0 : static_cast<std::uint32_t>(cpu) + 1;
}

// Records this thread's CPU in `field` (the side's own cache line; written only when it changed).
inline void note_cpu(std::uint32_t& field) noexcept {
  const std::uint32_t cpu = this_cpu();
  std::atomic_ref<std::uint32_t> f(field);
  if (f.load(std::memory_order_relaxed) != cpu) f.store(cpu, std::memory_order_relaxed);
}

// True when the peer was last seen on another CPU: our spin can't keep it from running there.
inline bool peer_on_other_cpu(std::uint32_t& peer_field) noexcept {
  const std::uint32_t peer = std::atomic_ref<std::uint32_t>(peer_field).load(std::memory_order_relaxed);
  return peer != 0 && peer != this_cpu();
}

}  // namespace interpbench
