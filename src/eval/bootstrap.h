// Bootstrap confidence intervals for the evaluation's rates. The resampling unit
// is the item (a prompt with all its samples), because samples of one prompt are
// not independent; the paired version resamples aligned pairs (a prompt and its
// translation) so the gap between two languages is measured on the same prompts.
// When two groups share no prompts, the two-sample version resamples each on its
// own. Percentile intervals (Efron & Tibshirani 1993, ch. 13), seeded, deterministic.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "judge/agreement.h"

namespace polysafe::eval {

using judge::BootstrapOptions;
using judge::Interval;

// Mean of per-item values with its percentile interval. Empty input: NaN value
// and bounds. resamples == 0: lo = hi = value.
Interval bootstrap_mean(const std::vector<double>& per_item, const BootstrapOptions& opts);

// Mean of a[i] - b[i] over aligned pairs, resampling pairs. Sizes must match.
Interval paired_bootstrap_difference(const std::vector<double>& a, const std::vector<double>& b,
                                     const BootstrapOptions& opts);

// Mean of b minus mean of a, resampling each sample on its own (two-sample
// bootstrap, for groups that share no prompts). Empty a or b: NaN.
Interval independent_bootstrap_difference(const std::vector<double>& a, const std::vector<double>& b,
                                          const BootstrapOptions& opts);

// A seed of its own for every group ("hi", "hi|violence"): intervals do not
// change when other groups are added or reordered. FNV-1a of the name, mixed.
uint64_t group_seed(uint64_t seed, const std::string& group);

}  // namespace polysafe::eval
