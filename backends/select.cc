// select_readable(): sleeps on every channel's event word at once with futex_waitv(2) (Linux >=
// 5.16), so a driver waiting for N workers costs one system call and no polling.
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <stdexcept>
#include <thread>
#include <vector>

#include "backends/channel.h"
#include "backends/futex.h"

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif

namespace interpbench {
namespace {

constexpr auto kSpin = std::chrono::microseconds(5);
constexpr auto kPollInterval = std::chrono::microseconds(100);  // only without futex_waitv

// Where this thread's next scan starts: after the channel its last select returned, so that every
// ready channel is served in turn (Go's select picks at random among ready cases for the same
// reason). Always from the first, a task farm whose send to a busy worker blocks starved the
// others: it took the first worker's answer, sent it the next task, waited for that worker to
// take it, and found the first worker's next answer first again (5 ms tasks of 1 MiB on 2
// workers: 190 tasks/s, one worker's worth; docs/performance.md).
thread_local std::size_t next_start = 0;

std::optional<std::size_t> first_readable(std::span<Channel* const> channels) {
  const std::size_t n = channels.size();
  const std::size_t start = next_start % n;
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = (start + k) % n;
    if (channels[i]->readable()) {
      next_start = i + 1;
      return i;
    }
  }
  return std::nullopt;
}

// Returns 0 when woken, else errno (ETIMEDOUT, EAGAIN: a word changed, EINTR, ENOSYS).
int futex_waitv(std::vector<struct futex_waitv>& waiters, std::optional<Clock::duration> left) {
  timespec abs{};
  timespec* absp = nullptr;
  if (left) {
    // futex_waitv takes an absolute CLOCK_MONOTONIC time (steady_clock's clock on Linux).
    clock_gettime(CLOCK_MONOTONIC, &abs);
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(*left).count();
    abs.tv_sec += static_cast<time_t>(ns / 1'000'000'000);
    abs.tv_nsec += static_cast<long>(ns % 1'000'000'000);
    if (abs.tv_nsec >= 1'000'000'000) {
      abs.tv_sec += 1;
      abs.tv_nsec -= 1'000'000'000;
    }
    absp = &abs;
  }
  if (syscall(SYS_futex_waitv, waiters.data(), static_cast<unsigned>(waiters.size()), 0U, absp,
              CLOCK_MONOTONIC) >= 0) {
    return 0;
  }
  return errno;
}

}  // namespace

std::optional<std::size_t> select_readable(std::span<Channel* const> channels, Deadline deadline) {
  if (channels.empty()) throw std::invalid_argument("select over no channels");
  if (auto i = first_readable(channels)) return i;
  const auto spin_until = Clock::now() + kSpin;
  while (Clock::now() < spin_until) {
    if (auto i = first_readable(channels)) return i;
  }

  static std::atomic<bool> have_waitv{true};  // cleared once if the kernel says ENOSYS
  std::vector<struct futex_waitv> waiters(channels.size());
  for (;;) {
    if (have_waitv && channels.size() <= FUTEX_WAITV_MAX) {
      // Announce a sleeper on every word first, then re-check: a channel that becomes readable
      // after its word was read changes the word, and futex_waitv returns at once (no lost wake-up).
      for (std::size_t i = 0; i < channels.size(); ++i) {
        const auto w = channels[i]->recv_wait_word();
        auto* word = const_cast<std::uint32_t*>(w.word);  // the waiter bit is ours to set
        waiters[i] = {};
        waiters[i].val = futex::prepare_wait(word);
        waiters[i].uaddr = reinterpret_cast<std::uintptr_t>(word);
        waiters[i].flags = FUTEX_32 | (w.shared ? 0 : FUTEX_PRIVATE_FLAG);
      }
      if (auto i = first_readable(channels)) return i;
      const auto left = deadline.remaining();
      if (left && left->count() == 0) return std::nullopt;
      if (futex_waitv(waiters, left) == ENOSYS) have_waitv = false;
    } else {
      if (auto i = first_readable(channels)) return i;
      const auto left = deadline.remaining();
      if (left && left->count() == 0) return std::nullopt;
      std::this_thread::sleep_for(left ? std::min<Clock::duration>(*left, kPollInterval)
                                       : Clock::duration(kPollInterval));
    }
  }
}

}  // namespace interpbench
