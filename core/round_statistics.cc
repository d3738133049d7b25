#include "core/round_statistics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace interpbench {
namespace {

constexpr std::uint64_t kGoldenGamma = 0x9e3779b97f4a7c15ULL;
constexpr std::size_t kExactMannWhitneyMax = 50;  // per sample; beyond: normal approximation

void check_level(double level) {
  if (!(level > 0 && level < 1))
    throw std::invalid_argument(fmt::format("confidence level {} is not in (0, 1)", level));
}

// splitmix64's output function (Stafford's Mix13): a bijection of 64-bit words.
std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::vector<double> finite_sorted(std::span<const double> values) {
  std::vector<double> out;
  out.reserve(values.size());
  for (double v : values)
    if (std::isfinite(v)) out.push_back(v);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<double> positive_values(std::span<const double> values) {
  std::vector<double> out;
  for (double v : values)
    if (std::isfinite(v) && v > 0) out.push_back(v);
  return out;
}

double sorted_median(std::span<const double> s) {
  const std::size_t h = s.size() / 2;
  return s.size() % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

// For ratios: the geometric mean of the two middle values, so that median(1/x) = 1/median(x).
double sorted_ratio_median(std::span<const double> s) {
  const std::size_t h = s.size() / 2;
  return s.size() % 2 ? s[h] : std::sqrt(s[h - 1] * s[h]);
}

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

// cdf[j] = P(Bin(n, 1/2) <= j) for j = 0 .. n/2 (the lower half is all a symmetric test needs).
// Up to n = 1000, 2^-n is a normal double and the pmf follows from it by
// C(n, j) = C(n, j-1) (n-j+1) / j (exact in doubles for the small n of rounds); beyond, log-gamma.
std::vector<double> binomial_half_cdf(std::size_t n) {
  constexpr std::size_t kProductMax = 1000;
  std::vector<double> cdf(n / 2 + 1);
  const double dn = static_cast<double>(n);
  const double log_norm = std::lgamma(dn + 1) - dn * std::log(2.0);
  double pmf = n <= kProductMax ? std::ldexp(1.0, -static_cast<int>(n)) : 0.0;
  double sum = 0;
  for (std::size_t j = 0; j < cdf.size(); ++j) {
    const double dj = static_cast<double>(j);
    if (n > kProductMax)
      pmf = std::exp(log_norm - std::lgamma(dj + 1) - std::lgamma(dn - dj + 1));
    else if (j > 0)
      pmf = pmf * (dn - dj + 1) / dj;
    sum += pmf;
    cdf[j] = sum;
  }
  return cdf;
}

// The narrowest symmetric pair of order statistics (k, count+1-k) whose coverage
// 1 - 2 cdf[k-1] under a symmetric null (binomial for the median, U for the Moses interval) is
// still >= level; k = 1 with reaches_level = false when even the widest pair falls short.
struct OrderRank {
  std::size_t k = 1;
  double coverage = 0;
  bool reaches_level = false;
};
OrderRank order_rank(std::span<const double> cdf, std::size_t count, double level) {
  OrderRank r;
  r.coverage = std::max(0.0, 1 - 2 * cdf[0]);
  for (std::size_t k = 1; k <= (count + 1) / 2 && k - 1 < cdf.size(); ++k) {
    const double coverage = 1 - 2 * cdf[k - 1];
    if (coverage < level) break;
    r = {k, coverage, true};
  }
  return r;
}

// cdf[u] = P(U <= u) for u = 0 .. m*n/2 under the Mann-Whitney null without ties.
std::vector<double> mann_whitney_half_cdf(std::size_t m, std::size_t n) {
  const std::size_t mn = m * n;
  std::vector<double> cdf(mn / 2 + 1);
  if (m <= kExactMannWhitneyMax && n <= kExactMannWhitneyMax) {
    const auto pmf = mann_whitney_u_pmf(m, n);
    std::partial_sum(pmf.begin(), pmf.begin() + static_cast<std::ptrdiff_t>(cdf.size()),
                     cdf.begin());
    return cdf;
  }
  // Normal approximation: E U = mn/2, Var U = mn(m+n+1)/12, continuity correction 1/2.
  const double mean = static_cast<double>(mn) / 2;
  const double sd = std::sqrt(static_cast<double>(mn) * static_cast<double>(m + n + 1) / 12);
  for (std::size_t u = 0; u < cdf.size(); ++u)
    cdf[u] = normal_cdf((static_cast<double>(u) + 0.5 - mean) / sd);
  return cdf;
}

}  // namespace

MedianInterval median_interval(std::span<const double> values, double level) {
  check_level(level);
  MedianInterval r;
  const auto s = finite_sorted(values);
  r.n = s.size();
  if (s.empty()) return r;
  const OrderRank rank = order_rank(binomial_half_cdf(r.n), r.n, level);
  r.median = sorted_median(s);
  r.low = s[rank.k - 1];
  r.high = s[r.n - rank.k];
  r.coverage = rank.coverage;
  r.reaches_level = rank.reaches_level;
  return r;
}

std::vector<double> paired_ratios(std::span<const double> a, std::span<const double> b) {
  std::vector<double> out;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    if (std::isfinite(a[i]) && std::isfinite(b[i]) && a[i] > 0 && b[i] > 0)
      out.push_back(a[i] / b[i]);
  return out;
}

RatioEstimate paired_ratio(std::span<const double> a, std::span<const double> b, double level) {
  check_level(level);
  RatioEstimate r;
  auto ratios = paired_ratios(a, b);
  r.n = ratios.size();
  if (ratios.empty()) return r;
  std::sort(ratios.begin(), ratios.end());
  const OrderRank rank = order_rank(binomial_half_cdf(r.n), r.n, level);
  r.ratio = sorted_ratio_median(ratios);
  r.low = ratios[rank.k - 1];
  r.high = ratios[r.n - rank.k];
  r.coverage = rank.coverage;
  r.reaches_level = rank.reaches_level;
  r.significant = r.reaches_level && (r.low > 1 || r.high < 1);
  // Sign test: under H0 (median ratio 1) each ratio lies above 1 with probability 1/2.
  const auto above = static_cast<std::size_t>(
      std::count_if(ratios.begin(), ratios.end(), [](double x) { return x > 1; }));
  const auto below = static_cast<std::size_t>(
      std::count_if(ratios.begin(), ratios.end(), [](double x) { return x < 1; }));
  if (above + below > 0)
    r.p_value = std::min(1.0, 2 * binomial_half_cdf(above + below)[std::min(above, below)]);
  return r;
}

std::vector<double> benjamini_hochberg(std::span<const double> p_values) {
  const std::size_t m = p_values.size();
  std::vector<double> p(m), q(m);
  for (std::size_t i = 0; i < m; ++i)
    p[i] = std::isfinite(p_values[i]) ? std::clamp(p_values[i], 0.0, 1.0) : 1.0;
  std::vector<std::size_t> order(m);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t x, std::size_t y) { return p[x] < p[y]; });
  // Step-up: walk from the largest p down, carrying the running minimum of p_(j) m / j.
  double running = 1;
  for (std::size_t j = m; j >= 1; --j) {
    const std::size_t i = order[j - 1];
    running = std::min(running, p[i] * static_cast<double>(m) / static_cast<double>(j));
    q[i] = running;
  }
  return q;
}

