#include "judge/binary_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "judge/judge_error.h"

namespace polysafe::judge {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void check_sizes(const std::vector<double>& s, const std::vector<int>& y) {
  if (s.size() != y.size())
    throw JudgeError("binary metrics: " + std::to_string(s.size()) + " scores but " + std::to_string(y.size()) +
                     " labels");
}
}  // namespace

double roc_auc(const std::vector<double>& scores, const std::vector<int>& labels) {
  check_sizes(scores, labels);
  const size_t n = scores.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  // Sum of the (1-based, tie-averaged) ranks of the positives.
  double rank_sum = 0;
  size_t pos = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && scores[order[j]] == scores[order[i]]) ++j;
    double mid_rank = 0.5 * (double(i + 1) + double(j));  // mean of ranks i+1 .. j
    for (size_t k = i; k < j; ++k)
      if (labels[order[k]]) {
        rank_sum += mid_rank;
        ++pos;
      }
    i = j;
  }
  size_t neg = n - pos;
  if (pos == 0 || neg == 0) return kNaN;
  double u = rank_sum - double(pos) * double(pos + 1) / 2;
  return u / (double(pos) * double(neg));
}

ThresholdMetrics threshold_metrics(const std::vector<double>& probs, const std::vector<int>& labels,
                                   double threshold) {
  check_sizes(probs, labels);
  ThresholdMetrics m;
  for (size_t i = 0; i < probs.size(); ++i) {
    bool pred = probs[i] >= threshold;
    if (pred && labels[i]) ++m.tp;
    else if (pred) ++m.fp;
    else if (labels[i]) ++m.fn;
    else ++m.tn;
  }
  m.precision = m.tp + m.fp ? double(m.tp) / double(m.tp + m.fp) : 0;
  m.recall = m.tp + m.fn ? double(m.tp) / double(m.tp + m.fn) : 0;
  m.f1 = m.precision + m.recall > 0 ? 2 * m.precision * m.recall / (m.precision + m.recall) : 0;
  return m;
}

double expected_calibration_error(const std::vector<double>& probs, const std::vector<int>& labels, int bins) {
  check_sizes(probs, labels);
  if (bins < 1) throw JudgeError("expected calibration error: bins must be >= 1, got " + std::to_string(bins));
  if (probs.empty()) return kNaN;
  std::vector<double> sum_p(bins, 0), sum_y(bins, 0);
  std::vector<size_t> count(bins, 0);
  for (size_t i = 0; i < probs.size(); ++i) {
    double p = std::clamp(probs[i], 0.0, 1.0);
    int b = std::min(bins - 1, int(p * bins));
    sum_p[b] += p;
    sum_y[b] += labels[i] ? 1 : 0;
    ++count[b];
  }
  double ece = 0;
  for (int b = 0; b < bins; ++b)
    if (count[b]) ece += std::abs(sum_y[b] - sum_p[b]) / double(probs.size());  // (n_b/N)|acc_b - conf_b|
  return ece;
}

double brier_score(const std::vector<double>& probs, const std::vector<int>& labels) {
  check_sizes(probs, labels);
  if (probs.empty()) return kNaN;
  double s = 0;
  for (size_t i = 0; i < probs.size(); ++i) {
    double d = probs[i] - (labels[i] ? 1.0 : 0.0);
    s += d * d;
  }
  return s / double(probs.size());
}

BinaryReport evaluate_binary(const std::vector<double>& probs, const std::vector<int>& labels) {
  BinaryReport r;
  r.n = probs.size();
  for (int y : labels) r.positives += y ? 1 : 0;
  r.auc = roc_auc(probs, labels);
  r.ece = expected_calibration_error(probs, labels, 10);
  r.brier = brier_score(probs, labels);
  r.at_half = threshold_metrics(probs, labels, 0.5);
  return r;
}

}  // namespace polysafe::judge
