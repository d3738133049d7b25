// The seeded row order of each round: SplitMix64 and the Fisher-Yates shuffle on it.
#include "core/round_statistics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

#include "tests/statistics_fixtures.h"

namespace interpbench {
namespace {

using testing::binomial_tolerance;
TEST(SplitMix64Test, MatchesTheReferenceImplementation) {
  // First outputs of Vigna's splitmix64.c seeded with 1234567.
  SplitMix64 rng(1234567);
  EXPECT_EQ(rng.next(), 6457827717110365317ULL);
  EXPECT_EQ(rng.next(), 3203168211198807973ULL);
  EXPECT_EQ(rng.next(), 9817491932198370423ULL);
  EXPECT_EQ(rng.next(), 4593380528125082431ULL);
  EXPECT_EQ(rng.next(), 16408922859458223821ULL);
}

TEST(SplitMix64Test, BelowIsUniformAndInRange) {
  SplitMix64 rng(1);
  int counts[3] = {0, 0, 0};
  for (int i = 0; i < 30000; ++i) ++counts[rng.below(3)];
  for (int c : counts) EXPECT_NEAR(c, 10000, 400);
  EXPECT_EQ(rng.below(1), 0u);
  for (int i = 0; i < 1000; ++i) {
    const double u = rng.unit();
    EXPECT_GE(u, 0);
    EXPECT_LT(u, 1);
  }
}

TEST(ShuffledOrderTest, IsAPermutation) {
  for (std::size_t n : {0u, 1u, 2u, 8u, 100u}) {
    auto order = shuffled_order(n, 42, 3);
    ASSERT_EQ(order.size(), n);
    std::sort(order.begin(), order.end());
    for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(order[i], i);
  }
}

TEST(ShuffledOrderTest, SameSeedAndStreamGiveTheSameOrder) {
  EXPECT_EQ(shuffled_order(12, 42, 5), shuffled_order(12, 42, 5));
  EXPECT_NE(shuffled_order(12, 42, 5), shuffled_order(12, 43, 5));
}

TEST(ShuffledOrderTest, DifferentStreamsGiveDifferentOrders) {
  std::set<std::vector<std::size_t>> orders;
  int differs_from_stream_zero = 0;
  const auto first = shuffled_order(8, 42, 0);
  for (std::uint64_t stream = 0; stream < 100; ++stream) {
    const auto order = shuffled_order(8, 42, stream);
    orders.insert(order);
    differs_from_stream_zero += order != first;
  }
  EXPECT_GE(orders.size(), 95u);  // 8! = 40320: a repeat among 100 is rare
  EXPECT_GE(differs_from_stream_zero, 97);
}

TEST(ShuffledOrderTest, FixedSeedGivesAFixedPermutation) {
  // Guards the platform-independent order: a change here reorders every recorded run.
  EXPECT_EQ(shuffled_order(8, 42, 0), (std::vector<std::size_t>{2, 6, 0, 7, 5, 4, 1, 3}));
  EXPECT_EQ(shuffled_order(8, 42, 1), (std::vector<std::size_t>{3, 2, 7, 4, 6, 0, 5, 1}));
}

}  // namespace
}  // namespace interpbench
