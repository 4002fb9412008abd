// A loaded local model — architecture, weights, tokenizer, chat template — and
// its forward pass over a batch of token sequences, returning logits and hidden
// states from one pass. Torch-free: backends, judges and the CLI include this
// header without libtorch. Two Model objects share no state; each runs its
// calls with its own thread count. Loading refuses, before allocating, a model
// the machine's free memory cannot hold.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/dtype.h"
#include "engine/model_config.h"

namespace polysafe::tokenizer { class Tokenizer; }

namespace polysafe::engine {

struct LoadOptions {
  DType dtype = DType::F32;
  int threads = 0;           // 0: every hardware thread
  bool check_memory = true;  // refuse when MemAvailable is too small
  // GELU (gemma3) through ggml's CPU lookup table, which rounds the input and the
  // result to f16, as llama.cpp computes it. Only to study parity with llama.cpp;
  // off (default): the exact tanh GELU in f32.
  bool ggml_gelu_table = false;
  // At f32, multiply GGUF block-quantised matrices in their integer codes (about
  // 1.1 bytes per weight instead of 4; each weight expands to exactly its
  // dequantised f32 value). false: dequantise to dense f32 at load.
  bool keep_quantized = true;
};

// Where a batch's shorter sequences get their padding. Results do not depend on it.
enum class Padding { Left, Right };

// Hidden states the engine can return for every position.
//  ffn_input:    the normed input entering the last block's feed-forward sublayer
//                (after its pre-FFN norm; cohere: the block's shared input norm) —
//                the representation kNN-LM and Goodtriever index.
//  final_hidden: the output of the final norm, i.e. the LM head's input, so that
//                logits = final_hidden · output_matrixᵀ (then softcap / logit scale).
struct ForwardOptions {
  bool last_only = false;   // logits (and hidden states) of the last token only
  bool hidden = false;      // fill ffn_input and final_hidden
  bool logits = true;       // fill logits (off: hidden states only, skips the LM head)
  Padding padding = Padding::Left;
};

struct SequenceOutput {
  int64_t n_positions = 0;          // rows below (sequence length, or 1 with last_only)
  std::vector<float> logits;        // [n_positions, vocab] (empty when not requested)
  std::vector<float> ffn_input;     // [n_positions, hidden] when requested
  std::vector<float> final_hidden;  // [n_positions, hidden] when requested
};

class Model {
 public:
  // `spec`: a short name ("smollm2-135m-instruct"), a .gguf file, or a directory
  // with config.json, *.safetensors and tokenizer.json.
  static std::unique_ptr<Model> load(const std::string& spec, const LoadOptions& opts = {});
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const ModelConfig& config() const;
  const tokenizer::Tokenizer& tokenizer() const;
  const std::string& path() const;
  DType dtype() const;
  int threads() const;
  const std::string& chat_template() const;   // empty when the model has none
  // Token ids that end a generation (EOS, end-of-turn), without duplicates.
  const std::vector<int32_t>& stop_tokens() const;

  // One forward pass over every sequence (no cache is kept). Token ids outside
  // the vocabulary and empty sequences are EngineErrors.
  std::vector<SequenceOutput> forward(const std::vector<std::vector<int32_t>>& seqs,
                                      const ForwardOptions& opts = {}) const;

  // The output (LM head) matrix [vocab, hidden] as f32, e.g. to check hidden states.
  std::vector<float> output_matrix() const;

  struct Impl;            // engine-internal (torch types): model_impl.h
  Impl& impl() const { return *impl_; }

 private:
  explicit Model(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace polysafe::engine
