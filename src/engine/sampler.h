// Next-token sampling for one sequence from its logits: greedy, temperature,
// top-k, top-p, min-p and repetition penalty, applied in llama.cpp's default
// order, with a per-sequence RNG so a run is reproducible for a seed whatever
// the batch composition. Plain C++ over float arrays (no libtorch), so it builds
// and is tested without the engine; it must never read or change model state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace polysafe::engine {

// Parameters of one generation request. Defaults sample from the model's
// unmodified distribution (temperature 1, no truncation, no penalty).
//
// Order (llama.cpp common/sampling.cpp default sampler chain, without the
// samplers polysafe lacks: DRY, typical-p, XTC, top-n-sigma):
//   1. repetition penalty over the last `repeat_last_n` tokens of the history
//   2. top-k   3. top-p   4. min-p   (on the penalised, un-tempered logits)
//   5. temperature, then a draw from the softmax of what is left.
// temperature == 0 is greedy: the argmax of the penalised logits (ties: lowest
// id); top-k/top-p/min-p cannot change it, so they are skipped.
struct SamplingParams {
  float temperature = 1.0f;        // >= 0; 0 = greedy
  int32_t top_k = 0;               // >= 0; 0 = off
  float top_p = 1.0f;              // (0, 1]; 1 = off
  float min_p = 0.0f;              // [0, 1]; 0 = off
  float repetition_penalty = 1.0f; // > 0; 1 = off
  int32_t repeat_last_n = 64;      // tokens of history penalised; 0 = none, -1 = all (llama.cpp's default is 64)
  uint64_t seed = 0;               // sequence i of a request uses seed + i

  // Throws polysafe::UsageError naming the parameter and the allowed range.
  void validate() const;
};

struct SampledToken {
  int32_t token = -1;
  // log p(token) under the model's distribution: log_softmax of the logits as
  // given (before penalty, truncation and temperature) — what scoring reports.
  float logprob = 0.0f;
  // log p(token) under the distribution actually sampled from (after every
  // step; 0 for greedy).
  float sample_logprob = 0.0f;
};

// log(sum(exp(logits))), and log_softmax(logits)[token] (float exps summed in double).
double logsumexp(const float* logits, size_t vocab);
float token_logprob(const float* logits, size_t vocab, int32_t token);

// Sampler of one sequence: its RNG (std::mt19937_64 seeded with seed + index,
// uniform draws built from the raw 64-bit output so results are identical on
// every platform and standard library) and its token history for the penalty.
class SequenceSampler {
 public:
  // sequence_index: the sequence's position in the request (prompt i, sample j
  // of n: i * n + j), not its slot in a batch, so results do not depend on how
  // sequences are batched. Validates params.
  SequenceSampler(const SamplingParams& params, uint64_t sequence_index);

  // Picks the next token from logits[0..vocab) (not modified) and appends it to
  // the history. log_z: logsumexp(logits) if the caller already has it (e.g.
  // computed for the whole batch at once), else NaN and computed here when
  // needed. Throws UsageError if vocab is 0, polysafe::Error if a logit is NaN
  // or +inf or every logit is -inf.
  SampledToken sample(const float* logits, size_t vocab, double log_z = std::numeric_limits<double>::quiet_NaN());

  // Tokens the penalty should see that were not sampled here (the prompt, as
  // llama.cpp's server accepts prompt tokens into its sampler).
  void accept(int32_t token) { history_.push_back(token); }
  void accept(const std::vector<int32_t>& tokens) { history_.insert(history_.end(), tokens.begin(), tokens.end()); }
  const std::vector<int32_t>& history() const { return history_; }
  const SamplingParams& params() const { return params_; }

  // Uniform double in [0, 1) from the next 53 bits of the RNG (exposed for tests).
  double next_uniform();

 private:
  struct Candidate {
    int32_t id;
    float logit;
  };
  void apply_penalty(std::vector<Candidate>& cand) const;

  SamplingParams params_;
  std::mt19937_64 rng_;
  std::vector<int32_t> history_;
  std::vector<Candidate> scratch_;
  std::vector<double> weights_;
};

}  // namespace polysafe::engine
