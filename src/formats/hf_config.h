// Hugging Face `config.json` for decoder-only models: the fields a local engine
// needs to build the architecture, type-checked, with the whole document kept
// as raw JSON for anything else. Multimodal wrappers (e.g. Gemma 3's
// Gemma3ForConditionalGeneration) are read through their "text_config".
// A wrong type or impossible value throws FormatError naming the file and
// field (`config.json: field 'hidden_size': expected integer, got string`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace polysafe::formats {

struct HfConfig {
  std::string path;                        // for messages
  std::vector<std::string> architectures;  // "LlamaForCausalLM"
  std::string model_type;                  // "llama", "gemma3_text", "qwen2", "cohere"

  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;           // 0 when absent
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;
  int64_t num_key_value_heads = 0;         // defaults to num_attention_heads (no GQA)
  int64_t head_dim = 0;                    // defaults to hidden_size / num_attention_heads
  int64_t vocab_size = 0;
  std::optional<int64_t> max_position_embeddings;

  std::optional<double> rms_norm_eps;      // RMSNorm models (llama, gemma, qwen2)
  std::optional<double> layer_norm_eps;    // LayerNorm models (cohere, gpt2 as layer_norm_epsilon)
  std::optional<double> rope_theta;
  nlohmann::json rope_scaling;             // null when absent; kept raw (its shape varies by type)
  std::optional<bool> tie_word_embeddings; // absent: architecture default (see tied_embeddings())
  std::optional<int64_t> sliding_window;   // null/absent: full attention
  std::vector<int64_t> bos_token_ids;      // int or list in the file; empty when absent/null
  std::vector<int64_t> eos_token_ids;
  std::optional<int64_t> pad_token_id;
  std::string torch_dtype;                 // "bfloat16"; newer files spell the key "dtype"

  nlohmann::json raw;                      // the whole file
  nlohmann::json text;                     // the object the fields above came from

  // Whether the LM head shares the embedding matrix: the explicit value, else
  // the transformers default for the model type (true for gemma*, cohere*;
  // false for llama, qwen2, mistral and unknown types).
  bool tied_embeddings() const;
};

// Parses config.json text; `path` names the file in messages.
HfConfig parse_hf_config(const std::string& json_text, const std::string& path = "config.json");
// Reads and parses a config.json file (or the config.json inside a directory).
HfConfig load_hf_config(const std::string& path);

}  // namespace polysafe::formats