namespace {
SplitHalf from_halves(std::vector<double> even, std::vector<double> odd, bool ratios) {
  SplitHalf r;
  if (even.empty() || odd.empty()) return r;
  std::sort(even.begin(), even.end());
  std::sort(odd.begin(), odd.end());
  r.even = ratios ? sorted_ratio_median(even) : sorted_median(even);
  r.odd = ratios ? sorted_ratio_median(odd) : sorted_median(odd);
  r.disagreement = std::max(r.odd, r.even) / std::min(r.odd, r.even) - 1;
  r.available = true;
  return r;
}
}  // namespace

SplitHalf split_half(std::span<const double> a, std::span<const double> b) {
  std::vector<double> halves[2];
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    if (std::isfinite(a[i]) && std::isfinite(b[i]) && a[i] > 0 && b[i] > 0)
      halves[i % 2].push_back(a[i] / b[i]);
  return from_halves(std::move(halves[0]), std::move(halves[1]), true);
}

SplitHalf split_half(std::span<const double> values) {
  std::vector<double> halves[2];
  for (std::size_t i = 0; i < values.size(); ++i)
    if (std::isfinite(values[i]) && values[i] > 0) halves[i % 2].push_back(values[i]);
  return from_halves(std::move(halves[0]), std::move(halves[1]), false);
}

std::vector<double> mann_whitney_u_pmf(std::size_t m, std::size_t n) {
  // c[j] holds the counts for samples (i, j) as i grows; each is a vector over u = 0 .. i*j.
  // The largest observation either comes from the first sample (it beats all j of the second:
  // U - j on (i-1, j)) or from the second (U unchanged on (i, j-1)). Counts reach C(100, 50)
  // ~ 1e29 at m = n = 50: doubles keep them to ~1e-16 relative, and only add positives.
  std::vector<std::vector<double>> prev(n + 1, std::vector<double>{1.0}), cur(n + 1);
  for (std::size_t i = 1; i <= m; ++i) {
    cur[0] = {1.0};
    for (std::size_t j = 1; j <= n; ++j) {
      cur[j].assign(i * j + 1, 0.0);
      for (std::size_t u = 0; u < prev[j].size(); ++u) cur[j][u + j] += prev[j][u];
      for (std::size_t u = 0; u < cur[j - 1].size(); ++u) cur[j][u] += cur[j - 1][u];
    }
    std::swap(prev, cur);
  }
  std::vector<double> pmf = std::move(prev[n]);
  const double total = std::accumulate(pmf.begin(), pmf.end(), 0.0);  // C(m+n, m)
  for (double& x : pmf) x /= total;
  return pmf;
}

