#pragma once
// Random draws the statistics tests share: seeded, so every test sees the same numbers.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "core/round_statistics.h"

namespace interpbench::testing {

// Lognormal draws with median exp(mu) (Box-Muller on SplitMix64): the skewed, positive shape of
// round medians of a timing.
inline std::vector<double> lognormal(SplitMix64& rng, std::size_t n, double mu, double sigma) {
  std::vector<double> out;
  for (std::size_t i = 0; i < n; ++i) {
    const double u1 = 1 - rng.unit(), u2 = rng.unit();  // u1 in (0, 1]: log(u1) is finite
    const double z = std::sqrt(-2 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
    out.push_back(std::exp(mu + sigma * z));
  }
  return out;
}

// A tolerance of four binomial standard errors on a fraction of `trials` trials.
inline double binomial_tolerance(double p, int trials) { return 4 * std::sqrt(p * (1 - p) / trials); }


// Every value of `got` equal to `want`'s to 1e-12.
inline void expect_all_near(const std::vector<double>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-12) << "i = " << i;
}

}  // namespace interpbench::testing
