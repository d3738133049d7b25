#pragma once
// Linux futex(2) on 32-bit words, and the "event word" protocol every interpbench wait uses.
//
// Why futex: it is the one primitive that sleeps on a plain word that can live anywhere, heap or a
// shared-memory segment mapped at different addresses in different processes, needs no
// initialisation (a dead peer can't leave it locked, unlike a process-shared pthread mutex or
// condition variable), takes a timeout, and costs nothing when nobody sleeps.
// FUTEX_PRIVATE_FLAG is used for words in process-private memory (faster hashing in the kernel);
// never for words in shared memory, where the waker may be another process.
//
// Event word protocol (so that the fast path makes no system call):
//   bits 31..1: a sequence number, bumped whenever a sleeper must re-check its condition;
//   bit 0 (kWaiterBit): "somebody may be sleeping on this word".
//   Waiter:   v = prepare_wait(w)  (sets the bit), re-checks its condition, then futex_wait(w, v).
//   Notifier: changes the state, then notify(w): only when the bit is set it bumps the sequence,
//             clears the bit and wakes everyone.
// No lost wakeup: prepare_wait and notify's load are seq_cst, and so are the state changes they
// pair with, so either the notifier sees the bit (and wakes), or the waiter's re-check sees the
// new state. A waiter whose value went stale in between gets EAGAIN from the kernel at once.
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdint>
#include <optional>

namespace interpbench::futex {

inline constexpr std::uint32_t kWaiterBit = 1;

// One step of a spin before a futex sleep: a pause hint, so a spinning side yields the core's
// pipeline (and a hyperthread sibling) while it polls.
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

inline std::atomic_ref<std::uint32_t> ref(std::uint32_t* word) {
  return std::atomic_ref<std::uint32_t>(*word);
}

// Sleeps while *word == expected, at most `timeout` (nullopt: no limit). Returns 0 when woken,
// or ETIMEDOUT / EAGAIN (value changed) / EINTR. Spurious returns are possible: callers loop.
inline int wait(std::uint32_t* word, std::uint32_t expected, bool shared,
                std::optional<std::chrono::nanoseconds> timeout) {
  timespec ts{};
  timespec* tsp = nullptr;
  if (timeout) {
    ts.tv_sec = static_cast<time_t>(timeout->count() / 1'000'000'000);
    ts.tv_nsec = static_cast<long>(timeout->count() % 1'000'000'000);
    tsp = &ts;
  }
  // FUTEX_WAIT's timeout is relative (CLOCK_MONOTONIC), like Deadline::remaining().
  const int op = shared ? FUTEX_WAIT : FUTEX_WAIT_PRIVATE;
  if (syscall(SYS_futex, word, op, expected, tsp, nullptr, 0) == 0) return 0;
  return errno;
}

inline void wake_all(std::uint32_t* word, bool shared) {
  const int op = shared ? FUTEX_WAKE : FUTEX_WAKE_PRIVATE;
  syscall(SYS_futex, word, op, INT_MAX, nullptr, nullptr, 0);
}

// Announces a sleeper; returns the value to pass to wait(). Re-check the condition after it.
inline std::uint32_t prepare_wait(std::uint32_t* word) {
  return ref(word).fetch_or(kWaiterBit, std::memory_order_seq_cst) | kWaiterBit;
}

// Bumps the sequence and clears the waiter bit in one step; returns the previous value.
inline std::uint32_t bump(std::uint32_t* word) {
  auto w = ref(word);
  std::uint32_t old = w.load(std::memory_order_relaxed);
  while (!w.compare_exchange_weak(old, (old + 2) & ~kWaiterBit, std::memory_order_seq_cst,
                                  std::memory_order_relaxed)) {
  }
  return old;
}

// After changing the state a sleeper waits for: wakes sleepers, if any announced themselves.
inline void notify(std::uint32_t* word, bool shared) {
  if ((ref(word).load(std::memory_order_seq_cst) & kWaiterBit) == 0) return;  // fast path
  bump(word);
  wake_all(word, shared);
}

// Unconditional: bumps and wakes (close(), where a missed flag must not matter).
inline void notify_all(std::uint32_t* word, bool shared) {
  bump(word);
  wake_all(word, shared);
}

}  // namespace interpbench::futex
