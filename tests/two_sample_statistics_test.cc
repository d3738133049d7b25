// Two independent samples (compare of two saved runs): Hodges-Lehmann with the Moses interval and
// the exact Mann-Whitney null, and why the percentile bootstrap is not used.
#include "core/round_statistics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "tests/statistics_fixtures.h"

namespace interpbench {
namespace {

using testing::binomial_tolerance;
using testing::expect_all_near;
using testing::lognormal;
TEST(HodgesLehmannTest, ExactNullDistributionMatchesSmallCases) {
  const auto p33 = mann_whitney_u_pmf(3, 3);  // counts 1 1 2 3 3 3 3 2 1 1 over C(6, 3) = 20
  const std::vector<double> counts = {1, 1, 2, 3, 3, 3, 3, 2, 1, 1};
  ASSERT_EQ(p33.size(), counts.size());
  for (std::size_t u = 0; u < counts.size(); ++u) EXPECT_NEAR(p33[u], counts[u] / 20, 1e-15);
  EXPECT_NEAR(p33[0], 1.0 / 20, 1e-15);  // P(U <= 0)

  const auto p23 = mann_whitney_u_pmf(2, 3);  // partitions of u into <= 2 parts <= 3
  expect_all_near(p23, {0.1, 0.1, 0.2, 0.2, 0.2, 0.1, 0.1});
  expect_all_near(mann_whitney_u_pmf(1, 1), {0.5, 0.5});
  expect_all_near(mann_whitney_u_pmf(0, 4), {1});

  // m = n = 8: P(U <= 13) = 321/12870 <= 0.025 < P(U <= 14) = 418/12870, the tabled critical
  // value 13 of the two-sided 5% test.
  const auto p88 = mann_whitney_u_pmf(8, 8);
  double cdf = 0;
  for (std::size_t u = 0; u <= 13; ++u) cdf += p88[u];
  EXPECT_NEAR(cdf, 321.0 / 12870, 1e-15);
  EXPECT_NEAR(cdf + p88[14], 418.0 / 12870, 1e-15);

  // m = n = 50 (the largest exact case) still sums to 1 and is symmetric.
  const auto p50 = mann_whitney_u_pmf(50, 50);
  double total = 0;
  for (double x : p50) total += x;
  EXPECT_NEAR(total, 1, 1e-12);
  EXPECT_NEAR(p50[100] / p50[2400], 1, 1e-12);
}

TEST(HodgesLehmannTest, IdenticalSamplesGiveRatioOneNotSignificant) {
  const std::vector<double> x = {1.0, 1.3, 0.9, 1.1, 1.2, 0.95, 1.05, 1.15};
  const RatioEstimate r = hodges_lehmann_ratio(x, x);
  EXPECT_EQ(r.n, 64u);
  EXPECT_DOUBLE_EQ(r.ratio, 1);
  EXPECT_LT(r.low, 1);
  EXPECT_GT(r.high, 1);
  EXPECT_FALSE(r.significant);
  EXPECT_DOUBLE_EQ(r.p_value, 1);
}

TEST(HodgesLehmannTest, TenPercentSlowerCandidateGivesRatioOnePointOne) {
  std::vector<double> base, candidate;
  for (int i = 0; i < 8; ++i) {
    base.push_back(1.0 + 0.01 * i);
    candidate.push_back(base.back() * 1.10);
  }
  const RatioEstimate r = hodges_lehmann_ratio(base, candidate);
  EXPECT_NEAR(r.ratio, 1.10, 1e-9);
  EXPECT_GT(r.low, 1);
  EXPECT_GE(r.high, 1.10);
  EXPECT_TRUE(r.reaches_level);
  EXPECT_TRUE(r.significant);
  EXPECT_NEAR(r.coverage, 1 - 2 * 321.0 / 12870, 1e-15);  // k = 14
  EXPECT_NEAR(r.p_value, 2.0 / 12870, 1e-15);             // every candidate above every base
  // The Moses interval: d_(14) and d_(51) of the 64 differences log(c_j) - log(b_i).
  std::vector<double> d;
  for (double b : base)
    for (double c : candidate) d.push_back(std::log(c) - std::log(b));
  std::sort(d.begin(), d.end());
  EXPECT_NEAR(r.low, std::exp(d[13]), 1e-15);
  EXPECT_NEAR(r.high, std::exp(d[50]), 1e-15);
}

TEST(HodgesLehmannTest, ThreeAgainstThreeCannotReachTheLevel) {
  const std::vector<double> base = {1, 2, 3}, candidate = {10, 20, 30};
  const RatioEstimate r = hodges_lehmann_ratio(base, candidate);
  EXPECT_FALSE(r.reaches_level);
  EXPECT_FALSE(r.significant);
  EXPECT_DOUBLE_EQ(r.coverage, 0.9);  // 1 - 2 P(U <= 0) = 1 - 2/20
  EXPECT_DOUBLE_EQ(r.low, 10.0 / 3);  // min and max of the pairwise ratios
  EXPECT_DOUBLE_EQ(r.high, 30);
  EXPECT_DOUBLE_EQ(r.ratio, 10);
  EXPECT_DOUBLE_EQ(r.p_value, 0.1);  // exact: 2 / 20
}

TEST(HodgesLehmannTest, TiesUseTheNormalApproximationWithTieCorrection) {
  // U = 2.5 + 3.5 + 4 + 4 = 14 of 16; ties 3,3 and 4,4: sum(t^3 - t) = 12;
  // Var = 16/12 (9 - 12/56) = 11.714...; z = (14 - 8 - 0.5) / sqrt(Var) = 1.60696.
  const std::vector<double> base = {1, 2, 3, 4}, candidate = {3, 4, 5, 6};
  EXPECT_NEAR(hodges_lehmann_ratio(base, candidate).p_value, 0.10806337293756862, 1e-12);
}

TEST(HodgesLehmannTest, LargeSamplesUseTheNormalApproximation) {
  std::vector<double> base, candidate;
  for (int i = 0; i < 60; ++i) {
    base.push_back(1.0 + 0.01 * i);
    candidate.push_back(base.back() * 1.2);
  }
  const RatioEstimate r = hodges_lehmann_ratio(base, candidate);
  EXPECT_NEAR(r.ratio, 1.2, 1e-9);
  EXPECT_TRUE(r.reaches_level);
  EXPECT_NEAR(r.coverage, 0.95, 0.002);
  EXPECT_TRUE(r.significant);
  EXPECT_LT(r.p_value, 1e-6);
}

TEST(HodgesLehmannTest, SwappingSamplesInvertsTheRatio) {
  SplitMix64 rng(3);
  const auto x = lognormal(rng, 7, 0.0, 0.2), y = lognormal(rng, 9, 0.1, 0.2);
  const RatioEstimate xy = hodges_lehmann_ratio(x, y), yx = hodges_lehmann_ratio(y, x);
  EXPECT_NEAR(xy.ratio * yx.ratio, 1, 1e-12);
  EXPECT_NEAR(xy.low * yx.high, 1, 1e-12);
  EXPECT_DOUBLE_EQ(xy.p_value, yx.p_value);
}

TEST(HodgesLehmannTest, CoversTheTrueRatioAtLeastAtTheLevel) {
  constexpr int kTrials = 1000;
  SplitMix64 rng(11);
  int covered = 0;
  double coverage = 0;
  for (int t = 0; t < kTrials; ++t) {
    const auto base = lognormal(rng, 8, 0.0, 0.3), candidate = lognormal(rng, 8, 0.25, 0.3);
    const RatioEstimate r = hodges_lehmann_ratio(base, candidate);
    coverage = r.coverage;
    covered += r.low <= std::exp(0.25) && std::exp(0.25) <= r.high;
  }
  const double fraction = static_cast<double>(covered) / kTrials;
  EXPECT_GE(fraction, 0.95 - 0.02);
  EXPECT_NEAR(fraction, coverage, binomial_tolerance(coverage, kTrials));
}

// --- bootstrap_median_interval --------------------------------------------------------------

TEST(BootstrapTest, PercentileBootstrapCoversLessOftenThanOrderStatistics) {
  // Why the tool reports median_interval: for rounds-sized samples the percentile bootstrap of
  // the median falls short of its nominal level, the order-statistic interval does not.
  constexpr int kTrials = 1000;
  const double true_median = 1.0;
  SplitMix64 rng(5);
  int boot_covered = 0, order_covered = 0;
  for (int t = 0; t < kTrials; ++t) {
    const auto v = lognormal(rng, 9, 0.0, 0.5);
    const Interval boot = bootstrap_median_interval(v, 0.95, 500, 1000u + static_cast<unsigned>(t));
    const MedianInterval order = median_interval(v);
    boot_covered += boot.low <= true_median && true_median <= boot.high;
    order_covered += order.low <= true_median && true_median <= order.high;
  }
  EXPECT_GE(order_covered, static_cast<int>(0.93 * kTrials));
  EXPECT_LT(boot_covered, order_covered);
  EXPECT_LT(boot_covered, static_cast<int>(0.95 * kTrials));
}

TEST(BootstrapTest, SameSeedGivesTheSameInterval) {
  const std::vector<double> v = {1.0, 1.2, 0.9, 1.1, 1.3, 0.95, 1.05};
  const Interval a = bootstrap_median_interval(v, 0.9, 200, 17);
  const Interval b = bootstrap_median_interval(v, 0.9, 200, 17);
  EXPECT_EQ(a.low, b.low);
  EXPECT_EQ(a.high, b.high);
  EXPECT_LE(a.low, a.high);
  EXPECT_GE(a.low, 0.9);
  EXPECT_LE(a.high, 1.3);
  EXPECT_EQ(bootstrap_median_interval({}, 0.9, 200, 17).high, 0);
}

// --- SplitMix64 and shuffled_order ----------------------------------------------------------

}  // namespace
}  // namespace interpbench
