#include "engine/model_config.h"

#include <cmath>
#include <sstream>

#include "engine/engine_error.h"
#include "formats/gguf_reader.h"
#include "formats/hf_config.h"
#include "util/strings.h"

namespace polysafe::engine {

namespace {

// llama.cpp's gemma3 loader: with a sliding window and no explicit pattern, every
// 6th layer (il % 6 == 5) is global, the others local (llama-hparams.cpp set_swa_pattern).
std::vector<bool> every_nth_global(int64_t n_layer, int64_t pattern) {
  std::vector<bool> local(n_layer, false);
  for (int64_t i = 0; i < n_layer; ++i) local[i] = pattern == 0 || (i % pattern) < pattern - 1;
  return local;
}

[[noreturn]] void unsupported(const std::string& source, const std::string& name) {
  throw EngineError(source + ": architecture '" + name + "' is not supported (supported: " +
                    join(supported_architectures(), ", ") + ")");
}

void check_config(const ModelConfig& c) {
  auto bad = [&](const std::string& what) { throw EngineError(c.source + ": " + what); };
  if (c.n_layer <= 0 || c.hidden <= 0 || c.ffn <= 0 || c.n_head <= 0 || c.n_kv_head <= 0 || c.head_dim <= 0)
    bad("incomplete hyper-parameters (" + c.summary() + ")");
  if (c.n_head % c.n_kv_head != 0)
    bad("head_count " + std::to_string(c.n_head) + " is not a multiple of head_count_kv " +
        std::to_string(c.n_kv_head));
  if (c.rope_dim <= 0 || c.rope_dim > c.head_dim || c.rope_dim % 2 != 0)
    bad("rope dimension " + std::to_string(c.rope_dim) + " must be even and at most the head size " +
        std::to_string(c.head_dim));
  if (c.vocab <= 0) bad("vocabulary size unknown");
  if (!(c.norm_eps > 0) || !(c.rope_base > 0)) bad("norm epsilon and rope base must be positive");
}

// Family defaults shared by both sources; fields the file sets override them afterwards.
void apply_family(ModelConfig& c) {
  switch (c.arch) {
    case Arch::Llama:
      c.rope_style = RopeStyle::Interleaved;
      break;
    case Arch::Qwen2:
      c.rope_style = RopeStyle::Neox;
      c.qkv_bias = true;
      break;
    case Arch::Gemma3:
      c.rope_style = RopeStyle::Neox;
      c.act = Activation::GeluTanh;
      c.qk_norm = true;
      c.post_norms = true;
      c.tied_output = true;
      c.embed_scale = std::sqrt(double(c.hidden));
      break;
    case Arch::Cohere:
      c.rope_style = RopeStyle::Interleaved;
      c.norm = NormKind::LayerNormNoBias;
      c.parallel_block = true;
      c.tied_output = true;
      break;
  }
}

}  // namespace

const std::vector<std::string>& supported_architectures() {
  static const std::vector<std::string> names = {"llama", "gemma3", "qwen2", "command-r (cohere)"};
  return names;
}

int64_t ModelConfig::n_params() const {
  int64_t attn = hidden * n_head * head_dim * 2 + hidden * n_kv_head * head_dim * 2;
  int64_t mlp = 3 * hidden * ffn;
  int64_t norms = parallel_block ? 1 : (post_norms ? 4 : 2);
  int64_t per_layer = attn + mlp + norms * hidden + (qk_norm ? 2 * head_dim : 0) +
                      (qkv_bias ? (n_head + 2 * n_kv_head) * head_dim : 0);
  return n_layer * per_layer + vocab * hidden * (tied_output ? 1 : 2) + hidden;
}

std::string ModelConfig::summary() const {
  std::ostringstream s;
  s << arch_name << ": " << n_layer << " layers, hidden " << hidden << ", ffn " << ffn << ", heads " << n_head
    << "/" << n_kv_head << " x " << head_dim << ", vocab " << vocab << ", context " << context_length;
  if (sliding_window > 0) s << ", sliding window " << sliding_window;
  return s.str();
}

ModelConfig config_from_gguf(const formats::GgufFile& f) {
  ModelConfig c;
  c.source = f.path();
  c.arch_name = f.get_string("general.architecture");
  if (c.arch_name == "llama") c.arch = Arch::Llama;
  else if (c.arch_name == "gemma3") c.arch = Arch::Gemma3;
  else if (c.arch_name == "qwen2") c.arch = Arch::Qwen2;
  else if (c.arch_name == "command-r") c.arch = Arch::Cohere;
  else unsupported(f.path(), c.arch_name);

  const std::string p = c.arch_name + ".";
  c.n_layer = int64_t(f.get_uint(p + "block_count"));
  c.hidden = int64_t(f.get_uint(p + "embedding_length"));
  c.ffn = int64_t(f.get_uint(p + "feed_forward_length"));
  c.n_head = int64_t(f.get_uint(p + "attention.head_count"));
  c.n_kv_head = int64_t(f.opt_uint(p + "attention.head_count_kv").value_or(c.n_head));
  c.head_dim = int64_t(f.opt_uint(p + "attention.key_length").value_or(c.n_head ? c.hidden / c.n_head : 0));
  if (auto v = f.opt_uint(p + "attention.value_length"); v && int64_t(*v) != c.head_dim)
    f.fail_key(p + "attention.value_length", "differs from key_length " + std::to_string(c.head_dim) +
                                                 " (not supported)");
  c.context_length = int64_t(f.opt_uint(p + "context_length").value_or(4096));
  apply_family(c);

  if (c.norm == NormKind::Rms) c.norm_eps = f.get_float(p + "attention.layer_norm_rms_epsilon");
  else c.norm_eps = f.get_float(p + "attention.layer_norm_epsilon");
  c.rope_dim = int64_t(f.opt_uint(p + "rope.dimension_count").value_or(c.head_dim));
  c.rope_base = f.opt_float(p + "rope.freq_base").value_or(10000.0);
  c.rope_base_local = f.opt_float(p + "rope.freq_base_swa").value_or(10000.0);
  if (auto t = f.opt_string(p + "rope.scaling.type"); t && *t != "none") {
    if (*t != "linear") f.fail_key(p + "rope.scaling.type", "'" + *t + "' is not supported (none, linear)");
    double factor = f.opt_float(p + "rope.scaling.factor").value_or(1.0);
    if (factor > 0) c.rope_freq_scale = 1.0 / factor;
  }
  if (f.find_tensor("rope_freqs.weight"))
    throw EngineError(f.path() + ": tensor 'rope_freqs.weight' (llama 3 rope scaling) is not supported");

  c.attn_scale = 1.0 / std::sqrt(double(c.head_dim));
  if (c.arch == Arch::Gemma3) {
    c.sliding_window = int64_t(f.opt_uint(p + "attention.sliding_window").value_or(0));
    int64_t pattern = int64_t(f.opt_uint(p + "attention.sliding_window_pattern").value_or(6));
    c.layer_is_local = c.sliding_window > 0 ? every_nth_global(c.n_layer, pattern)
                                            : std::vector<bool>(c.n_layer, false);
    c.final_softcap = f.opt_float(p + "final_logit_softcapping").value_or(0.0);
    // llama.cpp (after gemma_pytorch's config): the 27B model scales by hidden/heads.
    if (c.n_layer == 62) c.attn_scale = 1.0 / std::sqrt(double(c.hidden / c.n_head));
  }
  if (c.arch == Arch::Cohere) c.logit_scale = f.opt_float(p + "logit_scale").value_or(1.0);
  if (c.layer_is_local.empty()) c.layer_is_local.assign(c.n_layer, false);

  const auto& emb = f.tensor("token_embd.weight");
  if (emb.shape.size() != 2) throw EngineError(f.path() + ": tensor 'token_embd.weight': expected 2 dimensions");
  c.vocab = int64_t(emb.shape[1]);
  c.tied_output = f.find_tensor("output.weight") == nullptr;
  c.qkv_bias = f.find_tensor("blk.0.attn_q.bias") != nullptr;
  check_config(c);
  return c;
}

ModelConfig config_from_hf(const formats::HfConfig& h) {
  ModelConfig c;
  c.source = h.path;
  const std::string& t = h.model_type;
  if (t == "llama") c.arch = Arch::Llama, c.arch_name = "llama";
  else if (t == "qwen2") c.arch = Arch::Qwen2, c.arch_name = "qwen2";
  else if (t == "gemma3" || t == "gemma3_text") c.arch = Arch::Gemma3, c.arch_name = "gemma3";
  else if (t == "cohere") c.arch = Arch::Cohere, c.arch_name = "command-r";
  else unsupported(h.path, t);

  c.n_layer = h.num_hidden_layers;
  c.hidden = h.hidden_size;
  c.ffn = h.intermediate_size;
  c.n_head = h.num_attention_heads;
  c.n_kv_head = h.num_key_value_heads;
  c.head_dim = h.head_dim;
  c.vocab = h.vocab_size;
  c.context_length = h.max_position_embeddings.value_or(4096);
  apply_family(c);
  c.tied_output = h.tied_embeddings();
  c.rope_dim = c.head_dim;
  c.rope_base = h.rope_theta.value_or(10000.0);
  if (!h.rope_scaling.is_null()) {
    std::string type = h.rope_scaling.value("rope_type", h.rope_scaling.value("type", std::string("default")));
    if (type == "linear") c.rope_freq_scale = 1.0 / h.rope_scaling.value("factor", 1.0);
    else if (type != "default")
      throw EngineError(h.path + ": field 'rope_scaling': type '" + type + "' is not supported (linear)");
  }
  if (c.norm == NormKind::Rms) c.norm_eps = h.rms_norm_eps.value_or(1e-6);
  else c.norm_eps = h.layer_norm_eps.value_or(1e-5);
  c.attn_scale = 1.0 / std::sqrt(double(c.head_dim));

  const auto& j = h.text;
  if (c.arch == Arch::Gemma3) {
    c.sliding_window = h.sliding_window.value_or(0);
    c.rope_base_local = j.value("rope_local_base_freq", 10000.0);
    if (j.contains("layer_types") && j["layer_types"].is_array()) {
      for (const auto& lt : j["layer_types"]) c.layer_is_local.push_back(lt == "sliding_attention");
    } else {
      int64_t pattern = j.value("sliding_window_pattern", int64_t(6));
      c.layer_is_local = every_nth_global(c.n_layer, pattern);
    }
    if (c.sliding_window <= 0) c.layer_is_local.assign(c.n_layer, false);
    if (j.contains("query_pre_attn_scalar") && j["query_pre_attn_scalar"].is_number())
      c.attn_scale = 1.0 / std::sqrt(j["query_pre_attn_scalar"].get<double>());
    if (j.contains("final_logit_softcapping") && j["final_logit_softcapping"].is_number())
      c.final_softcap = j["final_logit_softcapping"].get<double>();
  }
  if (c.arch == Arch::Cohere) {
    if (j.contains("logit_scale") && j["logit_scale"].is_number()) c.logit_scale = j["logit_scale"].get<double>();
    if (j.value("use_qk_norm", false))
      throw EngineError(h.path + ": field 'use_qk_norm': Command R+ QK-norm is not supported");
  }
  if (c.arch == Arch::Qwen2) c.qkv_bias = true;
  if (int64_t(c.layer_is_local.size()) != c.n_layer) c.layer_is_local.assign(c.n_layer, false);
  check_config(c);
  return c;
}

}  // namespace polysafe::engine
