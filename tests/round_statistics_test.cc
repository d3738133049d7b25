#include "core/round_statistics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <stdexcept>
#include <vector>

#include "tests/statistics_fixtures.h"

namespace interpbench {
namespace {

using testing::binomial_tolerance;
using testing::expect_all_near;
using testing::lognormal;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
// --- median_interval -----------------------------------------------------------------------

TEST(MedianIntervalTest, SixValuesGiveMinToMaxWithCoverage96875) {
  const std::vector<double> v = {5, 3, 6, 1, 4, 2};
  const MedianInterval r = median_interval(v);
  EXPECT_EQ(r.n, 6u);
  EXPECT_DOUBLE_EQ(r.median, 3.5);
  EXPECT_DOUBLE_EQ(r.low, 1);
  EXPECT_DOUBLE_EQ(r.high, 6);
  EXPECT_DOUBLE_EQ(r.coverage, 1 - 2.0 / 64);  // 0.96875
  EXPECT_TRUE(r.reaches_level);
}

TEST(MedianIntervalTest, TenValuesGiveSecondAndNinthOrderStatistics) {
  const std::vector<double> v = {10, 1, 9, 2, 8, 3, 7, 4, 6, 5};
  const MedianInterval r = median_interval(v);
  EXPECT_DOUBLE_EQ(r.median, 5.5);
  EXPECT_DOUBLE_EQ(r.low, 2);
  EXPECT_DOUBLE_EQ(r.high, 9);
  EXPECT_DOUBLE_EQ(r.coverage, 0.978515625);  // 1 - 2 (1 + 10) / 1024
  EXPECT_TRUE(r.reaches_level);
}

TEST(MedianIntervalTest, FiveValuesCannotReachTheLevelAndSaySo) {
  const std::vector<double> v = {3, 1, 2, 5, 4};
  const MedianInterval r = median_interval(v);
  EXPECT_DOUBLE_EQ(r.median, 3);
  EXPECT_DOUBLE_EQ(r.low, 1);
  EXPECT_DOUBLE_EQ(r.high, 5);
  EXPECT_DOUBLE_EQ(r.coverage, 0.9375);  // 1 - 2 / 32
  EXPECT_FALSE(r.reaches_level);
  // ... but it does reach a lower level.
  EXPECT_TRUE(median_interval(v, 0.9).reaches_level);
}

TEST(MedianIntervalTest, LowerLevelGivesNarrowerInterval) {
  const std::vector<double> v = {10, 1, 9, 2, 8, 3, 7, 4, 6, 5};
  const MedianInterval r = median_interval(v, 0.80);
  EXPECT_DOUBLE_EQ(r.low, 3);  // k = 3: 1 - 2 (1 + 10 + 45) / 1024 = 0.890625
  EXPECT_DOUBLE_EQ(r.high, 8);
  EXPECT_DOUBLE_EQ(r.coverage, 0.890625);
}

TEST(MedianIntervalTest, SingleValueHasZeroCoverage) {
  const std::vector<double> v = {7};
  const MedianInterval r = median_interval(v);
  EXPECT_EQ(r.n, 1u);
  EXPECT_DOUBLE_EQ(r.median, 7);
  EXPECT_DOUBLE_EQ(r.low, 7);
  EXPECT_DOUBLE_EQ(r.high, 7);
  EXPECT_DOUBLE_EQ(r.coverage, 0);
  EXPECT_FALSE(r.reaches_level);
}

TEST(MedianIntervalTest, SkipsNonFiniteValues) {
  const std::vector<double> v = {kNaN, 5, 3, kInf, 6, 1, -kInf, 4, 2};
  const MedianInterval r = median_interval(v);
  EXPECT_EQ(r.n, 6u);
  EXPECT_DOUBLE_EQ(r.median, 3.5);
  EXPECT_DOUBLE_EQ(r.low, 1);
  EXPECT_DOUBLE_EQ(r.high, 6);
}

TEST(MedianIntervalTest, EmptyInputGivesZeroInterval) {
  const MedianInterval r = median_interval({});
  EXPECT_EQ(r.n, 0u);
  EXPECT_EQ(r.median, 0);
  EXPECT_EQ(r.low, 0);
  EXPECT_EQ(r.high, 0);
  EXPECT_EQ(r.coverage, 0);
  EXPECT_FALSE(r.reaches_level);
  const std::vector<double> only_nan = {kNaN};
  EXPECT_EQ(median_interval(only_nan).n, 0u);
}

TEST(MedianIntervalTest, RejectsALevelOutsideZeroToOne) {
  const std::vector<double> v = {1, 2, 3};
  EXPECT_THROW(median_interval(v, 0), std::invalid_argument);
  EXPECT_THROW(median_interval(v, 1), std::invalid_argument);
  EXPECT_THROW(median_interval(v, kNaN), std::invalid_argument);
}

TEST(MedianIntervalTest, LargeSampleUsesTheLogGammaBranchAndStaysSymmetric) {
  std::vector<double> v(2001);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i);
  const MedianInterval r = median_interval(v);
  EXPECT_DOUBLE_EQ(r.median, 1000);
  EXPECT_DOUBLE_EQ(r.low + r.high, 2000);
  // Normal approximation: k ~ n/2 - 1.96 sqrt(n)/2 ~ 956, so x_(k) = k - 1 ~ 955.
  EXPECT_NEAR(r.low, 955, 2);
  EXPECT_GE(r.coverage, 0.95);
  EXPECT_LT(r.coverage, 0.955);
}

TEST(MedianIntervalTest, CoversTheTrueMedianAtLeastAtTheLevel) {
  constexpr int kTrials = 2000;
  const double true_median = std::exp(1.0);
  SplitMix64 rng(20240601);
  for (std::size_t n : {6u, 9u, 15u}) {
    int covered = 0;
    double coverage = 0;
    for (int t = 0; t < kTrials; ++t) {
      const MedianInterval r = median_interval(lognormal(rng, n, 1.0, 0.5));
      coverage = r.coverage;  // depends on n only
      covered += r.low <= true_median && true_median <= r.high;
    }
    const double fraction = static_cast<double>(covered) / kTrials;
    SCOPED_TRACE(::testing::Message() << "n = " << n << ", exact coverage " << coverage);
    EXPECT_GE(fraction, 0.95 - 0.02);
    EXPECT_NEAR(fraction, coverage, binomial_tolerance(coverage, kTrials));
  }
}

// --- paired_ratio ---------------------------------------------------------------------------

TEST(PairedRatioTest, DoubledRowGivesRatioTwoSignificantly) {
  const std::vector<double> a = {2, 4, 6, 8, 10, 12}, b = {1, 2, 3, 4, 5, 6};
  const RatioEstimate r = paired_ratio(a, b);
  EXPECT_EQ(r.n, 6u);
  EXPECT_DOUBLE_EQ(r.ratio, 2);
  EXPECT_DOUBLE_EQ(r.low, 2);
  EXPECT_DOUBLE_EQ(r.high, 2);
  EXPECT_DOUBLE_EQ(r.coverage, 0.96875);
  EXPECT_TRUE(r.reaches_level);
  EXPECT_TRUE(r.significant);
  EXPECT_DOUBLE_EQ(r.p_value, 2.0 / 64);  // all six above 1: 2 * 2^-6
}

TEST(PairedRatioTest, RatiosStraddlingOneAreNotSignificant) {
  // ratios 0.9 1.1 0.95 1.05 1.0 1.2: the 1.0 leaves the sign test; 3 above, 2 below.
  const std::vector<double> a = {0.9, 1.1, 0.95, 1.05, 1.0, 1.2}, b(6, 1.0);
  const RatioEstimate r = paired_ratio(a, b);
  EXPECT_DOUBLE_EQ(r.low, 0.9);
  EXPECT_DOUBLE_EQ(r.high, 1.2);
  EXPECT_NEAR(r.ratio, std::sqrt(1.0 * 1.05), 1e-15);  // geometric mean of the middle two
  EXPECT_TRUE(r.reaches_level);
  EXPECT_FALSE(r.significant);
  EXPECT_DOUBLE_EQ(r.p_value, 1);  // 2 P(Bin(5, 1/2) <= 2) = 1
}

TEST(PairedRatioTest, FiveRoundsCannotBeSignificantAtNinetyFivePercent) {
  const std::vector<double> a = {3, 3, 3, 3, 3}, b = {1, 1, 1, 1, 1};
  const RatioEstimate r = paired_ratio(a, b);
  EXPECT_DOUBLE_EQ(r.ratio, 3);
  EXPECT_FALSE(r.reaches_level);
  EXPECT_FALSE(r.significant);
  EXPECT_DOUBLE_EQ(r.coverage, 0.9375);
  EXPECT_DOUBLE_EQ(r.p_value, 2.0 / 32);
}

TEST(PairedRatioTest, SkipsZerosNonFiniteValuesAndUnpairedRounds) {
  const std::vector<double> a = {2, 0, kNaN, 4, kInf, 6, 9, 9};
  const std::vector<double> b = {1, 1, 1, 2, 1, 0, -1};  // a[7] has no partner
  EXPECT_EQ(paired_ratios(a, b), (std::vector<double>{2, 2}));
  const RatioEstimate r = paired_ratio(a, b);
  EXPECT_EQ(r.n, 2u);
  EXPECT_DOUBLE_EQ(r.ratio, 2);
  EXPECT_FALSE(r.significant);
}

TEST(PairedRatioTest, NoUsablePairGivesRatioOne) {
  const std::vector<double> a = {0, kNaN}, b = {1, 1};
  const RatioEstimate r = paired_ratio(a, b);
  EXPECT_EQ(r.n, 0u);
  EXPECT_EQ(r.ratio, 1);
  EXPECT_EQ(r.p_value, 1);
  EXPECT_FALSE(r.significant);
}

TEST(PairedRatioTest, SwappingTheRowsInvertsRatioAndInterval) {
  SplitMix64 rng(7);
  const auto a = lognormal(rng, 8, 0.0, 0.3), b = lognormal(rng, 8, 0.2, 0.3);
  const RatioEstimate ab = paired_ratio(a, b), ba = paired_ratio(b, a);
  EXPECT_NEAR(ab.ratio * ba.ratio, 1, 1e-14);
  EXPECT_NEAR(ab.low * ba.high, 1, 1e-14);
  EXPECT_NEAR(ab.high * ba.low, 1, 1e-14);
  EXPECT_DOUBLE_EQ(ab.p_value, ba.p_value);
}

TEST(PairedRatioTest, SignificanceAgreesWithTheSignTest) {
  // The order-statistic interval inverts the sign test: with no ratio exactly 1, it excludes 1
  // at level 0.95 exactly when p <= 0.05.
  SplitMix64 rng(99);
  int significant = 0;
  for (int t = 0; t < 500; ++t) {
    const auto n = static_cast<std::size_t>(5 + t % 8);  // 5 .. 12 rounds
    const auto a = lognormal(rng, n, 0.1, 0.1), b = lognormal(rng, n, 0.0, 0.1);
    const RatioEstimate r = paired_ratio(a, b);
    EXPECT_EQ(r.significant, r.p_value <= 0.05) << "trial " << t;
    significant += r.significant;
  }
  EXPECT_GT(significant, 50);  // the check above was not vacuous
}

// --- benjamini_hochberg ---------------------------------------------------------------------

TEST(BenjaminiHochbergTest, HandComputedFourValues) {
  // sorted: 0.005 0.01 0.03 0.04 -> p m / j = 0.02 0.02 0.04 0.04, already monotone.
  const std::vector<double> p = {0.01, 0.04, 0.03, 0.005};
  expect_all_near(benjamini_hochberg(p), {0.02, 0.04, 0.04, 0.02});
}

TEST(BenjaminiHochbergTest, MatchesRPAdjustWithTheStepUpMinimum) {
  // p m / j = 0.01 0.04 0.13 0.1025 0.084 0.1 0.10571 0.25625 0.23556 0.216; the running minimum
  // from the top pulls 0.13 and 0.1025 down to 0.084 and 0.25625, 0.23556 down to 0.216.
  const std::vector<double> p = {0.001, 0.008, 0.039, 0.041, 0.042,
                                 0.06,  0.074, 0.205, 0.212, 0.216};
  expect_all_near(benjamini_hochberg(p), {0.01, 0.04, 0.084, 0.084, 0.084, 0.1, 0.074 * 10 / 7,
                                          0.216, 0.216, 0.216});
}

TEST(BenjaminiHochbergTest, TiedPValuesInAnyOrder) {
  // sorted: 0.0001 0.003 0.012 0.04 0.04 0.21 0.5 0.9; the tied 0.04 get min(0.08, 0.064).
  const std::vector<double> p = {0.21, 0.003, 0.04, 0.5, 0.012, 0.04, 0.9, 0.0001};
  expect_all_near(benjamini_hochberg(p),
                  {0.28, 0.012, 0.064, 0.5 * 8 / 7, 0.032, 0.064, 0.9, 0.0008});
}

TEST(BenjaminiHochbergTest, AllOnesStayOne) {
  const std::vector<double> p(5, 1.0);
  expect_all_near(benjamini_hochberg(p), std::vector<double>(5, 1.0));
}

TEST(BenjaminiHochbergTest, SinglePValueIsUnchanged) {
  const std::vector<double> p = {0.037};
  expect_all_near(benjamini_hochberg(p), {0.037});
}

TEST(BenjaminiHochbergTest, EmptyAndNonFiniteInputs) {
  EXPECT_TRUE(benjamini_hochberg({}).empty());
  const std::vector<double> p = {0.01, kNaN};  // NaN counts as 1: 0.01 * 2 / 1
  expect_all_near(benjamini_hochberg(p), {0.02, 1});
}

// --- split_half -----------------------------------------------------------------------------

TEST(SplitHalfTest, HalvesThatDisagreeByTenPercent) {
  const std::vector<double> a = {1.0, 1.1, 1.0, 1.1}, b(4, 1.0);
  const SplitHalf s = split_half(a, b);
  ASSERT_TRUE(s.available);
  EXPECT_DOUBLE_EQ(s.even, 1.0);
  EXPECT_DOUBLE_EQ(s.odd, 1.1);
  EXPECT_NEAR(s.disagreement, 0.1, 1e-12);
}

TEST(SplitHalfTest, AgreeingHalvesGiveZero) {
  const std::vector<double> a = {4, 6, 8, 10, 12, 14}, b = {2, 3, 4, 5, 6, 7};
  const SplitHalf s = split_half(a, b);
  ASSERT_TRUE(s.available);
  EXPECT_DOUBLE_EQ(s.disagreement, 0);
}

TEST(SplitHalfTest, SkippedRoundKeepsTheParityOfTheOthers) {
  const std::vector<double> a = {2, kNaN, 2, 3}, b(4, 1.0);  // round 1 lost; round 3 stays odd
  const SplitHalf s = split_half(a, b);
  ASSERT_TRUE(s.available);
  EXPECT_DOUBLE_EQ(s.even, 2);
  EXPECT_DOUBLE_EQ(s.odd, 3);
  EXPECT_DOUBLE_EQ(s.disagreement, 0.5);
}

TEST(SplitHalfTest, ScalarFigureUsesTheMedianOfEachHalf) {
  // even rounds 0.8 0.82 0.8 -> 0.8; odd rounds 0.9 0.88 -> 0.89; 0.89 / 0.8 - 1 = 0.1125.
  const std::vector<double> efficiency = {0.8, 0.9, 0.82, 0.88, 0.8};
  const SplitHalf s = split_half(efficiency);
  ASSERT_TRUE(s.available);
  EXPECT_DOUBLE_EQ(s.even, 0.8);
  EXPECT_DOUBLE_EQ(s.odd, 0.89);
  EXPECT_NEAR(s.disagreement, 0.1125, 1e-12);
}

TEST(SplitHalfTest, OneUsableRoundIsNotEnough) {
  const std::vector<double> one = {1.0};
  EXPECT_FALSE(split_half(one).available);
  const std::vector<double> a = {1, 0, 1}, b = {1, 1, 1};  // only even rounds are usable
  const SplitHalf s = split_half(a, b);
  EXPECT_FALSE(s.available);
  EXPECT_EQ(s.disagreement, 0);
}

// --- hodges_lehmann_ratio -------------------------------------------------------------------

}  // namespace
}  // namespace interpbench
