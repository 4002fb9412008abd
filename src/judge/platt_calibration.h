// Platt scaling: maps a classifier's raw score f to a calibrated probability
// sigma(a*f + b), with a and b fitted by Newton's method on a held-out
// calibration split (Platt 1999, "Probabilistic outputs for support vector
// machines"; the numerically careful Newton variant of Lin, Lin & Weng 2007).
// Never fit on the training split (the scores there are over-confident).
#pragma once

#include <vector>

namespace polysafe::judge {

struct PlattScaling {
  double a = 1.0, b = 0.0;  // identity on the logit scale
  double apply(double f) const;  // sigma(a*f + b), overflow-safe
};

struct PlattFitOptions {
  // Platt's regularised targets (N+ + 1)/(N+ + 2) and 1/(N- + 2) instead of
  // 1 and 0: keeps a, b finite on separable data. Off: the plain logistic MLE.
  bool smoothed_targets = true;
  int max_iterations = 100;
};

// Throws JudgeError when sizes differ or the input is empty.
PlattScaling fit_platt(const std::vector<double>& scores, const std::vector<int>& labels,
                       const PlattFitOptions& options = {});

// Numerically safe logistic function and log-odds (clamped to avoid inf).
double sigmoid(double z);
double logit(double p);

}  // namespace polysafe::judge
