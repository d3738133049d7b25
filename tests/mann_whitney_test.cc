// Mann-Whitney U checked against hand-computed values and values scipy.stats.mannwhitneyu gives
// (the two asymptotic figures are also the ones Chromium's pinpoint tests quote for the same
// tie- and continuity-corrected method).
#include "reports/mann_whitney.h"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

namespace interpbench {
namespace {

std::vector<double> range(int from, int to) {
  std::vector<double> v;
  for (int i = from; i < to; ++i) v.push_back(i);
  return v;
}

TEST(MannWhitneyTest, SeparatedSmallSamplesUseExactDistribution) {
  // U1 = 0; 2 of the C(6,3) = 20 equally likely arrangements are this extreme -> p = 2/20.
  const std::vector<double> x{1, 2, 3}, y{4, 5, 6};
  const auto r = mann_whitney_u(x, y);
  EXPECT_TRUE(r.exact);
  EXPECT_DOUBLE_EQ(r.u1, 0);
  EXPECT_NEAR(r.p_value, 0.1, 1e-12);
}

TEST(MannWhitneyTest, InterleavedSmallSamplesExactByHand) {
  // U1 = 3 (3>2, 5>2, 5>4); U counts for 3x3 are 1,1,2,3,3,3,3,2,1,1 -> P(U<=3) = 7/20.
  const std::vector<double> x{1, 3, 5}, y{2, 4, 6};
  const auto r = mann_whitney_u(x, y);
  EXPECT_DOUBLE_EQ(r.u1, 3);
  EXPECT_NEAR(r.p_value, 0.7, 1e-12);
}

TEST(MannWhitneyTest, ExactMatchesBruteForceEnumeration) {
  // Enumerate all C(12,4) ways to pick x's ranks; count those with U <= u.
  const int n1 = 4, n2 = 8, n = n1 + n2;
  std::vector<int> u_of_subset;
  for (int mask = 0; mask < (1 << n); ++mask) {
    if (__builtin_popcount(mask) != n1) continue;
    int u = 0;
    for (int i = 0; i < n; ++i)
      if (mask & (1 << i))
        for (int j = 0; j < i; ++j)
          if (!(mask & (1 << j))) ++u;
    u_of_subset.push_back(u);
  }
  for (int u = 0; u <= n1 * n2; ++u) {
    const int lo = std::min(u, n1 * n2 - u);
    double below = 0;
    for (int v : u_of_subset) below += v <= lo;
    const double expected = std::min(1.0, 2.0 * below / static_cast<double>(u_of_subset.size()));
    EXPECT_NEAR(mann_whitney_exact_p(u, n1, n2), expected, 1e-12) << "u=" << u;
  }
}

TEST(MannWhitneyTest, LargeSamplesUseNormalApproximation) {
  const auto r = mann_whitney_u(range(0, 10), range(20, 30));
  EXPECT_FALSE(r.exact);
  EXPECT_NEAR(r.p_value, 0.00018267179110955, 1e-12);
}

TEST(MannWhitneyTest, TiesUseTieCorrectedApproximation) {
  // range(5) vs range(10): ties, so the normal approximation even though n1 <= 8.
  const auto r = mann_whitney_u(range(0, 5), range(0, 10));
  EXPECT_FALSE(r.exact);
  EXPECT_DOUBLE_EQ(r.u1, 12.5);
  EXPECT_NEAR(r.p_value, 0.13986357686781276, 1e-12);
}

TEST(MannWhitneyTest, SymmetricInItsArguments) {
  const std::vector<double> x{1, 2, 2, 3, 3, 3, 4, 9, 9, 10}, y{3, 4, 5, 5, 6, 7, 8, 9, 11, 12};
  const auto a = mann_whitney_u(x, y), b = mann_whitney_u(y, x);
  EXPECT_DOUBLE_EQ(a.u1, 26);
  EXPECT_DOUBLE_EQ(b.u1, 100 - 26);
  EXPECT_NEAR(a.p_value, 0.07379276006639655, 1e-12);
  EXPECT_NEAR(a.p_value, b.p_value, 1e-15);
}

TEST(MannWhitneyTest, AllTiedOrEmptyCannotTell) {
  const std::vector<double> same{5, 5, 5, 5, 5, 5, 5, 5, 5, 5}, empty;
  EXPECT_DOUBLE_EQ(mann_whitney_u(same, same).p_value, 1.0);
  EXPECT_DOUBLE_EQ(mann_whitney_u(same, empty).p_value, 1.0);
}

}  // namespace
}  // namespace interpbench
