#include "engine/weights.h"

#include <algorithm>
#include <fstream>
#include <functional>
#include <sstream>

#include "engine/engine_error.h"
#include "formats/block_codes.h"
#include "formats/dequantize.h"
#include "formats/gguf_reader.h"
#include "formats/safetensors_checkpoint.h"
#include "util/strings.h"

namespace polysafe::engine {

namespace {

std::string shape_str(const std::vector<int64_t>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

// Fetches one tensor as f32 in torch order ([out, in] for matrices) after checking
// its shape; `required=false` returns an undefined tensor when it is absent.
using Fetch = std::function<at::Tensor(const std::string& name, const std::vector<int64_t>& shape, bool required)>;
// Fetches a (shape-checked, present) matrix in its integer codes, or nullptr
// when its type has none; an empty FetchCodes means "always dense".
using FetchCodes =
    std::function<std::shared_ptr<QuantizedMatrix>(const std::string& name, const std::vector<int64_t>& shape)>;

at::Tensor to_compute(const at::Tensor& t, DType d) {
  return d == DType::BF16 ? t.to(at::kBFloat16).contiguous() : t.contiguous();
}

Weights build(const ModelConfig& c, DType dtype, const Fetch& get, const FetchCodes& codes = {}) {
  const int64_t H = c.hidden, D = c.head_dim, q_rows = c.n_head * D, kv_rows = c.n_kv_head * D;
  using Part = std::pair<std::string, std::vector<int64_t>>;
  // One linear weight from row-stacked parts: in codes when every part has them.
  auto matrix = [&](const std::vector<Part>& parts) {
    LinearWeight lw;
    if (codes && dtype == DType::F32) {
      std::vector<QuantizedMatrix> qs;
      for (const auto& [name, shape] : parts) {
        auto q = codes(name, shape);
        if (!q) break;
        qs.push_back(std::move(*q));
      }
      if (qs.size() == parts.size()) {
        lw.codes = std::make_shared<QuantizedMatrix>(qs.size() == 1 ? std::move(qs[0]) : QuantizedMatrix::stack_rows(qs));
        return lw;
      }
    }
    std::vector<at::Tensor> ts;
    for (const auto& [name, shape] : parts) ts.push_back(get(name, shape, true));
    lw.dense = to_compute(ts.size() == 1 ? ts[0] : at::cat(ts, 0), dtype);
    return lw;
  };
  Weights w;
  w.dtype = dtype;
  w.tok_embd = matrix({{"token_embd.weight", {c.vocab, H}}});
  w.output_norm = get("output_norm.weight", {H}, true);
  if (c.tied_output) {
    w.output = w.tok_embd;  // shared storage (dense tensor or codes)
  } else {
    w.output = matrix({{"output.weight", {c.vocab, H}}});
  }
  w.layers.resize(c.n_layer);
  for (int64_t i = 0; i < c.n_layer; ++i) {
    auto& L = w.layers[i];
    const std::string b = "blk." + std::to_string(i) + ".";
    L.attn_norm = get(b + "attn_norm.weight", {H}, true);
    L.wqkv = matrix({{b + "attn_q.weight", {q_rows, H}}, {b + "attn_k.weight", {kv_rows, H}},
                     {b + "attn_v.weight", {kv_rows, H}}});
    if (c.qkv_bias) {
      L.bqkv = at::cat({get(b + "attn_q.bias", {q_rows}, true), get(b + "attn_k.bias", {kv_rows}, true),
                        get(b + "attn_v.bias", {kv_rows}, true)}, 0).contiguous();
    }
    if (c.qk_norm) {
      L.q_norm = get(b + "attn_q_norm.weight", {D}, true);
      L.k_norm = get(b + "attn_k_norm.weight", {D}, true);
    }
    L.wo = matrix({{b + "attn_output.weight", {H, q_rows}}});
    if (c.post_norms) {
      L.post_attn_norm = get(b + "post_attention_norm.weight", {H}, true);
      L.post_ffn_norm = get(b + "post_ffw_norm.weight", {H}, true);
    }
    if (!c.parallel_block) L.ffn_norm = get(b + "ffn_norm.weight", {H}, true);
    L.w_gate_up = matrix({{b + "ffn_gate.weight", {c.ffn, H}}, {b + "ffn_up.weight", {c.ffn, H}}});
    L.w_down = matrix({{b + "ffn_down.weight", {H, c.ffn}}});
  }
  return w;
}

// HF checkpoint names for the GGUF names above (transformers' modeling_<arch>.py).
std::string hf_name(const ModelConfig& c, const std::string& gguf, const std::string& prefix,
                    const std::string& head_prefix) {
  if (gguf == "token_embd.weight") return prefix + "embed_tokens.weight";
  if (gguf == "output_norm.weight") return prefix + "norm.weight";
  if (gguf == "output.weight") return head_prefix + "lm_head.weight";
  // blk.N.<part>
  size_t dot = gguf.find('.', 4);
  std::string n = gguf.substr(4, dot - 4), part = gguf.substr(dot + 1);
  std::string base = prefix + "layers." + n + ".";
  static const std::vector<std::pair<std::string, std::string>> common = {
      {"attn_norm.weight", "input_layernorm.weight"},
      {"attn_q.weight", "self_attn.q_proj.weight"}, {"attn_k.weight", "self_attn.k_proj.weight"},
      {"attn_v.weight", "self_attn.v_proj.weight"}, {"attn_q.bias", "self_attn.q_proj.bias"},
      {"attn_k.bias", "self_attn.k_proj.bias"}, {"attn_v.bias", "self_attn.v_proj.bias"},
      {"attn_output.weight", "self_attn.o_proj.weight"},
      {"attn_q_norm.weight", "self_attn.q_norm.weight"}, {"attn_k_norm.weight", "self_attn.k_norm.weight"},
      {"post_attention_norm.weight", "post_attention_layernorm.weight"},
      {"post_ffw_norm.weight", "post_feedforward_layernorm.weight"},
      {"ffn_gate.weight", "mlp.gate_proj.weight"}, {"ffn_up.weight", "mlp.up_proj.weight"},
      {"ffn_down.weight", "mlp.down_proj.weight"},
  };
  if (part == "ffn_norm.weight")
    return base + (c.arch == Arch::Gemma3 ? "pre_feedforward_layernorm.weight" : "post_attention_layernorm.weight");
  for (const auto& [g, h] : common)
    if (part == g) return base + h;
  return base + part;
}

// convert_hf_to_gguf.py's LlamaModel.permute: HF stores each head's rotary pairs
// as (i, i + d/2); GGUF stores them interleaved (2i, 2i+1) for llama.cpp's normal rope.
at::Tensor permute_for_interleaved_rope(const at::Tensor& w, int64_t n_heads) {
  auto rows = w.size(0);
  return w.reshape({n_heads, 2, rows / n_heads / 2, w.size(1)}).transpose(1, 2).reshape({rows, w.size(1)}).contiguous();
}

}  // namespace

MemoryEstimate estimate_weight_memory(const ModelConfig& c, DType dtype) {
  MemoryEstimate m;
  m.weights = uint64_t(c.n_params()) * dtype_size(dtype);
  uint64_t largest = uint64_t(c.vocab) * c.hidden;
  largest = std::max<uint64_t>(largest, 2ull * c.ffn * c.hidden);
  m.transient = largest * 4 * 2;  // the f32 dequantised tensor plus its converted / fused copy
  return m;
}

uint64_t mem_available_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  uint64_t value = 0;
  std::string unit;
  while (in >> key >> value) {
    std::getline(in, unit);
    if (key == "MemAvailable:") return value * 1024;
  }
  return 0;
}

void check_memory(uint64_t bytes, const std::string& what) {
  uint64_t avail = mem_available_bytes();
  if (avail != 0 && bytes > avail)
    throw EngineError(what + ": needs about " + human_bytes(bytes) + " of memory, only " + human_bytes(avail) +
                      " available (MemAvailable in /proc/meminfo)");
}

Weights load_gguf_weights(const formats::GgufFile& f, const ModelConfig& c, DType dtype, unsigned threads,
                          bool keep_codes) {
  auto find = [&](const std::string& name, const std::vector<int64_t>& shape, bool required)
      -> const formats::GgufTensorInfo* {
    const auto* t = f.find_tensor(name);
    if (!t) {
      if (!required) return nullptr;
      throw EngineError(f.path() + ": tensor '" + name + "' is missing (architecture " + c.arch_name +
                        " expects shape " + shape_str(shape) + ")");
    }
    // ggml lists dimensions innermost first; torch outermost first.
    std::vector<int64_t> got(t->shape.rbegin(), t->shape.rend());
    if (got != shape)
      throw EngineError(f.path() + ": tensor '" + name + "': shape " + shape_str(got) + " does not match " +
                        c.arch_name + " with these hyper-parameters, expected " + shape_str(shape));
    return t;
  };
  Fetch get = [&](const std::string& name, const std::vector<int64_t>& shape, bool required) -> at::Tensor {
    const auto* t = find(name, shape, required);
    if (!t) return {};
    at::Tensor out = at::empty(shape, at::kFloat);
    formats::dequantize_tensor_into(*t, out.data_ptr<float>(), threads);
    return out;
  };
  FetchCodes codes;
  if (keep_codes)
    codes = [&](const std::string& name, const std::vector<int64_t>& shape) -> std::shared_ptr<QuantizedMatrix> {
      const auto* t = find(name, shape, true);
      if (!formats::affine_codes_layout(t->type_id)) return nullptr;
      return std::make_shared<QuantizedMatrix>(QuantizedMatrix::from_gguf(*t));
    };
  return build(c, dtype, get, codes);
}

Weights load_safetensors_weights(const formats::SafetensorsCheckpoint& ck, const ModelConfig& c, DType dtype) {
  std::string prefix = "model.", head_prefix;
  for (const auto* t : ck.tensors()) {
    if (ends_with(t->name, "embed_tokens.weight")) {
      prefix = t->name.substr(0, t->name.size() - std::string("embed_tokens.weight").size());
      break;
    }
  }
  // Multimodal wrappers put the LM head beside the language model's body.
  for (const auto* t : ck.tensors())
    if (ends_with(t->name, "lm_head.weight")) head_prefix = t->name.substr(0, t->name.size() - 14);

  Fetch get = [&](const std::string& name, const std::vector<int64_t>& shape, bool required) -> at::Tensor {
    std::string hf = hf_name(c, name, prefix, head_prefix);
    const auto* t = ck.find(hf);
    if (!t) {
      if (!required) return {};
      throw EngineError(ck.files().front() + ": tensor '" + hf + "' (" + name + ") is missing (architecture " +
                        c.arch_name + " expects shape " + shape_str(shape) + ")");
    }
    std::vector<int64_t> got(t->shape.begin(), t->shape.end());
    if (got != shape)
      throw EngineError(t->path() + ": tensor '" + hf + "': shape " + shape_str(got) + " does not match " +
                        c.arch_name + " with these hyper-parameters, expected " + shape_str(shape));
    at::Tensor out = at::empty(shape, at::kFloat);
    formats::tensor_to_f32(*t, out.data_ptr<float>());
    // Gemma computes x * (1 + w); GGUF (and this engine) store 1 + w.
    if (c.arch == Arch::Gemma3 && ends_with(name, "norm.weight")) out.add_(1.0);
    if (c.arch == Arch::Llama && (ends_with(name, "attn_q.weight") || ends_with(name, "attn_k.weight")))
      out = permute_for_interleaved_rope(out, ends_with(name, "attn_q.weight") ? c.n_head : c.n_kv_head);
    return out;
  };
  return build(c, dtype, get);
}

}  // namespace polysafe::engine
