// Model configuration, weight checks, the forward pass (padding, hidden states)
// and scoring on the default models.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "engine/engine_error.h"
#include "engine/model_config.h"
#include "engine/scorer.h"
#include "engine/weights.h"
#include "engine_test_support.h"
#include "formats/gguf_reader.h"
#include "formats/gguf_writer.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"

namespace polysafe::engine {
namespace {

using test::gemma3;
using test::smollm2;

TEST(ModelConfig, SmolLM2FromGguf) {
  formats::GgufFile f(test::model_path("smollm2-135m-instruct"));
  auto c = config_from_gguf(f);
  EXPECT_EQ(c.arch, Arch::Llama);
  EXPECT_EQ(c.n_layer, 30);
  EXPECT_EQ(c.hidden, 576);
  EXPECT_EQ(c.ffn, 1536);
  EXPECT_EQ(c.n_head, 9);
  EXPECT_EQ(c.n_kv_head, 3);
  EXPECT_EQ(c.head_dim, 64);
  EXPECT_EQ(c.vocab, 49152);
  EXPECT_EQ(c.rope_style, RopeStyle::Interleaved);
  EXPECT_DOUBLE_EQ(c.rope_base, 100000.0);
  EXPECT_TRUE(c.tied_output);
  EXPECT_EQ(c.n_params(), 134515008);  // what `polysafe inspect` counts from the tensors
}

TEST(ModelConfig, Gemma3FromGguf) {
  formats::GgufFile f(test::model_path("gemma3-270m"));
  auto c = config_from_gguf(f);
  EXPECT_EQ(c.arch, Arch::Gemma3);
  EXPECT_EQ(c.n_layer, 18);
  EXPECT_EQ(c.head_dim, 256);
  EXPECT_EQ(c.n_kv_head, 1);
  EXPECT_EQ(c.vocab, 262144);
  EXPECT_EQ(c.sliding_window, 512);
  EXPECT_EQ(c.rope_style, RopeStyle::Neox);
  EXPECT_DOUBLE_EQ(c.rope_base, 1e6);
  EXPECT_DOUBLE_EQ(c.rope_base_local, 10000.0);
  EXPECT_DOUBLE_EQ(c.attn_scale, 1.0 / 16.0);
  EXPECT_DOUBLE_EQ(c.embed_scale, std::sqrt(640.0));
  for (int64_t l = 0; l < 18; ++l) EXPECT_EQ(c.layer_is_local[l], l % 6 != 5) << l;
  EXPECT_TRUE(c.qk_norm && c.post_norms && c.tied_output);
  EXPECT_EQ(c.act, Activation::GeluTanh);
}

// A GGUF copied from SmolLM2's metadata with one property changed.
std::string write_variant(const test::ScratchDir& dir, const std::string& name,
                          const std::function<void(formats::GgufWriter&, const formats::GgufFile&)>& edit) {
  formats::GgufFile src(test::model_path("smollm2-135m-instruct"));
  formats::GgufWriter w;
  w.copy_metadata_from(src);
  edit(w, src);
  std::string path = dir.file(name);
  w.write(path);
  return path;
}

TEST(ModelConfig, UnknownArchitectureIsNamed) {
  test::ScratchDir dir;
  auto path = write_variant(dir, "mamba.gguf", [](formats::GgufWriter& w, const formats::GgufFile&) {
    w.set_string("general.architecture", "mamba");
  });
  try {
    Model::load(path);
    FAIL() << "expected an error";
  } catch (const EngineError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("'mamba'"), std::string::npos) << m;
    EXPECT_NE(m.find("llama, gemma3, qwen2"), std::string::npos) << m;
  }
}

TEST(Weights, MemoryIsEstimatedAndTooLargeIsRefused) {
  const auto& c = smollm2().config();
  // SmolLM2-135M: 134.5M parameters (tied output) -> ~538 MB in f32, half in bf16.
  auto f32 = estimate_weight_memory(c, DType::F32), bf16 = estimate_weight_memory(c, DType::BF16);
  EXPECT_NEAR(double(f32.weights), 134.5e6 * 4, 0.02 * 134.5e6 * 4);
  EXPECT_NEAR(double(bf16.weights), double(f32.weights) / 2, 0.02 * double(f32.weights));
  EXPECT_GT(mem_available_bytes(), 0u);
  try {
    check_memory(uint64_t(1) << 60, "model.gguf");
    FAIL() << "an exabyte fitted";
  } catch (const EngineError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("model.gguf: needs about"), std::string::npos) << m;
    EXPECT_NE(m.find("available"), std::string::npos) << m;
  }
  EXPECT_NO_THROW(check_memory(1 << 20, "small"));
}

