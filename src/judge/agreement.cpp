#include "judge/agreement.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <set>

#include "judge/judge_error.h"
#include "util/resample.h"

namespace polysafe::judge {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

using resample::quantile;
using resample::uniform_index;

// Matrix over fixed label indices, for the bootstrap's inner loop.
ConfusionMatrix matrix_from_indices(const std::vector<std::string>& labels, const std::vector<size_t>& g,
                                    const std::vector<size_t>& p, const std::vector<size_t>* pick) {
  ConfusionMatrix cm;
  cm.labels = labels;
  cm.counts.assign(labels.size(), std::vector<size_t>(labels.size(), 0));
  size_t n = pick ? pick->size() : g.size();
  for (size_t i = 0; i < n; ++i) {
    size_t k = pick ? (*pick)[i] : i;
    ++cm.counts[g[k]][p[k]];
  }
  return cm;
}

}  // namespace

size_t ConfusionMatrix::total() const {
  size_t t = 0;
  for (const auto& row : counts)
    for (size_t c : row) t += c;
  return t;
}

size_t ConfusionMatrix::index(const std::string& label) const {
  return static_cast<size_t>(std::find(labels.begin(), labels.end(), label) - labels.begin());
}

ConfusionMatrix confusion_matrix(const std::vector<std::string>& gold, const std::vector<std::string>& predicted,
                                 const std::vector<std::string>& labels) {
  if (gold.size() != predicted.size())
    throw JudgeError("confusion matrix: " + std::to_string(gold.size()) + " gold labels but " +
                     std::to_string(predicted.size()) + " predictions");
  std::vector<std::string> order = labels;
  std::set<std::string> extra;
  for (const auto* v : {&gold, &predicted})
    for (const auto& l : *v)
      if (std::find(order.begin(), order.end(), l) == order.end()) extra.insert(l);
  order.insert(order.end(), extra.begin(), extra.end());
  std::vector<size_t> g(gold.size()), p(gold.size());
  for (size_t i = 0; i < gold.size(); ++i) {
    g[i] = static_cast<size_t>(std::find(order.begin(), order.end(), gold[i]) - order.begin());
    p[i] = static_cast<size_t>(std::find(order.begin(), order.end(), predicted[i]) - order.begin());
  }
  return matrix_from_indices(order, g, p, nullptr);
}

double accuracy(const ConfusionMatrix& cm) {
  size_t n = cm.total();
  if (n == 0) return kNaN;
  size_t diag = 0;
  for (size_t i = 0; i < cm.labels.size(); ++i) diag += cm.counts[i][i];
  return static_cast<double>(diag) / n;
}

double cohen_kappa(const ConfusionMatrix& cm) {
  size_t n = cm.total();
  if (n == 0) return kNaN;
  double po = accuracy(cm), pe = 0;
  for (size_t i = 0; i < cm.labels.size(); ++i) {
    double row = 0, col = 0;
    for (size_t j = 0; j < cm.labels.size(); ++j) {
      row += cm.counts[i][j];
      col += cm.counts[j][i];
    }
    pe += (row / n) * (col / n);
  }
  if (pe >= 1.0 - 1e-12) return kNaN;
  return (po - pe) / (1.0 - pe);
}

std::vector<ClassMetrics> class_metrics(const ConfusionMatrix& cm) {
  std::vector<ClassMetrics> out;
  for (size_t i = 0; i < cm.labels.size(); ++i) {
    ClassMetrics m;
    m.label = cm.labels[i];
    for (size_t j = 0; j < cm.labels.size(); ++j) {
      m.support += cm.counts[i][j];
      m.predicted += cm.counts[j][i];
    }
    double tp = static_cast<double>(cm.counts[i][i]);
    m.precision = m.predicted ? tp / m.predicted : kNaN;
    m.recall = m.support ? tp / m.support : kNaN;
    if (std::isnan(m.precision) || std::isnan(m.recall)) m.f1 = kNaN;
    else if (m.precision + m.recall == 0) m.f1 = 0;
    else m.f1 = 2 * m.precision * m.recall / (m.precision + m.recall);
    out.push_back(m);
  }
  return out;
}

double macro_f1(const ConfusionMatrix& cm) {
  double sum = 0;
  size_t k = 0;
  for (const auto& m : class_metrics(cm))
    if (!std::isnan(m.f1)) sum += m.f1, ++k;
  return k ? sum / k : kNaN;
}

