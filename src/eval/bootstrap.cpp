#include "eval/bootstrap.h"

#include <cmath>
#include <limits>
#include <random>

#include "eval/eval_error.h"
#include "util/resample.h"

namespace polysafe::eval {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double mean(const std::vector<double>& v) {
  if (v.empty()) return kNaN;
  double s = 0;
  for (double x : v) s += x;
  return s / double(v.size());
}

Interval bootstrap_of(const std::vector<double>& v, const BootstrapOptions& opts) {
  Interval iv;
  iv.value = mean(v);
  if (v.empty()) {
    iv.lo = iv.hi = kNaN;
    return iv;
  }
  bool constant = true;
  for (double x : v) constant = constant && x == v.front();
  if (opts.resamples <= 0 || constant) {  // every resample of a constant sample is that constant
    iv.lo = iv.hi = iv.value;
    return iv;
  }
  if (!(opts.level > 0 && opts.level < 1))
    throw EvalError("bootstrap: level " + std::to_string(opts.level) + " is not in (0, 1)");
  std::mt19937_64 rng(opts.seed);
  std::vector<double> means(size_t(opts.resamples));
  for (auto& m : means) {
    double s = 0;
    for (size_t i = 0; i < v.size(); ++i) s += v[resample::uniform_index(rng, v.size())];
    m = s / double(v.size());
  }
  const double qlo = (1.0 - opts.level) / 2;
  iv.lo = resample::quantile(means, qlo);
  iv.hi = resample::quantile(means, 1.0 - qlo);
  return iv;
}

}  // namespace

Interval bootstrap_mean(const std::vector<double>& per_item, const BootstrapOptions& opts) {
  return bootstrap_of(per_item, opts);
}

Interval paired_bootstrap_difference(const std::vector<double>& a, const std::vector<double>& b,
                                     const BootstrapOptions& opts) {
  if (a.size() != b.size())
    throw EvalError("paired bootstrap: " + std::to_string(a.size()) + " vs " + std::to_string(b.size()) + " values");
  // Resampling the pairs' differences is resampling the pairs.
  std::vector<double> d(a.size());
  for (size_t i = 0; i < a.size(); ++i) d[i] = a[i] - b[i];
  return bootstrap_of(d, opts);
}

Interval independent_bootstrap_difference(const std::vector<double>& a, const std::vector<double>& b,
                                          const BootstrapOptions& opts) {
  Interval iv;
  iv.value = mean(b) - mean(a);
  if (a.empty() || b.empty()) {
    iv.value = iv.lo = iv.hi = kNaN;
    return iv;
  }
  if (opts.resamples <= 0) {
    iv.lo = iv.hi = iv.value;
    return iv;
  }
  if (!(opts.level > 0 && opts.level < 1))
    throw EvalError("bootstrap: level " + std::to_string(opts.level) + " is not in (0, 1)");
  // Each resample draws a's items first, then b's, from one stream: the same
  // inputs and seed give the same interval.
  std::mt19937_64 rng(opts.seed);
  std::vector<double> diffs(size_t(opts.resamples));
  for (auto& d : diffs) {
    double sa = 0, sb = 0;
    for (size_t i = 0; i < a.size(); ++i) sa += a[resample::uniform_index(rng, a.size())];
    for (size_t i = 0; i < b.size(); ++i) sb += b[resample::uniform_index(rng, b.size())];
    d = sb / double(b.size()) - sa / double(a.size());
  }
  const double q = (1.0 - opts.level) / 2;
  iv.lo = resample::quantile(diffs, q);
  iv.hi = resample::quantile(diffs, 1.0 - q);
  return iv;
}

uint64_t group_seed(uint64_t seed, const std::string& group) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : group) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  // splitmix64 finaliser: nearby seeds give unrelated streams.
  uint64_t z = h ^ (seed + 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace polysafe::eval
