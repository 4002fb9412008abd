// A local, multilingual stand-in for the Perspective API's TOXICITY score: a
// fastText classifier over word and character n-grams (Joulin et al. 2017,
// "Bag of Tricks for Efficient Text Classification") whose output is mapped to
// a calibrated probability by Platt scaling fitted on a held-out split, so that
// "score >= 0.5" reads as "more likely toxic than not". A model is two files:
// PREFIX.bin (or .ftz when quantized) and PREFIX.json (calibration, training
// data and attribution, format version). Scoring never throws on text; loading
// a missing or corrupt model and training on unusable data throw JudgeError.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "judge/labeled_text.h"
#include "judge/platt_calibration.h"

namespace polysafe::judge {

struct ToxicityTrainOptions {
  int dim = 50;
  int epoch = 4;
  double lr = 0.2;
  int word_ngrams = 2;
  int minn = 2, maxn = 5;        // character n-grams, in code points
  int bucket = 400000;           // hashed n-gram rows (dominates the file size)
  int min_count = 1;
  std::string loss = "softmax";  // or "ova" (one-vs-all sigmoids)
  int threads = 2;               // > 1 trains Hogwild-style: not bit-reproducible
  int seed = 1;
  bool quantize = false;         // product-quantize the input matrix (.ftz)
  size_t quantize_cutoff = 0;    // keep only this many n-gram rows (0: all)
};

struct CalibrationSummary {
  std::string method = "platt";
  size_t n = 0, positives = 0;
  bool carved_from_train = false;  // no calibration file: 1 in 8 training rows held out
  double ece_before = 0, ece_after = 0;  // 10 bins; before = fastText's own probability
  double auc = 0;
};

class ToxicityScorer {
 public:
  static constexpr int kFormatVersion = 1;

  // $POLYSAFE_TOXICITY_MODEL, else ${XDG_CACHE_HOME:-$HOME/.cache}/polysafe/toxicity/default.
  static std::string default_model_path();

  // Trains fastText on `train` (labels 0/1), fits Platt scaling on
  // `calibration` (or on 1/8 of `train` held out by a hash of the text when
  // calibration is empty). data_info is stored verbatim in the sidecar
  // (dataset names, licences, citations, counts).
  static ToxicityScorer train(const std::vector<LabeledText>& train, const std::vector<LabeledText>& calibration,
                              const ToxicityTrainOptions& options, const nlohmann::json& data_info = nullptr);

  // Loads PREFIX.json and the fastText file it names (checked by sha256).
  // `path` may be the prefix or either file.
  explicit ToxicityScorer(const std::string& path);
  ~ToxicityScorer();
  ToxicityScorer(ToxicityScorer&&) noexcept;
  ToxicityScorer& operator=(ToxicityScorer&&) noexcept;

  // Writes PREFIX.bin|.ftz and PREFIX.json atomically (temp file + rename).
  void save(const std::string& path) const;

  // Calibrated probability that the text is toxic. Defined for every input:
  // empty or symbol-only text scores what the model gives an empty line,
  // invalid UTF-8 bytes are read as U+FFFD.
  double score(std::string_view text) const;
  // fastText's log-odds log p(toxic) - log p(non-toxic): Platt's input.
  double raw_score(std::string_view text) const;
  // Scores in input order; threads <= 0 uses the hardware concurrency (max 8).
  std::vector<double> score_batch(const std::vector<std::string>& texts, int threads = 0) const;

  const PlattScaling& calibration() const;
  const nlohmann::json& metadata() const;  // the sidecar's content

 private:
  ToxicityScorer();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "dir/m", "dir/m.json", "dir/m.bin", "dir/m.ftz" -> "dir/m".
std::string toxicity_model_prefix(const std::string& path);

}  // namespace polysafe::judge
