#include "formats/hf_config.h"

#include <cmath>
#include <filesystem>
#include <limits>

#include "util/error.h"
#include "util/mapped_file.h"

namespace polysafe::formats {

using json = nlohmann::json;

namespace {

std::string kind(const json& j) {
  switch (j.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "integer";
    case json::value_t::number_float: return "number " + j.dump();
    case json::value_t::string: return "string";
    case json::value_t::array: return "array";
    case json::value_t::object: return "object";
    default: return "value";
  }
}

// Older architectures spell the standard fields differently (transformers
// keeps the mapping in each config class's `attribute_map`).
const std::vector<std::pair<const char*, const char*>> kAliases = {
    {"hidden_size", "n_embd"},           {"hidden_size", "d_model"},
    {"num_hidden_layers", "n_layer"},    {"num_hidden_layers", "num_layers"},
    {"num_attention_heads", "n_head"},   {"num_attention_heads", "num_heads"},
    {"max_position_embeddings", "n_positions"},
    {"intermediate_size", "n_inner"},    {"intermediate_size", "ffn_dim"},
    {"layer_norm_eps", "layer_norm_epsilon"},
    {"num_key_value_heads", "num_kv_heads"},
};

class Reader {
 public:
  Reader(const json& obj, const std::string& path, const std::string& prefix)
      : obj_(obj), path_(path), prefix_(prefix) {}

  [[noreturn]] void fail(const std::string& field, const std::string& msg) const {
    throw FormatError(path_ + ": field '" + prefix_ + field + "': " + msg);
  }

  // The value under `key` or one of its aliases; nullptr when absent or null.
  const json* find(const std::string& key, std::string* used = nullptr) const {
    auto try_key = [&](const std::string& k) -> const json* {
      auto it = obj_.find(k);
      if (it == obj_.end() || it->is_null()) return nullptr;
      if (used) *used = k;
      return &*it;
    };
    if (const json* v = try_key(key)) return v;
    for (const auto& [canon, alias] : kAliases)
      if (key == canon)
        if (const json* v = try_key(alias)) return v;
    return nullptr;
  }

  std::optional<int64_t> opt_int(const std::string& key) const {
    std::string k = key;
    const json* v = find(key, &k);
    if (!v) return std::nullopt;
    if (v->is_number_integer()) {
      if (v->is_number_unsigned() && v->get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max()))
        fail(k, "integer " + v->dump() + " out of range");
      return v->get<int64_t>();
    }
    // 4096.0 is an integer written by a tool that only has floats; 4096.5 is not.
    if (v->is_number_float()) {
      double d = v->get<double>();
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15) return static_cast<int64_t>(d);
    }
    fail(k, "expected integer, got " + kind(*v));
  }
  int64_t req_positive(const std::string& key) const {
    auto v = opt_int(key);
    if (!v) fail(key, "missing (required for decoder-only models)");
    if (*v <= 0) fail(key, "expected a positive integer, got " + std::to_string(*v));
    return *v;
  }
  std::optional<int64_t> opt_positive(const std::string& key) const {
    auto v = opt_int(key);
    if (v && *v <= 0) fail(key, "expected a positive integer, got " + std::to_string(*v));
    return v;
  }
  std::optional<double> opt_number(const std::string& key) const {
    std::string k = key;
    const json* v = find(key, &k);
    if (!v) return std::nullopt;
    if (!v->is_number()) fail(k, "expected number, got " + kind(*v));
    return v->get<double>();
  }
  std::optional<bool> opt_bool(const std::string& key) const {
    const json* v = find(key);
    if (!v) return std::nullopt;
    if (!v->is_boolean()) fail(key, "expected boolean, got " + kind(*v));
    return v->get<bool>();
  }
  std::optional<std::string> opt_string(const std::string& key) const {
    const json* v = find(key);
    if (!v) return std::nullopt;
    if (!v->is_string()) fail(key, "expected string, got " + kind(*v));
    return v->get<std::string>();
  }
  // An id or a list of ids (generation can stop on several eos tokens).
  std::vector<int64_t> int_or_list(const std::string& key) const {
    const json* v = find(key);
    if (!v) return {};
    if (v->is_number_integer()) return {v->get<int64_t>()};
    if (!v->is_array()) fail(key, "expected integer or list of integers, got " + kind(*v));
    std::vector<int64_t> out;
    for (size_t i = 0; i < v->size(); ++i) {
      const json& e = (*v)[i];
      if (!e.is_number_integer())
        fail(key, "element " + std::to_string(i) + ": expected integer, got " + kind(e));
      out.push_back(e.get<int64_t>());
    }
    return out;
  }

 private:
  const json& obj_;
  const std::string& path_;
  std::string prefix_;
};

}  // namespace

