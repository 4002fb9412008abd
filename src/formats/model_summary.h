// A format-independent description of a model file or checkpoint: architecture,
// hyper-parameters, tokenizer facts, chat template presence and the tensor table.
// It reads headers only (never dequantises), so summarising a large model is cheap.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace polysafe::formats {

struct TensorSummary {
  std::string name;
  std::string type;              // "Q4_K", "F32", "BF16"...
  std::vector<uint64_t> shape;   // as stored (GGUF: ggml order, contiguous dimension first)
  uint64_t n_elements = 0;
  uint64_t n_bytes = 0;
};

struct ModelSummary {
  std::string path;
  std::string format;            // "gguf v3", "safetensors"
  std::string architecture;      // "llama", "gemma3"...
  std::string name;              // general.name when present
  std::vector<std::pair<std::string, std::string>> hyperparameters;  // key, value (display)
  // Tokenizer facts
  std::string tokenizer_model;   // "gpt2", "llama", "" if none
  std::string tokenizer_pre;
  uint64_t vocab_size = 0;
  int64_t bos_id = -1, eos_id = -1;
  bool has_chat_template = false;
  std::vector<TensorSummary> tensors;
  uint64_t total_parameters = 0;
  uint64_t total_bytes = 0;
  uint64_t file_bytes = 0;

  nlohmann::json to_json() const;
};

// GGUF file, safetensors file, or a directory with config.json (+ sharded safetensors).
ModelSummary summarize_model(const std::string& path);

}  // namespace polysafe::formats
