// SpinBudget: how each set of limits adapts to caught and missed spins.
#include "backends/spin_policy.h"

#include <chrono>

#include <gtest/gtest.h>

namespace interpbench {
namespace {

using std::chrono::nanoseconds;

TEST(SpinBudgetTest, RingBudgetHalvesPerMissDownToTheFloorAndProbesEvery64thWait) {
  SpinBudget<kRingSpin> budget;
  EXPECT_EQ(budget.next(), nanoseconds(20'000));
  for (std::int64_t ns : {10'000, 5'000, 2'500, 1'250, 625, 500}) {
    budget.missed();
    EXPECT_EQ(budget.next(), nanoseconds(ns));  // the floor counts as wait 1 of 64
  }
  for (int wait = 2; wait < 64; ++wait) EXPECT_EQ(budget.next(), nanoseconds(500)) << wait;
  EXPECT_EQ(budget.next(), nanoseconds(20'000));  // the probe
  budget.missed();                                // a probe that misses stays at the floor
  EXPECT_EQ(budget.next(), nanoseconds(500));
  budget.caught();
  EXPECT_EQ(budget.next(), nanoseconds(20'000));
}

TEST(SpinBudgetTest, GilBudgetIsOffFor63WaitsAfterAMissThenProbes) {
  SpinBudget<kGilSpin> budget;
  EXPECT_EQ(budget.next(), nanoseconds(3'000));
  budget.caught();
  EXPECT_EQ(budget.next(), nanoseconds(3'000));
  budget.missed();
  for (int wait = 1; wait < 64; ++wait) EXPECT_EQ(budget.next(), nanoseconds(0)) << wait;
  EXPECT_EQ(budget.next(), nanoseconds(3'000));  // the probe
  budget.missed();
  for (int wait = 1; wait < 64; ++wait) EXPECT_EQ(budget.next(), nanoseconds(0)) << wait;
  EXPECT_EQ(budget.next(), nanoseconds(3'000));
  budget.caught();
  EXPECT_EQ(budget.next(), nanoseconds(3'000));
}

TEST(SpinUntilTest, ReturnsTrueOnceReadyAndFalseWhenTheSpinRunsOut) {
  int polls = 0;
  EXPECT_TRUE(spin_until([&] { return ++polls == 100; }, [] { return false; },
                         std::chrono::seconds(10), std::nullopt));
  EXPECT_FALSE(spin_until([] { return false; }, [] { return false; }, nanoseconds(1'000),
                          std::nullopt));
  EXPECT_FALSE(spin_until([] { return false; }, [] { return false; }, std::chrono::seconds(10),
                          Clock::now()));  // the hard stop ends it
}

}  // namespace
}  // namespace interpbench
