#include "judge/platt_calibration.h"

#include <algorithm>
#include <cmath>

#include "judge/judge_error.h"

namespace polysafe::judge {

double sigmoid(double z) {
  if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
  double e = std::exp(z);
  return e / (1.0 + e);
}

double logit(double p) {
  p = std::clamp(p, 1e-12, 1.0 - 1e-12);
  return std::log(p) - std::log1p(-p);
}

double PlattScaling::apply(double f) const { return sigmoid(a * f + b); }

namespace {

// Cross-entropy of targets t against sigma(a*f + b), written so that neither
// exp overflows nor log sees 0: log(1 + e^-|z|) plus the linear part.
double objective(const std::vector<double>& f, const std::vector<double>& t, double a, double b) {
  double s = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    double z = a * f[i] + b;
    // -[t log s(z) + (1-t) log(1 - s(z))] = log(1 + e^z) - t z
    double softplus = z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z));
    s += softplus - t[i] * z;
  }
  return s;
}

}  // namespace

PlattScaling fit_platt(const std::vector<double>& scores, const std::vector<int>& labels,
                       const PlattFitOptions& options) {
  if (scores.size() != labels.size())
    throw JudgeError("Platt scaling: " + std::to_string(scores.size()) + " scores but " +
                     std::to_string(labels.size()) + " labels");
  if (scores.empty()) throw JudgeError("Platt scaling: no calibration examples");
  double n_pos = 0, n_neg = 0;
  for (int y : labels) (y ? n_pos : n_neg) += 1;
  double hi = options.smoothed_targets ? (n_pos + 1) / (n_pos + 2) : 1.0;
  double lo = options.smoothed_targets ? 1 / (n_neg + 2) : 0.0;
  std::vector<double> t(labels.size());
  for (size_t i = 0; i < labels.size(); ++i) t[i] = labels[i] ? hi : lo;

  // Start from a = 0 and the prior log-odds (Platt's initialisation).
  PlattScaling p;
  p.a = 0;
  p.b = std::log((n_pos + 1) / (n_neg + 1));
  double fval = objective(scores, t, p.a, p.b);
  const double ridge = 1e-12;  // keeps the Hessian invertible when all scores are equal
  for (int it = 0; it < options.max_iterations; ++it) {
    double ga = 0, gb = 0, haa = ridge, hab = 0, hbb = ridge;
    for (size_t i = 0; i < scores.size(); ++i) {
      double q = sigmoid(p.a * scores[i] + p.b);
      double d = q - t[i];
      double w = q * (1 - q);
      ga += d * scores[i];
      gb += d;
      haa += w * scores[i] * scores[i];
      hab += w * scores[i];
      hbb += w;
    }
    if (std::abs(ga) < 1e-9 * scores.size() && std::abs(gb) < 1e-9 * scores.size()) break;
    double det = haa * hbb - hab * hab;
    if (!(det > 0)) break;
    // Newton direction -H^-1 g.
    double da = -(hbb * ga - hab * gb) / det;
    double db = -(-hab * ga + haa * gb) / det;
    double slope = ga * da + gb * db;
    double step = 1;
    bool moved = false;
    while (step >= 1e-10) {
      double na = p.a + step * da, nb = p.b + step * db;
      double nf = objective(scores, t, na, nb);
      if (nf < fval + 1e-4 * step * slope) {  // Armijo sufficient decrease
        p.a = na;
        p.b = nb;
        fval = nf;
        moved = true;
        break;
      }
      step /= 2;
    }
    if (!moved) break;
  }
  return p;
}

}  // namespace polysafe::judge
