// Two runs side by side — before and after a mitigation, or two models on the
// same suite: per-language changes (run B minus run A) of harm, refusal and
// over-refusal rates with bootstrap intervals, marked significant when the
// interval excludes 0. Paired on common item ids when both runs hold the same
// prompts, else an independent two-sample bootstrap. Pure computation on two
// RunSnapshots; never runs a model.
#pragma once

#include <string>
#include <vector>

#include "report/report_data.h"

namespace polysafe::report {

struct ComparisonOptions {
  // resamples 0: the larger of the two runs' own settings (1000 when both are 0).
  eval::BootstrapOptions bootstrap{0, 0, 0.95};
  // Paired when the items both runs scored in a language are at least this
  // share of the larger run's items there (and at least 2); the delta is then
  // measured on those common items only.
  double min_paired_share = 0.5;
};

struct MetricDelta {
  eval::Interval a, b;      // each run's own rate and interval (as its report shows it)
  eval::Interval delta;     // B - A with its bootstrap interval; NaN when either run has no items
  size_t n_a = 0, n_b = 0;  // items behind each rate
  size_t n_paired = 0;      // common items used when paired
  std::string method;       // "paired", "independent" or "none"
  bool significant = false; // the interval excludes 0
};

struct LanguageDelta {
  std::string lang, name;
  bool in_a = false, in_b = false;
  MetricDelta harm, refusal, over_refusal;
};

struct RunComparison {
  ReportData a, b;
  size_t common_items = 0;               // item ids scored in both runs
  eval::BootstrapOptions bootstrap;      // what the deltas used
  LanguageDelta overall;                 // lang "all"
  std::vector<LanguageDelta> languages;  // union of both runs' languages, A's reference language first
  std::vector<std::string> findings;
};

RunComparison compare_runs(const RunSnapshot& a, const RunSnapshot& b, const ComparisonOptions& opts = {},
                           const ReportOptions& report_opts = {});

// Mean of b minus mean of a with a percentile interval from resampling each
// sample on its own (for runs that share no prompts). Empty a or b: NaN. The
// same function the metrics use for unpaired gaps between languages.
using eval::independent_bootstrap_difference;

}  // namespace polysafe::report