AgreementReport agreement(const std::vector<std::string>& gold, const std::vector<std::string>& predicted,
                          const std::vector<std::string>& labels, const BootstrapOptions& opts) {
  AgreementReport r;
  r.matrix = confusion_matrix(gold, predicted, labels);
  r.n = gold.size();
  const auto& order = r.matrix.labels;
  std::vector<size_t> g(gold.size()), p(gold.size());
  for (size_t i = 0; i < gold.size(); ++i) {
    g[i] = r.matrix.index(gold[i]);
    p[i] = r.matrix.index(predicted[i]);
  }
  auto cls = class_metrics(r.matrix);
  r.accuracy.value = accuracy(r.matrix);
  r.kappa.value = cohen_kappa(r.matrix);
  r.macro_f1.value = macro_f1(r.matrix);
  for (const auto& m : cls) {
    ClassReport c;
    c.label = m.label;
    c.support = m.support;
    c.predicted = m.predicted;
    c.precision.value = m.precision;
    c.recall.value = m.recall;
    c.f1.value = m.f1;
    r.classes.push_back(c);
  }

  if (opts.resamples <= 0 || r.n == 0) {
    for (Interval* iv : {&r.accuracy, &r.kappa, &r.macro_f1}) iv->lo = iv->hi = iv->value;
    for (auto& c : r.classes)
      for (Interval* iv : {&c.precision, &c.recall, &c.f1}) iv->lo = iv->hi = iv->value;
    return r;
  }
  if (!(opts.level > 0 && opts.level < 1))
    throw JudgeError("bootstrap: level " + std::to_string(opts.level) + " is not in (0, 1)");

  std::mt19937_64 rng(opts.seed);
  const size_t B = static_cast<size_t>(opts.resamples), L = order.size();
  std::vector<double> acc(B), kap(B), mf1(B);
  std::vector<std::vector<double>> prec(L, std::vector<double>(B)), rec = prec, f1 = prec;
  std::vector<size_t> pick(r.n);
  for (size_t b = 0; b < B; ++b) {
    for (auto& k : pick) k = uniform_index(rng, r.n);
    ConfusionMatrix cm = matrix_from_indices(order, g, p, &pick);
    acc[b] = accuracy(cm);
    kap[b] = cohen_kappa(cm);
    mf1[b] = macro_f1(cm);
    auto cm_cls = class_metrics(cm);
    for (size_t l = 0; l < L; ++l) {
      prec[l][b] = cm_cls[l].precision;
      rec[l][b] = cm_cls[l].recall;
      f1[l][b] = cm_cls[l].f1;
    }
  }
  double qlo = (1.0 - opts.level) / 2, qhi = 1.0 - qlo;
  auto fill = [&](Interval& iv, const std::vector<double>& samples) {
    iv.lo = quantile(samples, qlo);
    iv.hi = quantile(samples, qhi);
  };
  fill(r.accuracy, acc);
  fill(r.kappa, kap);
  fill(r.macro_f1, mf1);
  for (size_t l = 0; l < L; ++l) {
    fill(r.classes[l].precision, prec[l]);
    fill(r.classes[l].recall, rec[l]);
    fill(r.classes[l].f1, f1[l]);
  }
  return r;
}

std::map<std::string, AgreementReport> agreement_by_group(const std::vector<std::string>& gold,
                                                          const std::vector<std::string>& predicted,
                                                          const std::vector<std::string>& groups,
                                                          const std::vector<std::string>& labels,
                                                          const BootstrapOptions& opts) {
  if (groups.size() != gold.size() || predicted.size() != gold.size())
    throw JudgeError("agreement by group: " + std::to_string(gold.size()) + " gold, " +
                     std::to_string(predicted.size()) + " predicted, " + std::to_string(groups.size()) +
                     " group values");
  // Every group reports the same label set, so tables line up.
  std::vector<std::string> order = confusion_matrix(gold, predicted, labels).labels;
  std::map<std::string, std::pair<std::vector<std::string>, std::vector<std::string>>> split;
  for (size_t i = 0; i < gold.size(); ++i) {
    split[groups[i]].first.push_back(gold[i]);
    split[groups[i]].second.push_back(predicted[i]);
  }
  std::map<std::string, AgreementReport> out;
  for (const auto& [name, gp] : split) out.emplace(name, agreement(gp.first, gp.second, order, opts));
  return out;
}

}  // namespace polysafe::judge