TEST(Weights, MismatchedTensorIsNamed) {
  test::ScratchDir dir;
  // SmolLM2's tensors, with blk.3.attn_k.weight given the wrong width.
  auto path = write_variant(dir, "bad.gguf", [](formats::GgufWriter& w, const formats::GgufFile& src) {
    for (const auto& t : src.tensors()) {
      if (t.name == "blk.3.attn_k.weight") {
        std::vector<float> zeros(576 * 128, 0.0f);
        w.add_tensor(t.name, {576, 128}, formats::GgmlType::F32, zeros.data());
      } else {
        w.add_tensor_raw(t.name, t.shape, t.type_id, t.data, t.n_bytes);
      }
    }
  });
  try {
    Model::load(path);
    FAIL() << "expected an error";
  } catch (const EngineError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("'blk.3.attn_k.weight'"), std::string::npos) << m;
    EXPECT_NE(m.find("[128, 576]"), std::string::npos) << m;
    EXPECT_NE(m.find("[192, 576]"), std::string::npos) << m;
  }
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double m = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) m = std::max(m, double(std::fabs(a[i] - b[i])));
  return m;
}

// Left padding, right padding and no padding give the same logits.
TEST(Forward, PaddingDoesNotChangeLogits) {
  const auto& m = smollm2();
  const auto& tok = m.tokenizer();
  std::vector<std::vector<int32_t>> seqs = {tok.encode("Hello, how are you today?"), tok.encode("Hi"),
                                            tok.encode("A somewhat longer sentence about the weather in Paris.")};
  ForwardOptions left, right;
  right.padding = Padding::Right;
  auto L = m.forward(seqs, left);
  auto R = m.forward(seqs, right);
  for (size_t i = 0; i < seqs.size(); ++i) {
    auto alone = m.forward({seqs[i]});
    ASSERT_EQ(alone[0].n_positions, int64_t(seqs[i].size()));
    EXPECT_LT(max_abs_diff(L[i].logits, alone[0].logits), 1e-3) << i;
    EXPECT_LT(max_abs_diff(R[i].logits, alone[0].logits), 1e-3) << i;
  }
}

// final_hidden is the LM head's input: final_hidden · outputᵀ == logits.
TEST(Forward, HiddenStatesAndLogitsFromOnePass) {
  for (const Model* m : {&smollm2(), &gemma3()}) {
    auto ids = m->tokenizer().encode("The quick brown fox");
    ForwardOptions o;
    o.hidden = true;
    auto out = m->forward({ids}, o)[0];
    const int64_t H = m->config().hidden, V = m->config().vocab, T = int64_t(ids.size());
    ASSERT_EQ(out.final_hidden.size(), size_t(T * H));
    ASSERT_EQ(out.ffn_input.size(), size_t(T * H));
    ASSERT_EQ(out.logits.size(), size_t(T * V));
    EXPECT_NE(out.ffn_input, out.final_hidden);
    auto W = m->output_matrix();
    ASSERT_EQ(W.size(), size_t(V * H));
    double worst = 0;
    for (int64_t t = 0; t < T; ++t)
      for (int64_t v = 0; v < V; v += 97) {
        double dot = 0;
        for (int64_t j = 0; j < H; ++j) dot += double(out.final_hidden[t * H + j]) * W[v * H + j];
        worst = std::max(worst, std::fabs(dot - out.logits[t * V + v]));
      }
    EXPECT_LT(worst, 1e-3) << m->config().arch_name;
  }
}

