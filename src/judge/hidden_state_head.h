// A probe on a language model's pooled hidden states: standardise the
// features, a small feed-forward head (dense layers, ReLU between them, one
// output logit; one layer is logistic regression), then Platt scaling so that
// p >= 0.5 reads "more likely than not". The model that makes the features runs elsewhere (a
// backend that can embed); this file holds only the head, which is what makes
// it cheap to retrain and ship (scripts/judges/train_hidden_head.py writes it).
// One JSON file: which model and hidden point the features come from, the
// standardisation, the weights, the calibration and how it was trained.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "judge/platt_calibration.h"

namespace polysafe::judge {

class HiddenStateHead {
 public:
  static constexpr int kFormatVersion = 1;
  static constexpr const char* kFormat = "polysafe-hidden-state-head";

  // JudgeError naming `where` (a file) and the field for anything malformed:
  // wrong format or version, widths that disagree, non-finite numbers.
  static HiddenStateHead from_json(const nlohmann::json& j, const std::string& where);
  static HiddenStateHead load(const std::string& path);
  // The toxicity head that ships inside the library (data/judges/toxicity-gemma3-270m.json).
  static HiddenStateHead builtin_toxicity();

  const std::string& task() const { return task_; }    // "toxicity", "answer-harm"
  const std::string& model() const { return model_; }  // a local model name the features need
  const std::string& point() const { return point_; }  // "final-norm" | "ffn-input"
  size_t dim() const { return mean_.size(); }
  // Short identity for judgment versions: task, model and the weights' hash.
  const std::string& version() const { return version_; }
  const nlohmann::json& metadata() const { return meta_; }

  // Log-odds before calibration, and the calibrated probability. A row of the
  // wrong width is a JudgeError (features from another model or point).
  double raw(const std::vector<float>& features) const;
  double probability(const std::vector<float>& features) const { return platt_.apply(raw(features)); }

 private:
  std::string task_, model_, point_, version_;
  struct Layer {
    size_t in = 0, out = 0;
    std::vector<float> weights;  // out x in, row-major
    std::vector<float> bias;     // out
    bool relu = false;
  };
  std::vector<double> mean_, scale_;
  std::vector<Layer> layers_;
  PlattScaling platt_;
  nlohmann::json meta_;
};

}  // namespace polysafe::judge
