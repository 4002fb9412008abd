// The two primitives every bootstrap in polysafe shares: a uniform index drawn
// from the raw 64-bit stream of std::mt19937_64 (so resamples are identical with
// every standard library), and the NaN-skipping quantile used for percentile
// intervals. Pure functions; no global RNG.
#pragma once

#include <cstddef>
#include <random>
#include <vector>

namespace polysafe::resample {

// Uniform in [0, n), n > 0, by rejection sampling
// (std::uniform_int_distribution is implementation-defined).
size_t uniform_index(std::mt19937_64& rng, size_t n);

// Quantile with linear interpolation between order statistics (Hyndman & Fan
// 1996, definition 7, the default of R and NumPy); NaNs are ignored; NaN when
// nothing is left.
double quantile(std::vector<double> v, double q);

}  // namespace polysafe::resample
