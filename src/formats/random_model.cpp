#include "formats/random_model.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "formats/gguf_reader.h"
#include "formats/gguf_writer.h"
#include "util/error.h"

namespace polysafe::formats {

namespace {

// Uniform in [-a, a): the top 53 bits of one draw scaled by 2^-53 (exact), then
// one multiply and one subtract in double, rounded once to float — no libm call,
// so every platform produces the same bits.
class Uniform {
 public:
  explicit Uniform(uint64_t seed) : rng_(seed) {}
  float operator()(double a) {
    double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
    return static_cast<float>((2.0 * u - 1.0) * a);
  }

 private:
  std::mt19937_64 rng_;
};

}  // namespace

const std::vector<std::string>& random_model_architectures() {
  static const std::vector<std::string> archs = {"llama", "qwen2", "command-r"};
  return archs;
}

void RandomModelSpec::validate() const {
  const auto& a = random_model_architectures();
  if (std::find(a.begin(), a.end(), arch) == a.end())
    throw UsageError("random model: unknown architecture '" + arch + "' (supported: llama, qwen2, command-r)");
  auto pos = [](const char* name, uint32_t v) {
    if (v == 0) throw UsageError(std::string("random model: ") + name + " must be >= 1");
  };
  pos("layers", n_layer);
  pos("embedding size", n_embd);
  pos("heads", n_head);
  pos("kv heads", n_head_kv);
  pos("feed-forward size", n_ff);
  pos("context length", n_ctx);
  if (n_embd % n_head != 0)
    throw UsageError("random model: embedding size " + std::to_string(n_embd) + " is not a multiple of heads " +
                     std::to_string(n_head));
  if (n_head % n_head_kv != 0)
    throw UsageError("random model: heads " + std::to_string(n_head) + " is not a multiple of kv heads " +
                     std::to_string(n_head_kv));
  if ((n_embd / n_head) % 2 != 0) throw UsageError("random model: head size must be even (RoPE rotates pairs)");
  if (n_embd % 32 != 0 || n_ff % 32 != 0)
    throw UsageError("random model: embedding and feed-forward sizes must be multiples of 32 (so the model "
                     "can be converted to Q8_0)");
}

void write_random_model(const RandomModelSpec& spec, const GgufFile& tokenizer_source, const std::string& out_path) {
  spec.validate();
  if (!tokenizer_source.has("tokenizer.ggml.tokens"))
    tokenizer_source.fail_key("tokenizer.ggml.tokens", "missing: the tokenizer source has no vocabulary");
  const uint64_t n_vocab = tokenizer_source.get_string_array("tokenizer.ggml.tokens").size();
  const std::string& A = spec.arch;
  const uint32_t head_dim = spec.n_embd / spec.n_head;
  const uint32_t n_embd_kv = head_dim * spec.n_head_kv;
  const bool is_cohere = A == "command-r";

  GgufWriter w;
  w.set_string("general.architecture", A);
  w.set_string("general.type", "model");
  w.set_string("general.name", "polysafe random " + A + " seed " + std::to_string(spec.seed));
  w.set_u32("general.file_type", 0);  // LLAMA_FTYPE_ALL_F32
  w.set_u32(A + ".context_length", spec.n_ctx);
  w.set_u32(A + ".embedding_length", spec.n_embd);
  w.set_u32(A + ".block_count", spec.n_layer);
  w.set_u32(A + ".feed_forward_length", spec.n_ff);
  w.set_u32(A + ".attention.head_count", spec.n_head);
  w.set_u32(A + ".attention.head_count_kv", spec.n_head_kv);
  w.set_f32(A + ".rope.freq_base", spec.rope_freq_base);
  w.set_u32(A + ".rope.dimension_count", head_dim);
  w.set_u32(A + ".vocab_size", static_cast<uint32_t>(n_vocab));
  if (is_cohere) {
    w.set_f32(A + ".attention.layer_norm_epsilon", spec.norm_eps);
    w.set_f32(A + ".logit_scale", spec.logit_scale);
  } else {
    w.set_f32(A + ".attention.layer_norm_rms_epsilon", spec.norm_eps);
  }
  for (const auto& key : tokenizer_source.keys())
    if (key.rfind("tokenizer.", 0) == 0) w.set(key, GgufMetaValue::from(*tokenizer_source.find(key)));

  Uniform rnd(spec.seed);
  std::vector<float> buf;
  // shape in ggml order: {in, out} for a matrix (fan_in = shape[0]).
  auto matrix = [&](const std::string& name, uint64_t in, uint64_t out) {
    buf.resize(in * out);
    const double a = std::sqrt(3.0 / static_cast<double>(in));  // std 1/sqrt(in)
    for (auto& x : buf) x = rnd(a);
    w.add_tensor(name, {in, out}, GgmlType::F32, buf.data());
  };
  auto vec = [&](const std::string& name, uint64_t n, float center, double half_width) {
    buf.resize(n);
    for (auto& x : buf) x = center + rnd(half_width);
    w.add_tensor(name, {n}, GgmlType::F32, buf.data());
  };

  matrix("token_embd.weight", spec.n_embd, n_vocab);
  for (uint32_t i = 0; i < spec.n_layer; ++i) {
    const std::string b = "blk." + std::to_string(i) + ".";
    vec(b + "attn_norm.weight", spec.n_embd, 1.0f, 0.2);
    matrix(b + "attn_q.weight", spec.n_embd, spec.n_embd);
    matrix(b + "attn_k.weight", spec.n_embd, n_embd_kv);
    matrix(b + "attn_v.weight", spec.n_embd, n_embd_kv);
    if (A == "qwen2") {
      vec(b + "attn_q.bias", spec.n_embd, 0.0f, 0.1);
      vec(b + "attn_k.bias", n_embd_kv, 0.0f, 0.1);
      vec(b + "attn_v.bias", n_embd_kv, 0.0f, 0.1);
    }
    matrix(b + "attn_output.weight", spec.n_embd, spec.n_embd);
    if (!is_cohere) vec(b + "ffn_norm.weight", spec.n_embd, 1.0f, 0.2);
    matrix(b + "ffn_gate.weight", spec.n_embd, spec.n_ff);
    matrix(b + "ffn_up.weight", spec.n_embd, spec.n_ff);
    matrix(b + "ffn_down.weight", spec.n_ff, spec.n_embd);
  }
  vec("output_norm.weight", spec.n_embd, 1.0f, 0.2);
  if (A == "llama") matrix("output.weight", spec.n_embd, n_vocab);
  w.write(out_path);
}

}  // namespace polysafe::formats
