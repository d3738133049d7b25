#include "core/statistics.h"

#include <algorithm>
#include <cmath>

namespace interpbench {

double mean(std::span<const double> samples) {
  if (samples.empty()) return 0;
  // Kahan-free long double sum: samples are at most millions of values of similar magnitude.
  long double sum = 0;
  for (double x : samples) sum += x;
  return static_cast<double>(sum / static_cast<long double>(samples.size()));
}

double percentile_sorted(std::span<const double> sorted, double q) {
  const double h = static_cast<double>(sorted.size() - 1) * (q / 100.0);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  if (lo + 1 >= sorted.size()) return sorted.back();
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[lo + 1] - sorted[lo]);
}

Summary summarize(std::span<const double> samples) {
  Summary s;
  s.n = samples.size();
  if (s.n == 0) return s;
  std::vector<double> sorted(samples.begin(), samples.end());
  std::sort(sorted.begin(), sorted.end());
  s.mean = mean(sorted);
  if (s.n > 1) {
    long double ss = 0;
    for (double x : sorted) ss += (x - s.mean) * (x - s.mean);
    s.stddev = static_cast<double>(std::sqrt(ss / static_cast<long double>(s.n - 1)));
  }
  s.min = sorted.front();
  s.max = sorted.back();
  s.p1 = percentile_sorted(sorted, 1);
  s.p50 = percentile_sorted(sorted, 50);
  s.p90 = percentile_sorted(sorted, 90);
  s.p99 = percentile_sorted(sorted, 99);
  s.median = s.p50;
  s.cv = s.mean != 0 ? s.stddev / std::fabs(s.mean) : 0;
  return s;
}

std::vector<double> repetition_means(const std::vector<std::vector<double>>& repetitions) {
  std::vector<double> means;
  for (const auto& rep : repetitions)
    if (!rep.empty()) means.push_back(mean(rep));
  return means;
}

std::vector<std::size_t> mad_outliers(std::span<const double> samples, double threshold) {
  std::vector<std::size_t> out;
  if (samples.size() < 3) return out;
  std::vector<double> sorted(samples.begin(), samples.end());
  std::sort(sorted.begin(), sorted.end());
  const double med = percentile_sorted(sorted, 50);
  std::vector<double> dev;
  dev.reserve(sorted.size());
  for (double x : sorted) dev.push_back(std::fabs(x - med));
  std::sort(dev.begin(), dev.end());
  const double mad = percentile_sorted(dev, 50);
  if (mad == 0) return out;
  for (std::size_t i = 0; i < samples.size(); ++i)
    if (std::fabs(0.6745 * (samples[i] - med) / mad) > threshold) out.push_back(i);
  return out;
}

}  // namespace interpbench
