// Agreement between a judge and gold labels (or two annotators) over string
// labels: confusion matrix, accuracy, per-class precision/recall/F1, Cohen's
// kappa, and seeded percentile-bootstrap confidence intervals, overall and per
// group (language). Pure functions; undefined metrics are NaN ("n/a" in
// reports), never an exception; only mismatched input sizes throw.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace polysafe::judge {

struct ConfusionMatrix {
  std::vector<std::string> labels;          // row/column order
  std::vector<std::vector<size_t>> counts;  // counts[gold][predicted]
  size_t total() const;
  size_t index(const std::string& label) const;  // labels.size() when absent
};

// Labels: the given order, then any label seen in gold or predicted that is
// missing from it, sorted. Throws JudgeError when the sizes differ.
ConfusionMatrix confusion_matrix(const std::vector<std::string>& gold, const std::vector<std::string>& predicted,
                                 const std::vector<std::string>& labels = {});

double accuracy(const ConfusionMatrix& cm);  // NaN when empty
// Cohen (1960): (p_o - p_e) / (1 - p_e), p_e from the row and column marginals.
// NaN when p_e == 1 (both raters used one and the same label throughout).
double cohen_kappa(const ConfusionMatrix& cm);

struct ClassMetrics {
  std::string label;
  size_t support = 0;    // gold count
  size_t predicted = 0;  // predicted count
  double precision = 0;  // NaN when nothing was predicted as the label
  double recall = 0;     // NaN when the label never occurs in gold
  double f1 = 0;         // NaN when precision or recall is NaN; 0 when both are 0
};
std::vector<ClassMetrics> class_metrics(const ConfusionMatrix& cm);
double macro_f1(const ConfusionMatrix& cm);  // mean over labels with a defined F1

struct Interval {
  double value = 0;  // on the full sample
  double lo = 0;     // bootstrap percentile bounds (NaN when no resample had a defined value)
  double hi = 0;
};

struct BootstrapOptions {
  int resamples = 1000;   // B; 0 disables the intervals (lo = hi = value)
  uint64_t seed = 0;
  double level = 0.95;
};

struct ClassReport {
  std::string label;
  size_t support = 0, predicted = 0;
  Interval precision, recall, f1;
};

struct AgreementReport {
  size_t n = 0;
  ConfusionMatrix matrix;
  Interval accuracy, kappa, macro_f1;
  std::vector<ClassReport> classes;
};

// Percentile bootstrap (Efron & Tibshirani 1993, ch. 13): resample items with
// replacement B times from a std::mt19937_64 seeded with `seed`, recompute
// each metric, take the (1-level)/2 and (1+level)/2 quantiles (linear
// interpolation between order statistics). Same seed, same input -> same intervals.
AgreementReport agreement(const std::vector<std::string>& gold, const std::vector<std::string>& predicted,
                          const std::vector<std::string>& labels = {}, const BootstrapOptions& opts = {});

// One report per distinct group value (each bootstrapped on its own items with
// the same seed), sorted by group name.
std::map<std::string, AgreementReport> agreement_by_group(const std::vector<std::string>& gold,
                                                          const std::vector<std::string>& predicted,
                                                          const std::vector<std::string>& groups,
                                                          const std::vector<std::string>& labels = {},
                                                          const BootstrapOptions& opts = {});

}  // namespace polysafe::judge
