#pragma once
// Summary statistics over raw samples. The parent computes every figure from the drivers' raw
// samples (docs/design.md); reports, the verdict and compare only read these.
#include <cstddef>
#include <span>
#include <vector>

namespace interpbench {

struct Summary {
  std::size_t n = 0;
  double mean = 0;
  double stddev = 0;  // sample standard deviation (n-1); 0 when n < 2
  double median = 0;  // = p50
  double p1 = 0, p50 = 0, p90 = 0, p99 = 0;
  double min = 0, max = 0;
  double cv = 0;  // stddev / mean; 0 when the mean is 0
};

// All fields zero for an empty input.
Summary summarize(std::span<const double> samples);

// The q-th percentile (0 <= q <= 100) of sorted samples by linear interpolation between closest
// ranks (Hyndman & Fan type 7, NumPy's default): h = (n-1) q/100,
// x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h]). Requires a non-empty sorted input.
double percentile_sorted(std::span<const double> sorted, double q);

double mean(std::span<const double> samples);  // 0 for an empty input

// The mean of each repetition (empty repetitions are skipped).
std::vector<double> repetition_means(const std::vector<std::vector<double>>& repetitions);

// Outliers by the modified z-score (Iglewicz & Hoaglin): |0.6745 (x - median) / MAD| > threshold,
// MAD = median(|x - median|). Returns their indices; none when MAD is 0.
std::vector<std::size_t> mad_outliers(std::span<const double> samples, double threshold = 3.5);

}  // namespace interpbench