RatioEstimate hodges_lehmann_ratio(std::span<const double> base, std::span<const double> candidate,
                                   double level) {
  check_level(level);
  RatioEstimate r;
  const auto x = positive_values(base), y = positive_values(candidate);
  const std::size_t m = x.size(), n = y.size(), mn = m * n;
  if (mn == 0) return r;
  std::vector<double> d;  // all pairwise differences of logs
  d.reserve(mn);
  for (double b : x)
    for (double c : y) d.push_back(std::log(c) - std::log(b));
  std::sort(d.begin(), d.end());
  r.n = mn;
  const auto cdf = mann_whitney_half_cdf(m, n);
  const OrderRank rank = order_rank(cdf, mn, level);
  r.ratio = std::exp(sorted_median(d));
  r.low = std::exp(d[rank.k - 1]);
  r.high = std::exp(d[mn - rank.k]);
  r.coverage = rank.coverage;
  r.reaches_level = rank.reaches_level;
  r.significant = r.reaches_level && (r.low > 1 || r.high < 1);

  // Mann-Whitney U of the candidate: pairs with candidate > base, ties counting 1/2. Ties are
  // looked for in the raw values (log can merge distinct neighbours, never split equal ones).
  std::vector<double> pooled(x);
  pooled.insert(pooled.end(), y.begin(), y.end());
  std::sort(pooled.begin(), pooled.end());
  double tie_term = 0;  // sum of t^3 - t over groups of t tied values
  for (std::size_t i = 0; i < pooled.size();) {
    std::size_t j = i;
    while (j < pooled.size() && pooled[j] == pooled[i]) ++j;
    const auto t = static_cast<double>(j - i);
    tie_term += t * t * t - t;
    i = j;
  }
  double u = 0;
  for (double b : x)
    for (double c : y) u += c > b ? 1.0 : c == b ? 0.5 : 0.0;
  const double dmn = static_cast<double>(mn);
  if (tie_term == 0 && m <= kExactMannWhitneyMax && n <= kExactMannWhitneyMax) {
    const auto tail = static_cast<std::size_t>(std::min(u, dmn - u));  // integral without ties
    r.p_value = std::min(1.0, 2 * cdf[tail]);
    return r;
  }
  const double total = static_cast<double>(m + n);
  const double variance = dmn / 12 * ((total + 1) - tie_term / (total * (total - 1)));
  if (!(variance > 0)) return r;  // every value tied: nothing to tell apart
  const double z = (std::fabs(u - dmn / 2) - 0.5) / std::sqrt(variance);
  r.p_value = std::min(1.0, 2 * normal_cdf(-z));
  return r;
}

SplitMix64::SplitMix64(std::uint64_t seed, std::uint64_t stream)
    : state_(seed ^ mix64(stream + kGoldenGamma)) {}

std::uint64_t SplitMix64::next() { return mix64(state_ += kGoldenGamma); }

std::uint64_t SplitMix64::below(std::uint64_t bound) {
  // 2^64 mod bound, computed in 64 bits; draws under it would make low values likelier.
  const std::uint64_t threshold = (0 - bound) % bound;
  for (;;) {
    const std::uint64_t x = next();
    if (x >= threshold) return x % bound;
  }
}

double SplitMix64::unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

std::vector<std::size_t> shuffled_order(std::size_t n, std::uint64_t seed, std::uint64_t stream) {
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  SplitMix64 rng(seed, stream);
  for (std::size_t i = n; i > 1; --i)
    std::swap(order[i - 1], order[static_cast<std::size_t>(rng.below(i))]);
  return order;
}

Interval bootstrap_median_interval(std::span<const double> values, double level, int resamples,
                                   std::uint64_t seed) {
  check_level(level);
  const auto s = finite_sorted(values);
  if (s.empty() || resamples < 1) return {};
  SplitMix64 rng(seed);
  std::vector<double> medians, resample(s.size());
  medians.reserve(static_cast<std::size_t>(resamples));
  for (int b = 0; b < resamples; ++b) {
    for (double& v : resample) v = s[rng.below(s.size())];
    std::sort(resample.begin(), resample.end());
    medians.push_back(sorted_median(resample));
  }
  std::sort(medians.begin(), medians.end());
  // Type-7 percentile (as percentile_sorted in statistics.h), kept local to stay self-contained.
  const auto at = [&](double q) {
    const double h = static_cast<double>(medians.size() - 1) * q;
    const auto lo = static_cast<std::size_t>(h);
    if (lo + 1 >= medians.size()) return medians.back();
    return medians[lo] + (h - static_cast<double>(lo)) * (medians[lo + 1] - medians[lo]);
  };
  return {at((1 - level) / 2), at((1 + level) / 2)};
}

}  // namespace interpbench
