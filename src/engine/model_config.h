// The architecture of a decoder-only model as the engine runs it, read from GGUF
// metadata (llama.cpp key names, "<arch>.block_count" ...) or from a Hugging Face
// config.json. Every architectural difference between the supported families is
// an explicit field here, so the forward pass never guesses from names.
// An architecture outside llama, gemma3, qwen2, command-r/cohere is an
// EngineError naming it and listing the supported ones; it is never approximated.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace polysafe::formats {
class GgufFile;
struct HfConfig;
}  // namespace polysafe::formats

namespace polysafe::engine {

enum class Arch { Llama, Gemma3, Qwen2, Cohere };

// How RoPE pairs the dimensions of a head (llama.cpp's rope types):
// Interleaved ("normal"): pairs (2i, 2i+1) — llama GGUF (whose Q/K rows the
// converter permuted from HF's layout) and Command-R. Neox: pairs (i, i + d/2) —
// HF's rotate_half, used by gemma3 and qwen2 in both GGUF and HF form.
enum class RopeStyle { Interleaved, Neox };

enum class NormKind { Rms, LayerNormNoBias };
enum class Activation { Silu, GeluTanh };

struct ModelConfig {
  Arch arch = Arch::Llama;
  std::string arch_name;      // as in the file: "llama", "gemma3", "qwen2", "command-r"
  std::string source;         // file it came from, for messages

  int64_t n_layer = 0;
  int64_t hidden = 0;
  int64_t ffn = 0;
  int64_t n_head = 0;
  int64_t n_kv_head = 0;
  int64_t head_dim = 0;
  int64_t vocab = 0;
  int64_t context_length = 0;

  NormKind norm = NormKind::Rms;
  double norm_eps = 1e-5;
  Activation act = Activation::Silu;

  RopeStyle rope_style = RopeStyle::Interleaved;
  int64_t rope_dim = 0;           // leading dims of a head that rotate (llama.cpp n_rot)
  double rope_base = 10000.0;     // global layers
  double rope_base_local = 10000.0;  // sliding-window layers (gemma3)
  double rope_freq_scale = 1.0;   // linear scaling: positions multiplied by this

  int64_t sliding_window = 0;     // 0: none
  std::vector<bool> layer_is_local;  // per layer: sliding-window attention

  double attn_scale = 0.0;        // multiplies q·k (1/sqrt(head_dim) unless the family says otherwise)
  double embed_scale = 1.0;       // token embeddings multiplied by this (gemma: sqrt(hidden))
  double final_softcap = 0.0;     // logits = c * tanh(logits / c) when > 0
  double logit_scale = 1.0;       // cohere: logits multiplied by this

  bool tied_output = false;       // LM head is the embedding matrix
  bool qkv_bias = false;          // qwen2
  bool qk_norm = false;           // gemma3: RMSNorm on each head of q and k
  bool post_norms = false;        // gemma3: norms after attention and after the FFN
  bool parallel_block = false;    // cohere: attention and FFN read the same normed input

  int64_t n_params() const;       // weights the engine will hold (tied output counted once)
  std::string summary() const;    // one line for logs: "llama: 30 layers, hidden 576, ..."
};

// Names accepted as architectures, for messages and --help.
const std::vector<std::string>& supported_architectures();

// From GGUF metadata; the vocabulary size comes from token_embd.weight.
ModelConfig config_from_gguf(const formats::GgufFile& f);
// From config.json (model_type llama, qwen2, gemma3/gemma3_text, cohere).
ModelConfig config_from_hf(const formats::HfConfig& c);

}  // namespace polysafe::engine
