#pragma once
// A point in time after which a wait gives up. Every blocking call in interpbench takes one.
#include <chrono>
#include <optional>

namespace interpbench {

using Clock = std::chrono::steady_clock;

class Deadline {
 public:
  static Deadline never() { return Deadline{}; }
  static Deadline after(std::chrono::nanoseconds d) { return Deadline{Clock::now() + d}; }
  // Python-style timeout: nullopt waits forever, <= 0 means "do not wait".
  static Deadline from_seconds(std::optional<double> seconds) {
    if (!seconds) return never();
    return after(std::chrono::nanoseconds(static_cast<long long>(*seconds * 1e9)));
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
  Deadline() = default;
  explicit Deadline(Clock::time_point t) : when_(t) {}
  std::optional<Clock::time_point> when_;
};

}  // namespace interpbench
