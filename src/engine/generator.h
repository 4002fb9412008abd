// Batched text generation with a KV cache: prompts of different lengths decoded
// together (left-padded), n samples per prompt sharing one prefill (the cache
// rows are copied, not recomputed), per-sequence stopping (EOS / end-of-turn,
// stop strings, token budget), seeded sampling that does not depend on how
// sequences are batched, and a logits hook that sees — and may change — each
// step's logits with the hidden states of the same pass. Torch-free API.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/model.h"
#include "engine/sampler.h"
#include "chat_template/chat_template.h"

namespace polysafe::engine {

struct GenerateOptions {
  SamplingParams sampling;                // temperature 0 = greedy; seed
  size_t max_new_tokens = 128;            // >= 1; capped by the context window
  std::vector<std::string> stop_strings;
  int n = 1;                              // samples per prompt, >= 1
  bool chat = false;                      // render prompts with the model's chat template
  int max_batch = 32;                     // sequences decoded together, >= 1
  bool hidden_for_hook = true;            // capture hidden states for the hook
  bool ignore_eos = false;                // keep going past EOS / end-of-turn (llama.cpp ignore_eos)
  // One seed per prompt (empty: sampling.seed + sequence index). Sample j of
  // prompt i then uses prompt_seeds[i] + j, so a prompt's samples do not depend
  // on which other prompts share the call (what a resumed run needs).
  std::vector<uint64_t> prompt_seeds;
};

// What the logits hook sees at one decoding step. Row r of every matrix belongs
// to sequence seq_ids[r] (= prompt_index * n + sample_index); rows of finished
// sequences are absent. The hook may modify `logits` in place before sampling.
struct HookStep {
  int step = 0;                            // 0: the logits after the prompt
  int64_t rows = 0, vocab = 0, hidden_size = 0;
  float* logits = nullptr;                 // [rows, vocab]
  const float* ffn_input = nullptr;        // [rows, hidden]: normed input of the last block's FFN (or null)
  const float* final_hidden = nullptr;     // [rows, hidden]: final-norm output (or null)
  const std::vector<int64_t>* seq_ids = nullptr;
};
using LogitsHook = std::function<void(HookStep&)>;

struct Generation {
  size_t prompt_index = 0, sample_index = 0;
  std::string text;                        // generated text, stop string removed; always valid UTF-8
  std::vector<int32_t> tokens;             // generated ids (EOS included when it ended the text)
  std::vector<float> logprobs;             // log p(token) under the model (before sampling transforms)
  std::string stop_reason;                 // "eos", "stop", "length"
  size_t prompt_tokens = 0;
  // How text was made valid UTF-8 from the tokens' bytes: the bytes of a
  // character the generation stopped inside (dropped, llama.cpp withholds them
  // too), and the ill-formed sequences the model produced mid-text (each one
  // U+FFFD in text, so a judge sees the model wrote garbage).
  size_t dropped_tail_bytes = 0;
  size_t invalid_utf8_sequences = 0;
};

class Generator {
 public:
  explicit Generator(const Model& model) : model_(model) {}

  // Plain prompts (or, with opts.chat, single user turns).
  std::vector<Generation> generate(const std::vector<std::string>& prompts, const GenerateOptions& opts,
                                   const LogitsHook& hook = {}) const;
  std::vector<Generation> generate_chat(const std::vector<std::vector<chat_template::ChatMessage>>& conversations,
                                        const GenerateOptions& opts, const LogitsHook& hook = {}) const;
  // Already tokenized prompts.
  std::vector<Generation> generate_tokens(const std::vector<std::vector<int32_t>>& prompts,
                                          const GenerateOptions& opts, const LogitsHook& hook = {}) const;

  // The ids a prompt becomes: invalid UTF-8 and empty prompts are errors.
  std::vector<int32_t> encode_prompt(const std::string& text) const;
  std::vector<int32_t> encode_chat(const std::vector<chat_template::ChatMessage>& conversation) const;

 private:
  const Model& model_;
};

// Checks options (n >= 1, max_new_tokens >= 1, sampling ranges); UsageError naming the field.
void validate(const GenerateOptions& opts);

}  // namespace polysafe::engine
