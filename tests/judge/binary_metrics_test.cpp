// Binary metrics and Platt scaling on hand-checked cases.
#include <gtest/gtest.h>

#include <cmath>

#include "judge/binary_metrics.h"
#include "judge/judge_error.h"
#include "judge/platt_calibration.h"

using namespace polysafe::judge;

TEST(BinaryMetrics, AucCountsTiesAsHalf) {
  // Positives 0.4, 0.8, 0.4; negatives 0.1, 0.4. Pairs (pos > neg = 1, tie = 1/2):
  // 0.4: 1 + 0.5; 0.8: 1 + 1; 0.4: 1 + 0.5  ->  5 of 6.
  EXPECT_NEAR(roc_auc({0.1, 0.4, 0.4, 0.8, 0.4}, {0, 0, 1, 1, 1}), 5.0 / 6.0, 1e-12);
  EXPECT_DOUBLE_EQ(roc_auc({0.3, 0.3, 0.3, 0.3}, {0, 1, 0, 1}), 0.5);
  EXPECT_DOUBLE_EQ(roc_auc({0.1, 0.2, 0.8, 0.9}, {0, 0, 1, 1}), 1.0);
  EXPECT_DOUBLE_EQ(roc_auc({0.9, 0.8, 0.2, 0.1}, {0, 0, 1, 1}), 0.0);
  // Invariant to monotone transforms of the score.
  EXPECT_NEAR(roc_auc({-2.2, -0.4, -0.4, 1.6, -0.4}, {0, 0, 1, 1, 1}), 5.0 / 6.0, 1e-12);
  EXPECT_TRUE(std::isnan(roc_auc({0.1, 0.2}, {1, 1})));
  EXPECT_TRUE(std::isnan(roc_auc({}, {})));
  EXPECT_THROW(roc_auc({0.1}, {1, 0}), JudgeError);
}

TEST(BinaryMetrics, PrecisionRecallF1AtHalf) {
  // >= 0.5 is positive: tp = {0.9, 0.5}, fp = {0.6, 0.7}, fn = {0.2}.
  auto m = threshold_metrics({0.9, 0.6, 0.5, 0.2, 0.7}, {1, 0, 1, 1, 0});
  EXPECT_EQ(m.tp, 2u);
  EXPECT_EQ(m.fp, 2u);
  EXPECT_EQ(m.fn, 1u);
  EXPECT_EQ(m.tn, 0u);
  EXPECT_DOUBLE_EQ(m.precision, 0.5);
  EXPECT_DOUBLE_EQ(m.recall, 2.0 / 3.0);
  EXPECT_NEAR(m.f1, 4.0 / 7.0, 1e-12);
  auto none = threshold_metrics({0.1, 0.2}, {1, 0});
  EXPECT_EQ(none.precision, 0.0);
  EXPECT_EQ(none.f1, 0.0);
}

TEST(BinaryMetrics, ExpectedCalibrationErrorTenBins) {
  // bin 0: {0.05 | 0} -> |0 - 0.05| * 1/5 = 0.01
  // bin 1: {0.15 | 1, 0.15 | 0} -> |0.5 - 0.15| * 2/5 = 0.14
  // bin 9: {0.95 | 1, 1.0 | 1} (1.0 falls in the last bin) -> |1 - 0.975| * 2/5 = 0.01
  EXPECT_NEAR(expected_calibration_error({0.05, 0.15, 0.15, 0.95, 1.0}, {0, 1, 0, 1, 1}, 10), 0.16, 1e-12);
  // Perfectly calibrated within each bin.
  EXPECT_NEAR(expected_calibration_error({0.25, 0.25, 0.25, 0.25}, {1, 0, 0, 0}, 10), 0.0, 1e-12);
  EXPECT_NEAR(brier_score({1.0, 0.0, 0.5}, {1, 1, 0}), (0 + 1 + 0.25) / 3, 1e-12);
  EXPECT_TRUE(std::isnan(expected_calibration_error({}, {}, 10)));
  EXPECT_THROW(expected_calibration_error({0.5}, {1}, 0), JudgeError);
}

TEST(PlattScaling, RecoversTheExactLogisticFit) {
  // Score 0: 1 of 4 toxic; score 1: 3 of 4 toxic. The logistic MLE then hits
  // both rates: b = logit(1/4) = -ln 3, a + b = logit(3/4) = ln 3.
  std::vector<double> f = {0, 0, 0, 0, 1, 1, 1, 1};
  std::vector<int> y = {1, 0, 0, 0, 1, 1, 1, 0};
  auto p = fit_platt(f, y, {.smoothed_targets = false});
  EXPECT_NEAR(p.b, -std::log(3.0), 1e-7);
  EXPECT_NEAR(p.a, 2 * std::log(3.0), 1e-7);
  EXPECT_NEAR(p.apply(0), 0.25, 1e-7);
  EXPECT_NEAR(p.apply(1), 0.75, 1e-7);
  // Platt's targets (N+ + 1)/(N+ + 2) = 5/6 and 1/(N- + 2) = 1/6 shrink the fit toward 1/2.
  auto s = fit_platt(f, y);
  EXPECT_GT(s.apply(0), 0.25);
  EXPECT_LT(s.apply(1), 0.75);
  EXPECT_GT(s.a, 0);
}

TEST(PlattScaling, StaysFiniteOnSeparableData) {
  auto p = fit_platt({-2, -1, 1, 2}, {0, 0, 1, 1});
  EXPECT_TRUE(std::isfinite(p.a));
  EXPECT_TRUE(std::isfinite(p.b));
  EXPECT_GT(p.apply(2), 0.7);  // targets are 3/4 and 1/4: the fit cannot exceed them by much
  EXPECT_LT(p.apply(-2), 0.3);
  // Constant scores: only the prior can be learned. Smoothed: (2+1)/(4+2) ... -> near the base rate.
  auto c = fit_platt({0.3, 0.3, 0.3, 0.3}, {1, 1, 1, 0}, {.smoothed_targets = false});
  EXPECT_NEAR(c.apply(0.3), 0.75, 1e-6);
  EXPECT_THROW(fit_platt({}, {}), JudgeError);
}
