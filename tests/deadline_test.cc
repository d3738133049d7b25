// core/deadline.h: every conversion saturates, so a huge timeout is a deadline far away, never
// one that wrapped into the past (a signed overflow: UB, and in practice an expired deadline).
#include "core/deadline.h"

#include <time.h>

#include <chrono>
#include <limits>

#include <gtest/gtest.h>

namespace interpbench {
namespace {

using namespace std::chrono_literals;

constexpr auto kYear = std::chrono::hours(24 * 365);

TEST(DeadlineTest, HugeSecondsAreFarAwayNotExpired) {
  for (double s : {1e10, 1e12, 9.3e9, 1e308, std::numeric_limits<double>::max(),
                   std::numeric_limits<double>::infinity()}) {
    SCOPED_TRACE(s);
    const Deadline d = Deadline::from_seconds(s);
    EXPECT_FALSE(d.is_never());
    EXPECT_FALSE(d.expired());
    ASSERT_TRUE(d.remaining());
    EXPECT_GT(*d.remaining(), 100 * kYear);
  }
}

TEST(DeadlineTest, HugeDurationsSaturate) {
  EXPECT_GT(*Deadline::after(std::chrono::nanoseconds::max()).remaining(), 100 * kYear);
  EXPECT_GT(*Deadline::after(std::chrono::hours::max()).remaining(), 100 * kYear);
  EXPECT_GT(*Deadline::after(std::chrono::seconds(std::numeric_limits<long long>::max() / 2)).remaining(),
            100 * kYear);
  EXPECT_FALSE(Deadline::after(std::chrono::duration<double>(1e300)).expired());
  EXPECT_EQ(Deadline::saturating_ns(std::chrono::duration<double>(1e308)), std::chrono::nanoseconds::max());
  EXPECT_EQ(Deadline::saturating_ns(std::chrono::duration<double>(-1e308)), std::chrono::nanoseconds::min());
  EXPECT_EQ(Deadline::saturating_ns(std::chrono::hours::min()), std::chrono::nanoseconds::min());
  EXPECT_EQ(Deadline::saturating_ns(std::chrono::duration<double>(1.5)), 1500ms);
  EXPECT_EQ(Deadline::saturating_ns(2s), 2s);
}

TEST(DeadlineTest, ZeroNegativeAndNanDoNotWait) {
  for (double s : {0.0, -1.0, -1e308, -std::numeric_limits<double>::infinity(),
                   std::numeric_limits<double>::quiet_NaN()}) {
    SCOPED_TRACE(s);
    const Deadline d = Deadline::from_seconds(s);
    EXPECT_TRUE(d.expired());
    EXPECT_EQ(d.remaining(), std::chrono::nanoseconds{0});
  }
  EXPECT_TRUE(Deadline::after(std::chrono::hours::min()).expired());
  EXPECT_TRUE(Deadline::from_seconds(std::nullopt).is_never());
}

TEST(DeadlineTest, DurationsUnderASecondAreExact) {
  const auto before = Clock::now();
  const Deadline d = Deadline::from_seconds(0.5);
  const auto after = Clock::now();
  ASSERT_TRUE(d.when());
  EXPECT_GE(*d.when(), before + 500ms);
  EXPECT_LE(*d.when(), after + 500ms);
}

// From a second on, the coarse clock: never later than now + d, and early by the coarse clock's
// lag only: a tick, a little more where ticks come late (4.5 ms with a 4 ms tick on a loaded VM);
// bounded here at five ticks.
TEST(DeadlineTest, DurationsOfASecondOrMoreAreNeverLateAndAFewCoarseTicksEarlyAtMost) {
  timespec res{};
  ASSERT_EQ(clock_getres(CLOCK_MONOTONIC_COARSE, &res), 0);
  const auto tick = std::chrono::seconds(res.tv_sec) + std::chrono::nanoseconds(res.tv_nsec);
  for (double s : {1.0, 2.0, 10.0}) {
    SCOPED_TRACE(s);
    const auto before = Clock::now();
    const Deadline d = Deadline::from_seconds(s);
    const auto after = Clock::now();
    const auto d_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(s));
    ASSERT_TRUE(d.when());
    EXPECT_LE(*d.when(), after + d_ns);
    EXPECT_GE(*d.when(), before + d_ns - 5 * tick);
    EXPECT_FALSE(d.expired());
  }
}

}  // namespace
}  // namespace interpbench
