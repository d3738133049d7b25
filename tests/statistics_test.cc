#include "core/statistics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace interpbench {
namespace {

// Hand-computed: {2,4,4,4,5,5,7,9}: mean 5, sum of squared deviations 32, sample variance 32/7.
const std::vector<double> kSamples = {9, 4, 2, 5, 4, 7, 4, 5};  // unsorted on purpose

TEST(StatisticsTest, SummaryMatchesHandComputedValues) {
  const Summary s = summarize(kSamples);
  EXPECT_EQ(s.n, 8u);
  EXPECT_DOUBLE_EQ(s.mean, 5.0);
  EXPECT_NEAR(s.stddev, 2.1380899352993950, 1e-12);  // sqrt(32/7)
  EXPECT_DOUBLE_EQ(s.min, 2.0);
  EXPECT_DOUBLE_EQ(s.max, 9.0);
  EXPECT_NEAR(s.cv, 2.1380899352993950 / 5.0, 1e-12);
}

TEST(StatisticsTest, PercentilesInterpolateLinearlyBetweenClosestRanks) {
  const Summary s = summarize(kSamples);
  // sorted: 2 4 4 4 5 5 7 9; h = 7q/100
  EXPECT_DOUBLE_EQ(s.median, 4.5);          // h = 3.5: 4 + 0.5 (5 - 4)
  EXPECT_DOUBLE_EQ(s.p50, 4.5);
  EXPECT_NEAR(s.p90, 7.6, 1e-12);           // h = 6.3: 7 + 0.3 (9 - 7)
  EXPECT_NEAR(s.p99, 8.86, 1e-12);          // h = 6.93
  EXPECT_NEAR(s.p1, 2.14, 1e-12);           // h = 0.07: 2 + 0.07 (4 - 2)
}

TEST(StatisticsTest, OddCountMedianIsTheMiddleValue) {
  const std::vector<double> v = {3, 1, 2};
  EXPECT_DOUBLE_EQ(summarize(v).median, 2.0);
}

TEST(StatisticsTest, SingleSampleHasZeroSpread) {
  const std::vector<double> v = {42};
  const Summary s = summarize(v);
  EXPECT_EQ(s.n, 1u);
  EXPECT_DOUBLE_EQ(s.mean, 42);
  EXPECT_DOUBLE_EQ(s.stddev, 0);
  EXPECT_DOUBLE_EQ(s.p99, 42);
  EXPECT_DOUBLE_EQ(s.p1, 42);
}

TEST(StatisticsTest, EmptyInputGivesZeroSummary) {
  const Summary s = summarize({});
  EXPECT_EQ(s.n, 0u);
  EXPECT_DOUBLE_EQ(s.mean, 0);
}

TEST(StatisticsTest, RepetitionMeansSkipEmptyRepetitions) {
  const auto means = repetition_means({{1, 2, 3}, {}, {10, 20}});
  ASSERT_EQ(means.size(), 2u);
  EXPECT_DOUBLE_EQ(means[0], 2.0);
  EXPECT_DOUBLE_EQ(means[1], 15.0);
}

TEST(StatisticsTest, MadFlagsOnlyTheFarOutlier) {
  // median 3, |x - 3| = {2,1,0,1,97} -> MAD 1; 100 scores 0.6745 * 97 = 65.4 > 3.5, 1 scores 1.35.
  const std::vector<double> v = {1, 2, 3, 4, 100};
  const auto out = mad_outliers(v);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], 4u);
}

TEST(StatisticsTest, MadFindsNoOutlierInConstantData) {
  const std::vector<double> v = {5, 5, 5, 5};
  EXPECT_TRUE(mad_outliers(v).empty());
}

}  // namespace
}  // namespace interpbench