TEST(Forward, Bf16StaysCloseToF32) {
  const auto& a = smollm2(DType::F32);
  const auto& b = smollm2(DType::BF16);
  auto ids = a.tokenizer().encode("The capital of France is Paris, and the capital of Germany is");
  auto fa = a.forward({ids})[0], fb = b.forward({ids})[0];
  const int64_t V = a.config().vocab;
  int agree = 0;
  for (int64_t t = 0; t < fa.n_positions; ++t) {
    auto ia = std::max_element(fa.logits.begin() + t * V, fa.logits.begin() + (t + 1) * V) - fa.logits.begin();
    auto ib = std::max_element(fb.logits.begin() + t * V, fb.logits.begin() + (t + 1) * V) - fb.logits.begin();
    agree += ia == ib;
  }
  EXPECT_GE(double(agree) / double(fa.n_positions), 0.8);
}

TEST(Scorer, SumsPerTokenLogprobs) {
  const auto& m = smollm2();
  Scorer s(m);
  auto paris = s.score("The capital of France is", " Paris");
  auto london = s.score("The capital of France is", " London");
  ASSERT_FALSE(paris.tokens.empty());
  double sum = std::accumulate(paris.logprobs.begin(), paris.logprobs.end(), 0.0);
  EXPECT_NEAR(paris.sum, sum, 1e-9);
  EXPECT_GT(paris.sum, london.sum);
  for (float l : paris.logprobs) EXPECT_LE(l, 0.0f);

  // The same numbers from the raw logits of one forward pass.
  auto ctx = m.tokenizer().encode("The capital of France is");
  auto all = ctx;
  all.insert(all.end(), paris.tokens.begin(), paris.tokens.end());
  auto out = m.forward({all})[0];
  const int64_t V = m.config().vocab;
  for (size_t i = 0; i < paris.tokens.size(); ++i) {
    const float* row = out.logits.data() + (ctx.size() - 1 + i) * V;
    double mx = *std::max_element(row, row + V), z = 0;
    for (int64_t v = 0; v < V; ++v) z += std::exp(double(row[v]) - mx);
    double lp = double(row[paris.tokens[i]]) - mx - std::log(z);
    EXPECT_NEAR(paris.logprobs[i], lp, 1e-4);
  }
  EXPECT_THROW(s.score("context", ""), UsageError);
}

TEST(Scorer, PerplexityRollingWindowMatchesOneWindow) {
  const auto& m = smollm2();
  Scorer s(m);
  std::string text =
      "The cat sat on the mat. It was a sunny day, and the children were playing in the garden while their "
      "parents prepared lunch.";
  auto whole = s.perplexity(text, 512);
  EXPECT_GT(whole.perplexity, 1.0);
  EXPECT_LT(whole.perplexity, 60.0);
  auto ids = m.tokenizer().encode(text);
  EXPECT_EQ(whole.n_tokens, ids.size() - 1);
  // Small windows see less context: a higher, but still finite, perplexity.
  auto rolled = s.perplexity(text, 8, 4);
  EXPECT_EQ(rolled.n_tokens, whole.n_tokens);
  EXPECT_GT(rolled.perplexity, whole.perplexity);
  EXPECT_TRUE(std::isfinite(rolled.perplexity));
}

TEST(Scorer, EmbeddingIsMeanOfHiddenStates) {
  const auto& m = smollm2();
  Scorer s(m);
  auto e = s.embed("Hello world");
  ASSERT_EQ(e.size(), size_t(m.config().hidden));
  ForwardOptions o;
  o.hidden = true;
  auto out = m.forward({m.tokenizer().encode("Hello world")}, o)[0];
  const int64_t H = m.config().hidden;
  double mean0 = 0;
  for (int64_t t = 0; t < out.n_positions; ++t) mean0 += out.final_hidden[t * H];
  EXPECT_NEAR(e[0], mean0 / double(out.n_positions), 1e-5);
}

}  // namespace
}  // namespace polysafe::engine
