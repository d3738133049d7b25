#pragma once
// A point in time after which a wait gives up. Every blocking call in interpbench takes one.
// Every conversion saturates: a duration too long for the clock (--timeout 1e10, 1e308, inf)
// is a deadline at the end of the clock's range, never a signed overflow that wraps into the past.
//
// A deadline of a second or more starts from the coarse monotonic clock (CLOCK_MONOTONIC_COARSE:
// steady_clock's timeline as of the last tick), which costs 5 ns to read where steady_clock costs
// 24 (the development VM): such a deadline is earlier than now + d by the coarse clock's lag, a
// tick (kernel HZ: 4 ms there) or a little more where ticks come late (4.5 ms seen on a loaded
// VM), never later. Every channel operation makes one, so this keeps two clock reads off each
// round trip's fast path; a timeout of a second loses well under 1% of it.
#include <time.h>

#include <chrono>
#include <cmath>
#include <optional>
#include <ratio>
#include <type_traits>

namespace interpbench {

using Clock = std::chrono::steady_clock;

class Deadline {
 public:
  static Deadline never() { return Deadline{}; }
  // Now + d, clamped to the clock's range; d <= 0 is a deadline that has already passed.
  template <class Rep, class Period>
  static Deadline after(std::chrono::duration<Rep, Period> d) {
    return after_ns(saturating_ns(d));
  }
  // Python-style timeout: nullopt waits forever, <= 0 (or NaN) means "do not wait".
  static Deadline from_seconds(std::optional<double> seconds) {
    if (!seconds) return never();
    return after(std::chrono::duration<double>(*seconds));
  }
  // d in nanoseconds, clamped to [nanoseconds::min(), nanoseconds::max()]; NaN is 0.
  template <class Rep, class Period>
  static constexpr std::chrono::nanoseconds saturating_ns(std::chrono::duration<Rep, Period> d) {
    using Ns = std::chrono::nanoseconds;
    if constexpr (std::is_floating_point_v<Rep>) {
      const double ns = std::chrono::duration<double, std::nano>(d).count();
      if (std::isnan(ns)) return Ns::zero();
      // 2^63 is exactly representable; anything at or beyond it does not fit.
      if (ns >= 9223372036854775808.0) return Ns::max();
      if (ns <= -9223372036854775808.0) return Ns::min();
      return Ns(static_cast<Ns::rep>(ns));
    } else if constexpr (std::ratio_less_equal_v<Period, std::nano>) {
      return std::chrono::duration_cast<Ns>(d);  // as fine or finer: a division, cannot overflow
    } else {
      using Coarse = std::chrono::duration<long long, Period>;
      constexpr Coarse hi = std::chrono::duration_cast<Coarse>(Ns::max());
      constexpr Coarse lo = std::chrono::duration_cast<Coarse>(Ns::min());
      if (d >= hi) return Ns::max();
      if (d <= lo) return Ns::min();
      return std::chrono::duration_cast<Ns>(d);
    }
  }
  bool is_never() const { return !when_; }
  bool expired() const { return when_ && Clock::now() >= *when_; }
  // Time left, clamped at zero; nullopt when the deadline is never.
  std::optional<std::chrono::nanoseconds> remaining() const {
    if (!when_) return std::nullopt;
    auto left = *when_ - Clock::now();
    return left.count() > 0 ? std::chrono::duration_cast<std::chrono::nanoseconds>(left)
                            : std::chrono::nanoseconds{0};
  }
  std::optional<Clock::time_point> when() const { return when_; }

 private:
  static_assert(std::is_same_v<Clock::duration, std::chrono::nanoseconds>);
  static constexpr std::chrono::nanoseconds kCoarseFrom = std::chrono::seconds(1);
  static Clock::time_point coarse_now() {
    timespec ts{};
    if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) != 0) return Clock::now();
    return Clock::time_point(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
  }
  static Deadline after_ns(std::chrono::nanoseconds d) {
    const auto now = d >= kCoarseFrom ? coarse_now() : Clock::now();
    if (d <= std::chrono::nanoseconds::zero()) return Deadline{now};
    if (d >= Clock::time_point::max() - now) return Deadline{Clock::time_point::max()};
    return Deadline{now + d};
  }
  Deadline() = default;
  explicit Deadline(Clock::time_point t) : when_(t) {}
  std::optional<Clock::time_point> when_;
};

}  // namespace interpbench
