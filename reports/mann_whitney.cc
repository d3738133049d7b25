#include "reports/mann_whitney.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace interpbench {
namespace {

// Under H0 every arrangement of the n1 + n2 ranks is equally likely; the number of arrangements
// with U = k is the coefficient of q^k in the Gaussian binomial [n1+n2 choose m]_q,
// m = min(n1, n2). Built as prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i) with n = max(n1, n2);
// every partial product is itself a Gaussian binomial, so coefficients stay non-negative.
// Cost O(m * m * n): cheap, since it is only used when m <= 8.
std::vector<long double> u_counts(int n1, int n2) {
  const int m = std::min(n1, n2), n = std::max(n1, n2);
  std::vector<long double> c(static_cast<size_t>(m) * n + m + 1, 0.0L);
  c[0] = 1.0L;
  int degree = 0;
  for (int i = 1; i <= m; ++i) {
    const int k = n + i;  // multiply by (1 - q^k)
    for (int j = degree + k; j >= k; --j) c[j] -= c[j - k];
    degree += n;  // net degree after dividing by (1 - q^i): + (n + i) - i
    for (int j = i; j <= degree; ++j) c[j] += c[j - i];  // divide by (1 - q^i)
    for (int j = degree + 1; j < static_cast<int>(c.size()); ++j) c[j] = 0.0L;
  }
  return c;
}

double normal_sf(double z) { return 0.5 * std::erfc(z / std::sqrt(2.0)); }

}  // namespace

double mann_whitney_exact_p(double u1, int n1, int n2) {
  if (n1 <= 0 || n2 <= 0) return 1.0;
  const auto counts = u_counts(n1, n2);
  const double mn = static_cast<double>(n1) * n2;
  const auto u_min = static_cast<long>(std::floor(std::min(u1, mn - u1)));
  long double below = 0, total = 0;
  for (size_t k = 0; k < counts.size(); ++k) {
    total += counts[k];
    if (static_cast<long>(k) <= u_min) below += counts[k];
  }
  return std::min(1.0, static_cast<double>(2.0L * below / total));
}

MannWhitneyResult mann_whitney_u(std::span<const double> x, std::span<const double> y) {
  MannWhitneyResult r;
  const size_t n1 = x.size(), n2 = y.size(), n = n1 + n2;
  if (n1 == 0 || n2 == 0) return r;

  // Rank the pooled sample; tied values share their mean rank.
  std::vector<std::pair<double, bool>> pooled;  // (value, from x)
  pooled.reserve(n);
  for (double v : x) pooled.emplace_back(v, true);
  for (double v : y) pooled.emplace_back(v, false);
  std::sort(pooled.begin(), pooled.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  double rank_sum_x = 0, tie_term = 0;
  bool ties = false;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && pooled[j].first == pooled[i].first) ++j;
    const double t = static_cast<double>(j - i);
    const double mean_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (size_t k = i; k < j; ++k)
      if (pooled[k].second) rank_sum_x += mean_rank;
    if (t > 1) {
      ties = true;
      tie_term += t * t * t - t;
    }
    i = j;
  }
  const double dn1 = static_cast<double>(n1), dn2 = static_cast<double>(n2);
  r.u1 = rank_sum_x - dn1 * (dn1 + 1) / 2.0;

  if ((n1 <= 8 || n2 <= 8) && !ties) {
    r.exact = true;
    r.p_value = mann_whitney_exact_p(r.u1, static_cast<int>(n1), static_cast<int>(n2));
    return r;
  }
  const double dn = static_cast<double>(n);
  const double u = std::max(r.u1, dn1 * dn2 - r.u1);
  const double variance = dn1 * dn2 / 12.0 * ((dn + 1) - tie_term / (dn * (dn - 1)));
  if (!(variance > 0)) return r;  // every value tied: nothing to tell apart
  const double z = (u - dn1 * dn2 / 2.0 - 0.5) / std::sqrt(variance);
  r.p_value = std::clamp(2.0 * normal_sf(z), 0.0, 1.0);
  return r;
}

}  // namespace interpbench
