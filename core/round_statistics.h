#pragma once
// Statistics over rounds. A workload runs in R independent rounds (R is small, typically 5-12);
// in each round every row runs one block of repetitions and each result gets one value per round
// (the median of that round's samples). The round, not the sample, is the unit of evidence: two
// rows are compared by their per-round ratios, paired by round. Every figure here is
// distribution-free, defined for tiny n, and deterministic (the only randomness is a seeded
// splitmix64 whose output is the same on every platform).
//
// Conventions shared by every function:
//  - `level` is a confidence level in (0, 1); anything else throws std::invalid_argument.
//  - Non-finite inputs are skipped; ratios also skip values <= 0 (a time or a rate is positive).
//  - An interval whose exact coverage cannot reach `level` with so few values is still returned,
//    as the widest one available, with its true coverage and reaches_level = false: callers warn
//    "too few rounds" instead of claiming a confidence they do not have.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace interpbench {

// Distribution-free confidence interval for the median from order statistics (the interval that
// inverts the sign test; Conover, Practical Nonparametric Statistics, 3rd ed., sec. 3.2;
// Hollander & Wolfe, Nonparametric Statistical Methods, sec. 3.6). For sorted x_(1) <= ... <=
// x_(n), the pair (x_(k), x_(n+1-k)) covers the true median with probability
// 1 - 2 P(Bin(n, 1/2) <= k-1) for any continuous distribution; we take the largest k (the
// narrowest pair) whose coverage is still >= level. Examples at 0.95: n = 5 cannot reach it
// ([min, max] covers 0.9375), n = 6 gives [min, max] (0.96875), n = 10 gives (x_(2), x_(9))
// (0.978515625).
struct MedianInterval {
  double median = 0;         // the usual sample median: mean of the two middle values for even n
  double low = 0, high = 0;  // x_(k), x_(n+1-k); [min, max] when the level is out of reach
  double coverage = 0;       // exact coverage of [low, high]: 1 - 2 P(Bin(n, 1/2) <= k-1)
  std::size_t n = 0;         // finite values used; 0 (and every field 0) for an empty input
  bool reaches_level = false;
};
MedianInterval median_interval(std::span<const double> values, double level = 0.95);

// A ratio between two rows with its interval and a p-value. Ratios are a / b (paired) or
// candidate / base (two-sample): > 1 means the first is larger (slower, for a time).
struct RatioEstimate {
  double ratio = 1;          // point estimate; 1 when there is no data
  double low = 1, high = 1;  // distribution-free interval; see each function for its method
  double coverage = 0;       // exact (or, for large samples, approximate) coverage of [low, high]
  std::size_t n = 0;         // ratios the estimate is the median of: pairs, or m * n pairwise
  bool reaches_level = false;
  bool significant = false;  // reaches_level and the interval excludes 1 (low > 1 or high < 1)
  double p_value = 1;        // two-sided, for benjamini_hochberg across many comparisons
};

// a[i] / b[i] for every i < min(a.size(), b.size()) where both are finite and > 0, in round order.
std::vector<double> paired_ratios(std::span<const double> a, std::span<const double> b);

// The median of the paired ratios a[r] / b[r] with the order-statistic interval of
// median_interval, and the exact two-sided sign test of the ratios against 1 (Conover sec. 3.4):
// p = min(1, 2 P(Bin(N, 1/2) <= min(#above 1, #below 1))), ratios exactly 1 dropped from N.
// For even n the point estimate is the geometric (not arithmetic) mean of the two middle ratios,
// so that swapping a and b gives exactly 1 / ratio and 1 / interval; low and high are order
// statistics either way. The interval inverts the sign test, so with no ratio exactly 1:
// significant at level L <=> p <= 1 - L.
RatioEstimate paired_ratio(std::span<const double> a, std::span<const double> b,
                           double level = 0.95);

// Benjamini-Hochberg adjusted p-values (step-up false discovery rate; Benjamini & Hochberg 1995),
// as R's p.adjust(p, method = "BH"): with p_(1) <= ... <= p_(m),
// q_(i) = min(1, min_{j >= i} p_(j) m / j), returned in the input order. Rejecting every q <= 0.05
// keeps the expected share of false discoveries at or below 5%. A non-finite p counts as 1.
std::vector<double> benjamini_hochberg(std::span<const double> p_values);

