// convert_gguf on the real default models (every key and tensor kept, values
// bit-identical to the dequantiser, 1-D tensors F32, Q8_0 tensors copied) and
// write_random_model (the tensors and keys llama.cpp needs per architecture,
// deterministic bytes, the tokenizer copied, the committed fixture hashes).
#include "formats/gguf_convert.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "formats/dequantize.h"
#include "formats/gguf_reader.h"
#include "formats/gguf_writer.h"
#include "formats/random_model.h"
#include "formats_test_support.h"
#include "util/error.h"
#include "util/sha256.h"

namespace polysafe::formats {
namespace {

using test::ScratchDir;

void expect_same_layout(const GgufFile& a, const GgufFile& b) {
  ASSERT_EQ(a.keys(), b.keys());
  for (const auto& k : a.keys()) {
    if (k == "general.file_type") continue;
    EXPECT_EQ(a.find(k)->to_display(1000000), b.find(k)->to_display(1000000)) << k;
  }
  ASSERT_EQ(a.tensors().size(), b.tensors().size());
  for (size_t i = 0; i < a.tensors().size(); ++i) {
    EXPECT_EQ(a.tensors()[i].name, b.tensors()[i].name);
    EXPECT_EQ(a.tensors()[i].shape, b.tensors()[i].shape) << a.tensors()[i].name;
  }
}

TEST(GgufConvert, SmolLM2ToF32IsTheDequantisedModel) {
  ScratchDir dir("convert");
  const std::string src = test::model_path("smollm2-135m-instruct");
  auto s = convert_gguf(src, dir.file("f32.gguf"), GgmlType::F32);
  GgufFile in(src), out(dir.file("f32.gguf"));
  expect_same_layout(in, out);
  EXPECT_EQ(out.get_uint("general.file_type"), 0u);
  EXPECT_EQ(s.tensors, in.tensors().size());
  EXPECT_EQ(s.converted + s.copied, s.tensors);
  for (size_t i = 0; i < in.tensors().size(); ++i) {
    const auto& a = in.tensors()[i];
    const auto& b = out.tensors()[i];
    ASSERT_EQ(b.type_id, static_cast<uint32_t>(GgmlType::F32)) << b.name;
    auto ref = dequantize_tensor(a);
    ASSERT_EQ(std::memcmp(ref.data(), b.data, b.n_bytes), 0) << b.name;
  }
}

TEST(GgufConvert, Q8_0KeepsNormsF32AndCopiesQ8_0Tensors) {
  ScratchDir dir("convert");
  const std::string src = test::model_path("smollm2-135m-instruct");
  auto s = convert_gguf(src, dir.file("q8.gguf"), GgmlType::Q8_0);
  GgufFile in(src), out(dir.file("q8.gguf"));
  expect_same_layout(in, out);
  EXPECT_EQ(out.get_uint("general.file_type"), 7u);
  size_t one_d = 0;
  for (size_t i = 0; i < in.tensors().size(); ++i) {
    const auto& a = in.tensors()[i];
    const auto& b = out.tensors()[i];
    if (a.shape.size() == 1) {
      ++one_d;
      EXPECT_EQ(b.type_id, static_cast<uint32_t>(GgmlType::F32)) << b.name;
      continue;
    }
    ASSERT_EQ(b.type_id, static_cast<uint32_t>(GgmlType::Q8_0)) << b.name;
    if (a.type_id == b.type_id) {
      EXPECT_EQ(std::memcmp(a.data, b.data, a.n_bytes), 0) << b.name;
    } else {
      // Q8_0 of the dequantised values: within half a quantisation step
      // (d = amax/127 per block of 32) of the source, plus what storing d as
      // fp16 adds (up to 127 * d * 2^-11 = 0.062 d).
      auto x = dequantize_tensor(a);
      auto y = dequantize_tensor(b);
      for (size_t blk = 0; blk < x.size() / 32; blk += 97) {
        float amax = 0;
        for (size_t j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[blk * 32 + j]));
        for (size_t j = 0; j < 32; ++j)
          ASSERT_LE(std::fabs(x[blk * 32 + j] - y[blk * 32 + j]), amax / 127.0f * 0.57f + 1e-7f) << b.name;
      }
    }
  }
  EXPECT_EQ(s.kept_f32, one_d);
  EXPECT_EQ(s.fallback_f16, 0u);
}

TEST(GgufConvert, Bf16AndF16OfARandomModelAndQ8_0Fallback) {
  ScratchDir dir("convert");
  GgufFile tok(test::model_path("smollm2-135m-instruct"));
  RandomModelSpec spec;
  spec.arch = "llama";
  spec.n_embd = 64;
  spec.n_ff = 96;  // ffn_down rows are 96 long: a multiple of 32
  write_random_model(spec, tok, dir.file("r.gguf"));
  for (auto [type, ftype] : {std::pair{GgmlType::F16, 1u}, std::pair{GgmlType::BF16, 32u}}) {
    convert_gguf(dir.file("r.gguf"), dir.file("c.gguf"), type);
    GgufFile in(dir.file("r.gguf")), out(dir.file("c.gguf"));
    expect_same_layout(in, out);
    EXPECT_EQ(out.get_uint("general.file_type"), ftype);
    for (const auto& t : out.tensors())
      EXPECT_EQ(t.type_id, static_cast<uint32_t>(t.shape.size() == 1 ? GgmlType::F32 : type)) << t.name;
    const auto& a = in.tensor("blk.1.ffn_down.weight");
    auto x = dequantize_tensor(a);
    auto y = dequantize_tensor(out.tensor("blk.1.ffn_down.weight"));
    const float rel = type == GgmlType::F16 ? 1.0f / 2048 : 1.0f / 256;  // half an ulp of 11 / 8 bits
    for (size_t i = 0; i < x.size(); ++i) ASSERT_LE(std::fabs(x[i] - y[i]), std::fabs(x[i]) * rel + 1e-7f);
  }
  // Rows of 48 cannot be Q8_0 (blocks of 32): F16 instead.
  GgufWriter w;
  w.set_string("general.architecture", "test");
  std::vector<float> v(48 * 2, 0.25f);
  w.add_tensor("odd", {48, 2}, GgmlType::F32, v.data());
  w.add_tensor("even", {32, 3}, GgmlType::F32, v.data());
  w.add_tensor("vec", {32}, GgmlType::F32, v.data());
  w.write(dir.file("odd.gguf"));
  auto s = convert_gguf(dir.file("odd.gguf"), dir.file("odd8.gguf"), GgmlType::Q8_0);
  GgufFile o(dir.file("odd8.gguf"));
  EXPECT_EQ(o.tensor("odd").type_id, static_cast<uint32_t>(GgmlType::F16));
  EXPECT_EQ(o.tensor("even").type_id, static_cast<uint32_t>(GgmlType::Q8_0));
  EXPECT_EQ(o.tensor("vec").type_id, static_cast<uint32_t>(GgmlType::F32));
  EXPECT_EQ(s.fallback_f16, 1u);
  EXPECT_EQ(s.kept_f32, 1u);
  EXPECT_EQ(s.copied, 1u);  // "vec" is already F32
  EXPECT_EQ(s.converted, 2u);
}

TEST(GgufConvert, RejectsSamePathAndUnsupportedTypes) {
  ScratchDir dir("convert");
  GgufFile tok(test::model_path("smollm2-135m-instruct"));
  RandomModelSpec spec;
  write_random_model(spec, tok, dir.file("r.gguf"));
  try {
    convert_gguf(dir.file("r.gguf"), dir.file("r.gguf"), GgmlType::F16);
    FAIL() << "converted a file onto itself";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("is the input file"), std::string::npos) << e.what();
  }
  EXPECT_THROW(convert_gguf(dir.file("r.gguf"), dir.file("o.gguf"), GgmlType::Q4_K), UsageError);
  EXPECT_THROW(convert_gguf(dir.file("missing.gguf"), dir.file("o.gguf"), GgmlType::F32), Error);
  EXPECT_FALSE(std::filesystem::exists(dir.file("o.gguf")));
}