bool HfConfig::tied_embeddings() const {
  if (tie_word_embeddings) return *tie_word_embeddings;
  // Per-class defaults in transformers; PretrainedConfig's own default is true.
  static const char* untied[] = {"llama", "mistral", "mixtral", "qwen2", "qwen2_moe",
                                 "qwen3", "qwen3_moe", "phi3", "olmo2"};
  for (const char* t : untied)
    if (model_type == t) return false;
  return true;
}

HfConfig parse_hf_config(const std::string& text_in, const std::string& path) {
  HfConfig c;
  c.path = path;
  try {
    c.raw = json::parse(text_in);
  } catch (const json::exception& e) {
    throw FormatError(path + ": not valid JSON: " + e.what());
  }
  if (!c.raw.is_object()) throw FormatError(path + ": expected a JSON object, got " + kind(c.raw));

  Reader top(c.raw, path, "");
  if (const json* a = top.find("architectures")) {
    if (!a->is_array()) top.fail("architectures", "expected list of strings, got " + kind(*a));
    for (size_t i = 0; i < a->size(); ++i) {
      if (!(*a)[i].is_string())
        top.fail("architectures", "element " + std::to_string(i) + ": expected string, got " + kind((*a)[i]));
      c.architectures.push_back((*a)[i].get<std::string>());
    }
  }
  c.model_type = top.opt_string("model_type").value_or("");

  // Multimodal wrappers keep the language model's fields in text_config.
  c.text = c.raw;
  std::string prefix;
  if (const json* tc = top.find("text_config"); tc && !top.find("hidden_size")) {
    if (!tc->is_object()) top.fail("text_config", "expected object, got " + kind(*tc));
    c.text = *tc;
    prefix = "text_config.";
  }
  Reader r(c.text, path, prefix);

  c.hidden_size = r.req_positive("hidden_size");
  c.num_hidden_layers = r.req_positive("num_hidden_layers");
  c.num_attention_heads = r.req_positive("num_attention_heads");
  c.vocab_size = r.req_positive("vocab_size");
  c.intermediate_size = r.opt_positive("intermediate_size").value_or(0);
  c.num_key_value_heads = r.opt_positive("num_key_value_heads").value_or(c.num_attention_heads);
  if (c.num_attention_heads % c.num_key_value_heads != 0)
    r.fail("num_key_value_heads", std::to_string(c.num_key_value_heads) + " does not divide num_attention_heads " +
                                      std::to_string(c.num_attention_heads));
  if (auto hd = r.opt_positive("head_dim")) {
    c.head_dim = *hd;
  } else {
    if (c.hidden_size % c.num_attention_heads != 0)
      r.fail("hidden_size", std::to_string(c.hidden_size) + " is not divisible by num_attention_heads " +
                                std::to_string(c.num_attention_heads) + " and no head_dim is given");
    c.head_dim = c.hidden_size / c.num_attention_heads;
  }
  c.max_position_embeddings = r.opt_positive("max_position_embeddings");
  c.rms_norm_eps = r.opt_number("rms_norm_eps");
  c.layer_norm_eps = r.opt_number("layer_norm_eps");
  c.rope_theta = r.opt_number("rope_theta");
  if (const json* rs = r.find("rope_scaling")) {
    if (!rs->is_object()) r.fail("rope_scaling", "expected object or null, got " + kind(*rs));
    c.rope_scaling = *rs;
  }
  // tie_word_embeddings lives at the top level even for multimodal wrappers.
  c.tie_word_embeddings = r.opt_bool("tie_word_embeddings");
  if (!c.tie_word_embeddings) c.tie_word_embeddings = top.opt_bool("tie_word_embeddings");
  c.sliding_window = r.opt_positive("sliding_window");
  // Qwen2 writes a window size but only applies it when use_sliding_window is true.
  if (auto use = r.opt_bool("use_sliding_window"); use && !*use) c.sliding_window.reset();
  c.bos_token_ids = r.int_or_list("bos_token_id");
  if (c.bos_token_ids.empty()) c.bos_token_ids = top.int_or_list("bos_token_id");
  c.eos_token_ids = r.int_or_list("eos_token_id");
  if (c.eos_token_ids.empty()) c.eos_token_ids = top.int_or_list("eos_token_id");
  c.pad_token_id = r.opt_int("pad_token_id");
  if (auto d = top.opt_string("torch_dtype")) c.torch_dtype = *d;
  else if (auto d2 = top.opt_string("dtype")) c.torch_dtype = *d2;
  else if (auto d3 = r.opt_string("torch_dtype")) c.torch_dtype = *d3;
  return c;
}

HfConfig load_hf_config(const std::string& path_in) {
  std::string path = path_in;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) path = (std::filesystem::path(path) / "config.json").string();
  std::string text;
  try {
    text = read_text_file(path);
  } catch (const Error& e) {
    throw FormatError(e.what());
  }
  return parse_hf_config(text, path);
}

}  // namespace polysafe::formats
