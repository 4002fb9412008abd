#include "formats/model_summary.h"

#include <filesystem>

#include "formats/gguf_reader.h"
#include "util/error.h"
#include "util/strings.h"

namespace polysafe::formats {

namespace {

ModelSummary summarize_gguf(const std::string& path) {
  GgufFile f(path);
  ModelSummary s;
  s.path = path;
  s.format = "gguf v" + std::to_string(f.version());
  s.file_bytes = f.file_size();
  s.architecture = f.opt_string("general.architecture").value_or("");
  s.name = f.opt_string("general.name").value_or("");
  const std::string prefix = s.architecture + ".";
  for (const auto& key : f.keys()) {
    if (!s.architecture.empty() && starts_with(key, prefix))
      s.hyperparameters.emplace_back(key.substr(prefix.size()), f.find(key)->to_display());
  }
  s.tokenizer_model = f.opt_string("tokenizer.ggml.model").value_or("");
  s.tokenizer_pre = f.opt_string("tokenizer.ggml.pre").value_or("");
  if (const GgufValue* toks = f.find("tokenizer.ggml.tokens"); toks && toks->is_array())
    s.vocab_size = toks->array().items.size();
  if (auto b = f.opt_uint("tokenizer.ggml.bos_token_id")) s.bos_id = static_cast<int64_t>(*b);
  if (auto e = f.opt_uint("tokenizer.ggml.eos_token_id")) s.eos_id = static_cast<int64_t>(*e);
  s.has_chat_template = f.has("tokenizer.chat_template");
  for (const auto& t : f.tensors()) {
    s.tensors.push_back({t.name, t.type_name(), t.shape, t.n_elements, t.n_bytes});
    s.total_parameters += t.n_elements;
    s.total_bytes += t.n_bytes;
  }
  return s;
}

}  // namespace

// Other formats register here as their readers land (safetensors, config.json).
ModelSummary summarize_model_other(const std::string& path);

ModelSummary summarize_model(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec) && ends_with(path, ".gguf")) return summarize_gguf(path);
  if (std::filesystem::is_regular_file(path, ec)) {
    // Sniff the magic rather than trusting the extension.
    FILE* fp = std::fopen(path.c_str(), "rb");
    char magic[4] = {0, 0, 0, 0};
    if (fp) {
      size_t n = std::fread(magic, 1, 4, fp);
      std::fclose(fp);
      if (n == 4 && std::string(magic, 4) == "GGUF") return summarize_gguf(path);
    }
  }
  return summarize_model_other(path);
}

nlohmann::json ModelSummary::to_json() const {
  nlohmann::json j;
  j["path"] = path;
  j["format"] = format;
  j["architecture"] = architecture;
  j["name"] = name;
  j["file_bytes"] = file_bytes;
  nlohmann::json hp = nlohmann::json::object();
  for (const auto& [k, v] : hyperparameters) hp[k] = v;
  j["hyperparameters"] = hp;
  j["tokenizer"] = {{"model", tokenizer_model}, {"pre", tokenizer_pre}, {"vocab_size", vocab_size},
                    {"bos_id", bos_id},         {"eos_id", eos_id},     {"chat_template", has_chat_template}};
  nlohmann::json ts = nlohmann::json::array();
  for (const auto& t : tensors)
    ts.push_back({{"name", t.name}, {"type", t.type}, {"shape", t.shape}, {"n_elements", t.n_elements},
                  {"bytes", t.n_bytes}});
  j["tensors"] = ts;
  j["total_parameters"] = total_parameters;
  j["total_tensor_bytes"] = total_bytes;
  return j;
}

}  // namespace polysafe::formats
