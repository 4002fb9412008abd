// Summary of Hugging Face checkpoints: a .safetensors file, a sharded index, or
// a directory with config.json (+ tokenizer.json / tokenizer_config.json).
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "formats/hf_config.h"
#include "formats/model_summary.h"
#include "formats/safetensors_checkpoint.h"
#include "util/error.h"
#include "util/mapped_file.h"

namespace fs = std::filesystem;

namespace polysafe::formats {

namespace {
void add_config(ModelSummary& s, const HfConfig& c) {
  s.architecture = c.model_type;
  if (!c.architectures.empty()) s.name = c.architectures.front();
  auto add = [&](const char* k, const std::string& v) { s.hyperparameters.emplace_back(k, v); };
  add("hidden_size", std::to_string(c.hidden_size));
  add("intermediate_size", std::to_string(c.intermediate_size));
  add("num_hidden_layers", std::to_string(c.num_hidden_layers));
  add("num_attention_heads", std::to_string(c.num_attention_heads));
  add("num_key_value_heads", std::to_string(c.num_key_value_heads));
  add("head_dim", std::to_string(c.head_dim));
  add("vocab_size", std::to_string(c.vocab_size));
  if (c.max_position_embeddings) add("max_position_embeddings", std::to_string(*c.max_position_embeddings));
  if (c.rms_norm_eps) add("rms_norm_eps", std::to_string(*c.rms_norm_eps));
  if (c.layer_norm_eps) add("layer_norm_eps", std::to_string(*c.layer_norm_eps));
  if (c.rope_theta) add("rope_theta", std::to_string(*c.rope_theta));
  if (c.sliding_window) add("sliding_window", std::to_string(*c.sliding_window));
  add("tie_word_embeddings", c.tied_embeddings() ? "true" : "false");
  if (!c.torch_dtype.empty()) add("torch_dtype", c.torch_dtype);
  s.vocab_size = static_cast<uint64_t>(c.vocab_size);
  if (!c.bos_token_ids.empty()) s.bos_id = c.bos_token_ids.front();
  if (!c.eos_token_ids.empty()) s.eos_id = c.eos_token_ids.front();
}

// tokenizer.json gives the model kind; tokenizer_config.json the chat template.
void add_tokenizer_files(ModelSummary& s, const fs::path& dir) {
  std::error_code ec;
  fs::path tj = dir / "tokenizer.json";
  if (fs::is_regular_file(tj, ec)) {
    try {
      auto j = nlohmann::json::parse(read_text_file(tj.string()));
      if (j.contains("model") && j["model"].contains("type") && j["model"]["type"].is_string())
        s.tokenizer_model = "tokenizer.json " + j["model"]["type"].get<std::string>();
    } catch (const nlohmann::json::exception& e) {
      throw FormatError(tj.string() + ": invalid JSON: " + e.what());
    }
  }
  fs::path tc = dir / "tokenizer_config.json";
  if (fs::is_regular_file(tc, ec)) {
    try {
      auto j = nlohmann::json::parse(read_text_file(tc.string()));
      s.has_chat_template = j.contains("chat_template") && !j["chat_template"].is_null();
    } catch (const nlohmann::json::exception& e) {
      throw FormatError(tc.string() + ": invalid JSON: " + e.what());
    }
  }
  if (fs::is_regular_file(dir / "chat_template.jinja", ec)) s.has_chat_template = true;
}
}  // namespace

ModelSummary summarize_model_other(const std::string& path) {
  std::error_code ec;
  ModelSummary s;
  s.path = path;
  fs::path dir = fs::is_directory(path, ec) ? fs::path(path) : fs::path(path).parent_path();
  if (fs::is_directory(path, ec)) {
    if (!fs::is_regular_file(dir / "config.json", ec))
      throw FormatError(path + ": directory has no config.json");
    add_config(s, load_hf_config((dir / "config.json").string()));
    add_tokenizer_files(s, dir);
  } else if (!fs::exists(path, ec)) {
    throw FormatError(path + ": no such file");
  }
  SafetensorsCheckpoint ckpt(path);
  s.format = ckpt.sharded() ? "safetensors (" + std::to_string(ckpt.files().size()) + " shards)" : "safetensors";
  for (const auto& f : ckpt.files()) s.file_bytes += fs::file_size(f, ec);
  for (const auto* t : ckpt.tensors()) {
    s.tensors.push_back({t->name, t->dtype_name(), t->shape, t->n_elements, t->n_bytes});
    s.total_parameters += t->n_elements;
    s.total_bytes += t->n_bytes;
  }
  return s;
}

}  // namespace polysafe::formats
