#pragma once
// Two-sided Mann-Whitney U test (Wilcoxon rank-sum), the test google/benchmark's
// tools/gbench/report.py runs over repetitions (scipy.stats.mannwhitneyu, alternative="two-sided",
// method="auto"). Same method choice as scipy >= 1.7 so p-values match theirs:
//  - exact null distribution of U when either sample has <= 8 values and there are no ties;
//  - otherwise the normal approximation with tie correction and continuity correction:
//      z = (max(U1, U2) - n1*n2/2 - 0.5) / sqrt(n1*n2/12 * ((n+1) - sum(t^3 - t)/(n*(n-1))))
//      p = 2 * P(Z >= z)
// References: Mann & Whitney (1947); scipy.stats.mannwhitneyu documentation.
#include <span>

namespace interpbench {

struct MannWhitneyResult {
  double u1 = 0;        // U statistic of the first sample (number of pairs x > y, ties count 1/2)
  double p_value = 1;   // two-sided; 1 when the test can't tell (empty input, all values tied)
  bool exact = false;   // true: exact distribution; false: normal approximation
};

// Needs at least one value in each sample; fewer gives p_value = 1.
MannWhitneyResult mann_whitney_u(std::span<const double> x, std::span<const double> y);

// Exact two-sided p-value for U1 in samples of sizes n1, n2 without ties:
// 2 * P(U <= min(U1, n1*n2 - U1)), clipped to 1. Exposed for tests.
double mann_whitney_exact_p(double u1, int n1, int n2);

}  // namespace interpbench