std::set<std::string> tensor_names(const GgufFile& f) {
  std::set<std::string> s;
  for (const auto& t : f.tensors()) s.insert(t.name);
  return s;
}

TEST(RandomModel, TensorsAndKeysPerArchitecture) {
  ScratchDir dir("random");
  GgufFile tok(test::model_path("smollm2-135m-instruct"));
  const uint64_t V = tok.get_string_array("tokenizer.ggml.tokens").size();
  for (const auto& arch : random_model_architectures()) {
    RandomModelSpec spec;
    spec.arch = arch;
    spec.seed = 9;
    write_random_model(spec, tok, dir.file(arch + ".gguf"));
    GgufFile f(dir.file(arch + ".gguf"));
    EXPECT_EQ(f.get_string("general.architecture"), arch);
    EXPECT_EQ(f.get_uint(arch + ".block_count"), 2u);
    EXPECT_EQ(f.get_uint(arch + ".embedding_length"), 64u);
    EXPECT_EQ(f.get_uint(arch + ".attention.head_count"), 4u);
    EXPECT_EQ(f.get_uint(arch + ".attention.head_count_kv"), 2u);
    EXPECT_EQ(f.get_uint(arch + ".feed_forward_length"), 128u);
    EXPECT_EQ(f.get_uint(arch + ".vocab_size"), V);
    // Every tokenizer key of the source, with the same value.
    for (const auto& k : tok.keys())
      if (k.rfind("tokenizer.", 0) == 0) {
        ASSERT_TRUE(f.has(k)) << arch << ": " << k;
        EXPECT_EQ(f.find(k)->to_display(1000000), tok.find(k)->to_display(1000000)) << k;
      }
    auto names = tensor_names(f);
    EXPECT_TRUE(names.count("token_embd.weight"));
    EXPECT_TRUE(names.count("output_norm.weight"));
    EXPECT_EQ(names.count("output.weight"), arch == "llama" ? 1u : 0u) << arch;  // qwen2, command-r tied
    EXPECT_EQ(names.count("blk.1.attn_q.bias"), arch == "qwen2" ? 1u : 0u) << arch;
    EXPECT_EQ(names.count("blk.1.attn_v.bias"), arch == "qwen2" ? 1u : 0u) << arch;
    EXPECT_EQ(names.count("blk.1.ffn_norm.weight"), arch == "command-r" ? 0u : 1u) << arch;
    if (arch == "command-r") {
      EXPECT_FLOAT_EQ(static_cast<float>(f.get_float("command-r.logit_scale")), 0.5f);
      EXPECT_TRUE(f.has("command-r.attention.layer_norm_epsilon"));
    } else {
      EXPECT_TRUE(f.has(arch + ".attention.layer_norm_rms_epsilon"));
    }
    EXPECT_EQ(f.tensor("token_embd.weight").shape, (std::vector<uint64_t>{64, V}));
    EXPECT_EQ(f.tensor("blk.0.attn_k.weight").shape, (std::vector<uint64_t>{64, 32}));  // 2 kv heads of 16
    EXPECT_EQ(f.tensor("blk.0.ffn_down.weight").shape, (std::vector<uint64_t>{128, 64}));
    // Scale: matrices have standard deviation 1/sqrt(fan_in); norms near 1.
    auto q = dequantize_tensor(f.tensor("blk.0.ffn_down.weight"));
    double ss = 0;
    for (float x : q) ss += double(x) * x;
    EXPECT_NEAR(std::sqrt(ss / q.size()), 1.0 / std::sqrt(128.0), 0.005);
    for (float x : dequantize_tensor(f.tensor("output_norm.weight"))) {
      EXPECT_GE(x, 0.8f);
      EXPECT_LE(x, 1.2f);
    }
  }
}

