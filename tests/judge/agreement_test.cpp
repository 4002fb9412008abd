// Agreement metrics against values computed by hand, and the bootstrap's
// determinism and coverage.
#include <cmath>

#include <gtest/gtest.h>

#include "judge/agreement.h"
#include "judge/judge_error.h"

namespace polysafe::judge {
namespace {

// Expands a confusion matrix (rows gold, columns predicted) into label vectors.
void expand(const std::vector<std::string>& labels, const std::vector<std::vector<int>>& m,
            std::vector<std::string>& gold, std::vector<std::string>& pred) {
  for (size_t i = 0; i < m.size(); ++i)
    for (size_t j = 0; j < m[i].size(); ++j)
      for (int k = 0; k < m[i][j]; ++k) {
        gold.push_back(labels[i]);
        pred.push_back(labels[j]);
      }
}

TEST(Agreement, TwoClassByHand) {
  // gold A: 20 predicted A, 5 predicted B; gold B: 10 predicted A, 15 predicted B.
  std::vector<std::string> g, p;
  expand({"A", "B"}, {{20, 5}, {10, 15}}, g, p);
  auto cm = confusion_matrix(g, p, {"A", "B"});
  EXPECT_EQ(cm.total(), 50u);
  EXPECT_EQ(cm.counts[1][0], 10u);
  EXPECT_DOUBLE_EQ(accuracy(cm), 0.7);
  // p_e = 0.5 * 0.6 + 0.5 * 0.4 = 0.5; kappa = (0.7 - 0.5) / 0.5
  EXPECT_NEAR(cohen_kappa(cm), 0.4, 1e-12);
  auto cls = class_metrics(cm);
  ASSERT_EQ(cls.size(), 2u);
  EXPECT_NEAR(cls[0].precision, 20.0 / 30, 1e-12);
  EXPECT_NEAR(cls[0].recall, 0.8, 1e-12);
  EXPECT_NEAR(cls[0].f1, 2 * (2.0 / 3) * 0.8 / (2.0 / 3 + 0.8), 1e-12);  // 0.727...
  EXPECT_NEAR(cls[1].precision, 0.75, 1e-12);
  EXPECT_NEAR(cls[1].recall, 0.6, 1e-12);
  EXPECT_NEAR(cls[1].f1, 2 * 0.75 * 0.6 / 1.35, 1e-12);
  EXPECT_NEAR(macro_f1(cm), (0.72727272727 + 0.66666666667) / 2, 1e-9);
}

TEST(Agreement, ThreeClassKappaByHand) {
  std::vector<std::string> g, p;
  expand({"refusal", "compliance", "invalid"}, {{5, 1, 0}, {2, 3, 1}, {0, 0, 4}}, g, p);
  auto cm = confusion_matrix(g, p, {"refusal", "compliance", "invalid"});
  EXPECT_DOUBLE_EQ(accuracy(cm), 0.75);
  // rows 6, 6, 4; columns 7, 4, 5: p_e = (42 + 24 + 20) / 256
  double pe = 86.0 / 256;
  EXPECT_NEAR(cohen_kappa(cm), (0.75 - pe) / (1 - pe), 1e-12);  // 0.6235...
  EXPECT_NEAR(cohen_kappa(cm), 0.62352941176, 1e-9);
  auto cls = class_metrics(cm);
  EXPECT_NEAR(cls[2].precision, 0.8, 1e-12);
  EXPECT_NEAR(cls[2].recall, 1.0, 1e-12);
}

TEST(Agreement, UndefinedMetricsAreNaN) {
  auto cm = confusion_matrix({"a", "a", "a"}, {"a", "a", "a"});
  EXPECT_DOUBLE_EQ(accuracy(cm), 1.0);
  EXPECT_TRUE(std::isnan(cohen_kappa(cm)));  // p_e = 1
  auto cm2 = confusion_matrix({"a", "b"}, {"a", "a"}, {"a", "b", "c"});
  auto cls = class_metrics(cm2);
  EXPECT_TRUE(std::isnan(cls[1].precision));  // b never predicted
  EXPECT_DOUBLE_EQ(cls[1].recall, 0.0);
  EXPECT_TRUE(std::isnan(cls[2].recall));     // c never in gold
  EXPECT_TRUE(std::isnan(accuracy(confusion_matrix({}, {}))));
  EXPECT_THROW(confusion_matrix({"a"}, {"a", "b"}), JudgeError);
}

TEST(Agreement, LabelsOutsideTheGivenOrderAreAppendedSorted) {
  auto cm = confusion_matrix({"z", "y", "x"}, {"z", "w", "x"}, {"x"});
  EXPECT_EQ(cm.labels, (std::vector<std::string>{"x", "w", "y", "z"}));
}

TEST(Bootstrap, SameSeedSameIntervalsOtherSeedOther) {
  std::vector<std::string> g, p;
  expand({"refusal", "compliance", "invalid"}, {{40, 6, 4}, {5, 38, 7}, {2, 3, 45}}, g, p);
  BootstrapOptions o;
  o.resamples = 500;
  o.seed = 42;
  auto a = agreement(g, p, {}, o);
  auto b = agreement(g, p, {}, o);
  EXPECT_EQ(a.accuracy.lo, b.accuracy.lo);
  EXPECT_EQ(a.accuracy.hi, b.accuracy.hi);
  EXPECT_EQ(a.kappa.lo, b.kappa.lo);
  EXPECT_EQ(a.classes[1].f1.hi, b.classes[1].f1.hi);
  o.seed = 43;
  auto c = agreement(g, p, {}, o);
  EXPECT_TRUE(c.accuracy.lo != a.accuracy.lo || c.accuracy.hi != a.accuracy.hi || c.kappa.lo != a.kappa.lo);
  // The interval brackets the estimate and has a plausible width for n = 150:
  // the binomial standard error of 0.82 is ~0.031, so a 95% interval spans ~0.12.
  EXPECT_NEAR(a.accuracy.value, 123.0 / 150, 1e-12);
  EXPECT_LE(a.accuracy.lo, a.accuracy.value);
  EXPECT_GE(a.accuracy.hi, a.accuracy.value);
  EXPECT_GT(a.accuracy.hi - a.accuracy.lo, 0.08);
  EXPECT_LT(a.accuracy.hi - a.accuracy.lo, 0.16);
  EXPECT_LE(a.kappa.lo, a.kappa.value);
  EXPECT_GE(a.kappa.hi, a.kappa.value);
}

TEST(Bootstrap, PerfectAgreementAndNoResamples) {
  std::vector<std::string> g = {"a", "b", "a", "c", "b"};
  auto r = agreement(g, g, {}, {200, 1, 0.95});
  EXPECT_DOUBLE_EQ(r.accuracy.lo, 1.0);
  EXPECT_DOUBLE_EQ(r.accuracy.hi, 1.0);
  auto r0 = agreement(g, {"a", "a", "a", "c", "b"}, {}, {0, 1, 0.95});
  EXPECT_DOUBLE_EQ(r0.accuracy.value, 0.8);
  EXPECT_DOUBLE_EQ(r0.accuracy.lo, 0.8);
  EXPECT_DOUBLE_EQ(r0.accuracy.hi, 0.8);
  EXPECT_THROW(agreement(g, g, {}, {10, 1, 1.5}), JudgeError);
}

TEST(Bootstrap, ByGroupSplitsItems) {
  std::vector<std::string> g = {"r", "c", "r", "c", "i", "r"};
  std::vector<std::string> p = {"r", "c", "c", "c", "i", "r"};
  std::vector<std::string> grp = {"en", "en", "fr", "fr", "fr", "de"};
  auto by = agreement_by_group(g, p, grp, {}, {100, 0, 0.95});
  ASSERT_EQ(by.size(), 3u);
  EXPECT_EQ(by.at("en").n, 2u);
  EXPECT_DOUBLE_EQ(by.at("en").accuracy.value, 1.0);
  EXPECT_NEAR(by.at("fr").accuracy.value, 2.0 / 3, 1e-12);
  EXPECT_EQ(by.at("de").matrix.labels, by.at("fr").matrix.labels);  // same label order in every group
  EXPECT_THROW(agreement_by_group(g, p, {"en"}, {}, {}), JudgeError);
}

}  // namespace
}  // namespace polysafe::judge
