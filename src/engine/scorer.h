// Scoring text with a local model: the log-probability of a continuation given
// a context (per token and summed — what multiple-choice benchmarks rank by),
// perplexity of a text with a rolling window (fluency metrics), and mean-pooled
// hidden-state embeddings (classifiers). Log-probabilities are natural logs of
// the model's untempered softmax. Torch-free API; it never samples.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/model.h"

namespace polysafe::engine {

struct ContinuationScore {
  size_t context_tokens = 0;
  std::vector<int32_t> tokens;     // the continuation's ids
  std::vector<float> logprobs;     // log p(token_i | context, tokens_<i)
  double sum = 0.0;                // sum of logprobs
  bool greedy = false;             // every token was the argmax (lm-eval's is_greedy)
};

struct PerplexityResult {
  double nll = 0.0;          // summed negative log-likelihood (nats)
  size_t n_tokens = 0;       // tokens scored (all but the first)
  double perplexity = 0.0;   // exp(nll / n_tokens)
  int64_t window = 0, stride = 0;
};

enum class HiddenPoint { FfnInput, FinalNorm };

class Scorer {
 public:
  explicit Scorer(const Model& model, int max_batch = 8) : model_(model), max_batch_(max_batch) {}

  // Context encoded with the model's special tokens (BOS), continuation without,
  // so the pair scores as llama.cpp / lm-eval score "context + continuation".
  // Empty continuation, or empty context on a model without BOS: UsageError.
  std::vector<ContinuationScore> score(const std::vector<std::pair<std::string, std::string>>& pairs) const;
  ContinuationScore score(const std::string& context, const std::string& continuation) const;
  std::vector<ContinuationScore> score_tokens(
      const std::vector<std::pair<std::vector<int32_t>, std::vector<int32_t>>>& pairs) const;

  // Rolling-window perplexity: windows of at most `window` tokens (0: min(context, 512));
  // each window after the first scores `stride` new tokens (0: window / 2) with the
  // tokens before them as context. Token 0 (BOS, or the first token) is never scored.
  PerplexityResult perplexity(const std::string& text, int64_t window = 0, int64_t stride = 0) const;

  // Mean over the text's tokens (BOS included when the model adds one) of a hidden state.
  std::vector<float> embed(const std::string& text, HiddenPoint point = HiddenPoint::FinalNorm) const;
  // The same for many texts, up to max_batch per forward pass (rows in order).
  std::vector<std::vector<float>> embed(const std::vector<std::string>& texts,
                                        HiddenPoint point = HiddenPoint::FinalNorm) const;

 private:
  const Model& model_;
  int max_batch_;
};

}  // namespace polysafe::engine