// Split-half reproducibility: the rounds with even index (0, 2, 4, ...) and with odd index
// (1, 3, ...) each give the figure on their own; disagreement = max / min - 1 of the two halves
// (0.04: "the halves agree within 4%"). Rounds interleave in time, so drift and one-off
// disturbances show up as disagreement instead of hiding in the pooled median.
struct SplitHalf {
  double odd = 0, even = 0;  // the figure on the odd-index and on the even-index rounds
  double disagreement = 0;   // max(odd, even) / min(odd, even) - 1; 0 unless available
  bool available = false;    // each half has at least one usable round
};
// Per half: the median of the paired ratios a[r] / b[r] (as paired_ratio; parity is that of the
// round index r, so a skipped round does not shift the others into the other half).
SplitHalf split_half(std::span<const double> a, std::span<const double> b);
// Per half: the median of a positive per-round figure (e.g. scaling efficiency); values that are
// not finite and > 0 are skipped, since max / min - 1 needs positive figures.
SplitHalf split_half(std::span<const double> values);

// Two SEPARATE runs (not paired by round): the Hodges-Lehmann estimate of the shift of
// log(candidate) against log(base), i.e. the median of all m * n differences
// d_ij = log(candidate_j) - log(base_i), with the distribution-free Moses interval
// (Hollander & Wolfe sec. 4.3; Conover sec. 5.7): [d_(k), d_(mn+1-k)], k the largest integer with
// P(U <= k-1) <= (1 - level) / 2 under the Mann-Whitney null, exact for m, n <= 50 and the normal
// approximation (with continuity correction) beyond. ratio, low and high are exp of those.
// When k < 1 the interval is [min d, max d] with its true coverage and reaches_level = false
// (e.g. m = n = 3: 0.9 at most). p_value is the two-sided Mann-Whitney U test of the same data:
// exact when there are no ties and m, n <= 50, else the normal approximation with tie and
// continuity correction. With ties the interval keeps the no-ties k (approximately at the level).
RatioEstimate hodges_lehmann_ratio(std::span<const double> base, std::span<const double> candidate,
                                   double level = 0.95);

// The exact null distribution of the Mann-Whitney U statistic for samples of m and n without
// ties: element u is P(U = u), u = 0 .. m*n. By the recurrence on the largest observation
// (Mann & Whitney 1947): c(m, n, u) = c(m-1, n, u-n) + c(m, n-1, u), over C(m+n, m) arrangements.
// O(m^2 n^2 / 4) time: meant for m, n up to a few hundred.
std::vector<double> mann_whitney_u_pmf(std::size_t m, std::size_t n);

// splitmix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014;
// constants of Vigna's splitmix64.c): 64 bits of state, passes BigCrush, and, unlike std::mt19937
// fed through std::uniform_int_distribution, gives the same numbers on every platform.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  // An independent stream per (seed, stream): state = seed ^ mix(stream + golden gamma).
  SplitMix64(std::uint64_t seed, std::uint64_t stream);
  std::uint64_t next();
  // Uniform in [0, bound), bound > 0; unbiased (rejects the 2^64 mod bound lowest draws).
  std::uint64_t below(std::uint64_t bound);
  // Uniform in [0, 1) from the top 53 bits.
  double unit();

 private:
  std::uint64_t state_;
};

// A permutation of 0 .. n-1 by Fisher-Yates (Durstenfeld's in-place form) driven by
// SplitMix64(seed, stream): the same order on every platform and standard library. The runner
// shuffles the row order of each round from its own stream (runners/rounds.cc), so that no row
// always runs first (warm caches, turbo budget) or last.
std::vector<std::size_t> shuffled_order(std::size_t n, std::uint64_t seed, std::uint64_t stream);

struct Interval {
  double low = 0, high = 0;
};
// Percentile bootstrap interval of the median (Efron & Tibshirani, An Introduction to the
// Bootstrap, ch. 13): `resamples` resamples with replacement drawn by SplitMix64(seed), the
// (1 - level)/2 and (1 + level)/2 percentiles (linear interpolation, as percentile_sorted) of
// their medians. Kept for comparison only: for the small n of rounds it covers less often than
// its nominal level, so the tool reports median_interval. Empty input or resamples < 1: {0, 0}.
Interval bootstrap_median_interval(std::span<const double> values, double level, int resamples,
                                   std::uint64_t seed);

}  // namespace interpbench