TEST(RandomModel, DeterministicForASeed) {
  ScratchDir dir("random");
  GgufFile tok(test::model_path("smollm2-135m-instruct"));
  RandomModelSpec spec;
  spec.arch = "qwen2";
  spec.seed = 5;
  write_random_model(spec, tok, dir.file("a.gguf"));
  write_random_model(spec, tok, dir.file("b.gguf"));
  spec.seed = 6;
  write_random_model(spec, tok, dir.file("c.gguf"));
  EXPECT_EQ(sha256_file_hex(dir.file("a.gguf")), sha256_file_hex(dir.file("b.gguf")));
  EXPECT_NE(sha256_file_hex(dir.file("a.gguf")), sha256_file_hex(dir.file("c.gguf")));
}

TEST(RandomModel, FixturesMatchTheCommittedEngineVectors) {
  // tests/fixtures/engine/manifest.json records the sha256 of each fixture that
  // llama.cpp produced the reference vectors from; the engine parity tests
  // regenerate the fixture with polysafe and rely on it being the same file.
  std::ifstream in(test::source_dir() + "/tests/fixtures/engine/manifest.json");
  ASSERT_TRUE(in) << "tests/fixtures/engine/manifest.json missing";
  auto m = nlohmann::json::parse(in);
  ASSERT_GE(m["fixtures"].size(), 3u);
  ScratchDir dir("random");
  GgufFile tok(test::model_path("smollm2-135m-instruct"));
  for (const auto& [name, fx] : m["fixtures"].items()) {
    RandomModelSpec spec;
    spec.arch = fx["arch"].get<std::string>();
    spec.seed = fx["seed"].get<uint64_t>();
    write_random_model(spec, tok, dir.file(name + ".gguf"));
    EXPECT_EQ(sha256_file_hex(dir.file(name + ".gguf")), fx["sha256"].get<std::string>()) << name;
  }
}

TEST(RandomModel, RejectsBadSpecs) {
  GgufFile tok(test::model_path("smollm2-135m-instruct"));
  RandomModelSpec spec;
  spec.arch = "gpt-j";
  try {
    write_random_model(spec, tok, "/nonexistent/x.gguf");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown architecture 'gpt-j' (supported: llama, qwen2, command-r)"),
              std::string::npos)
        << e.what();
  }
  spec = {};
  spec.n_head = 3;
  EXPECT_THROW(spec.validate(), UsageError);
  spec = {};
  spec.n_head_kv = 3;
  EXPECT_THROW(spec.validate(), UsageError);
  spec = {};
  spec.n_layer = 0;
  EXPECT_THROW(spec.validate(), UsageError);
}

}  // namespace
}  // namespace polysafe::formats
