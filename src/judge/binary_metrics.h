// Metrics for a binary scorer that outputs probabilities: ROC-AUC (rank
// statistic, ties counted as half), precision / recall / F1 at a threshold,
// expected calibration error and Brier score. Pure functions over vectors;
// they never throw on degenerate input (one class only, empty) but return NaN
// where a metric is undefined, so reports can print "n/a".
#pragma once

#include <cstddef>
#include <vector>

namespace polysafe::judge {

// Probability that a random positive outscores a random negative, ties
// counting 1/2: the Mann-Whitney U statistic over n_pos * n_neg, computed from
// mid-ranks (Hanley & McNeil 1982). NaN when either class is absent.
double roc_auc(const std::vector<double>& scores, const std::vector<int>& labels);

struct ThresholdMetrics {
  size_t tp = 0, fp = 0, fn = 0, tn = 0;
  double precision = 0, recall = 0, f1 = 0;  // 0 when undefined (no predicted / actual positives)
};
// A score >= threshold is predicted positive.
ThresholdMetrics threshold_metrics(const std::vector<double>& probs, const std::vector<int>& labels,
                                   double threshold = 0.5);

// Expected calibration error (Naeini et al. 2015; Guo et al. 2017): equal-width
// bins of the predicted probability of the positive class, the weighted mean of
// |fraction positive - mean prediction| over bins. A prediction of exactly 1.0
// falls in the last bin. NaN for empty input.
double expected_calibration_error(const std::vector<double>& probs, const std::vector<int>& labels, int bins = 10);

// Mean squared error of the probability against the 0/1 label (Brier 1950).
double brier_score(const std::vector<double>& probs, const std::vector<int>& labels);

struct BinaryReport {
  size_t n = 0, positives = 0;
  double auc = 0, ece = 0, brier = 0;
  ThresholdMetrics at_half;
};
BinaryReport evaluate_binary(const std::vector<double>& probs, const std::vector<int>& labels);

}  // namespace polysafe::judge
