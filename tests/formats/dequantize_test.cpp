// Dequantisation parity with the reference (gguf-py's gguf.quants.dequantize, run
// by scripts/reference/gguf_dequant.py): random blocks of every supported type,
// and sampled rows of every tensor of both default models. Bit-exact is required.
#include "formats/dequantize.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "formats/gguf_reader.h"
#include "formats/half_float.h"
#include "util/mapped_file.h"
#include "formats_test_support.h"
#include "util/error.h"

namespace polysafe::formats {
namespace {

struct Parity {
  uint64_t elements = 0, exact = 0, max_ulp = 0;
  void add(float got, float want) {
    ++elements;
    uint64_t d = test::ulp_distance(got, want);
    exact += d == 0 && test::bits_of(got) == test::bits_of(want);
    max_ulp = std::max(max_ulp, d);
  }
};

// ------------------------------------------------------------- random blocks

class RandomBlocks : public ::testing::TestWithParam<const char*> {};

TEST_P(RandomBlocks, BitExactWithGgufPy) {
  const std::string type_name = GetParam();
  auto type = ggml_type_from_name(type_name);
  ASSERT_TRUE(type);
  const auto& info = ggml_type_info(*type);
  const uint64_t n_blocks = info.block_size == 1 ? 65536 : info.block_size == 32 ? 4096 : 1024;
  test::ScratchDir dir("deq-random");
  const std::string raw_path = dir.file("blocks.raw"), ref_path = dir.file("ref.f32");
  test::run_reference("gguf_dequant.py", "random " + type_name + " " + std::to_string(n_blocks) +
                                             " 42 " + raw_path + " " + ref_path);
  const auto raw = test::read_bytes(raw_path);
  const auto ref = test::read_array<float>(ref_path);
  ASSERT_EQ(raw.size(), n_blocks * info.type_size);
  ASSERT_EQ(ref.size(), n_blocks * info.block_size);

  std::vector<float> got(ref.size());
  dequantize_row(static_cast<uint32_t>(*type), raw.data(), got.data(), got.size());
  Parity p;
  size_t nonzero = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    p.add(got[i], ref[i]);
    nonzero += ref[i] != 0.0f;
  }
  std::cout << "[parity] random " << type_name << ": " << p.exact << "/" << p.elements
            << " bit-exact, max ulp " << p.max_ulp << "\n";
  EXPECT_EQ(p.exact, p.elements);
  EXPECT_GT(nonzero, got.size() / 2);  // real values, not an all-zero comparison
}

INSTANTIATE_TEST_SUITE_P(AllSupportedTypes, RandomBlocks,
                         ::testing::Values("F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
                                           "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"),
                         [](const auto& info) { return std::string(info.param); });

// ------------------------------------------------------------- hand-made blocks

TEST(Dequantize, Q8_0AndQ4_0BlocksByHand) {
  uint8_t q8[34] = {0x00, 0x38};  // d = 0.5 (fp16 0x3800)
  for (int j = 0; j < 32; ++j) q8[2 + j] = static_cast<uint8_t>(int8_t(j * 8 - 128));
  float y[32];
  dequantize_row(static_cast<uint32_t>(GgmlType::Q8_0), q8, y, 32);
  EXPECT_EQ(y[0], -64.0f);
  EXPECT_EQ(y[31], 60.0f);

  uint8_t q4[18] = {0x00, 0x3c};  // d = 1.0
  q4[2] = 0x1f;                   // element 0: 15 - 8, element 16: 1 - 8
  dequantize_row(static_cast<uint32_t>(GgmlType::Q4_0), q4, y, 32);
  EXPECT_EQ(y[0], 7.0f);
  EXPECT_EQ(y[16], -7.0f);
  EXPECT_EQ(y[1], -8.0f);
}

// Exercises the second half of the packed 6-bit scales (sub-blocks 4..7).
TEST(Dequantize, Q4_KHighSubBlockScalesByHand) {
  uint8_t b[144] = {0x00, 0x3c, 0x00, 0x38};  // d = 1, dmin = 0.5
  uint8_t* sc = b + 4;
  sc[9] = 0x21;  // sub-block 5: scale low bits 1, min low bits 2
  sc[1] = 0x40;  // scale high bits 01 -> scale 17 (sub-block 1 scale 0)
  sc[5] = 0x80;  // min high bits 10 -> min 34 (sub-block 1 min 0)
  b[16 + 64] = 0xA0;  // sub-block 5 = high nibbles of qs[64..95]: element 160 has q = 10
  float y[256];
  dequantize_row(static_cast<uint32_t>(GgmlType::Q4_K), b, y, 256);
  EXPECT_EQ(y[160], 17.0f * 10.0f - 0.5f * 34.0f);
  EXPECT_EQ(y[161], -17.0f);
  EXPECT_EQ(y[32], 0.0f);  // sub-block 1: scale 0, min 0
}

TEST(Dequantize, UnsupportedTypesNameTheTypeAndTensor) {
  uint8_t buf[512] = {};
  float out[256];
  try {
    dequantize_row(static_cast<uint32_t>(GgmlType::IQ2_XXS), buf, out, 256, "blk.3.ffn_up.weight");
    FAIL() << "no exception";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("IQ2_XXS"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'blk.3.ffn_up.weight'"), std::string::npos) << e.what();
  }
  try {
    dequantize_row(77, buf, out, 32);
    FAIL() << "no exception";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown(77)"), std::string::npos) << e.what();
  }
  try {
    dequantize_row(static_cast<uint32_t>(GgmlType::Q4_K), buf, out, 100, "t");
    FAIL() << "no exception";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("not a multiple of the Q4_K block size 256"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(can_dequantize(static_cast<uint32_t>(GgmlType::Q8_K)));
  EXPECT_TRUE(can_dequantize(static_cast<uint32_t>(GgmlType::Q6_K)));
}

// ------------------------------------------------------------- real models

// Runs the reference over one default model (once per process: ctest runs each
// test in its own process, so each test pays only for its own model) and keeps
// the manifest and values.
class ModelParity : public ::testing::Test {
 protected:
  struct Ref {
    std::string model;
    nlohmann::json manifest;
    std::vector<float> values;
  };
  static const Ref& reference(const std::string& short_name) {
    static std::map<std::string, Ref> cache;
    auto it = cache.find(short_name);
    if (it != cache.end()) return it->second;
    Ref ref;
    ref.model = test::model_path(short_name);
    test::ScratchDir dir("deq-model");
    const std::string out = dir.file("ref.f32"), manifest = dir.file("ref.json");
    test::run_reference("gguf_dequant.py", "model " + test::shell_quote(ref.model) + " " + out + " " + manifest);
    ref.manifest = nlohmann::json::parse(read_text_file(manifest));
    ref.values = test::read_array<float>(out);
    return cache.emplace(short_name, std::move(ref)).first->second;
  }

  // Compares every sampled row of every tensor; returns per-type statistics.
  static std::map<std::string, Parity> compare(const Ref& ref, size_t* n_tensors) {
    GgufFile f(ref.model);
    std::map<std::string, Parity> by_type;
    const auto& tensors = ref.manifest.at("tensors");
    *n_tensors = tensors.size();
    EXPECT_EQ(tensors.size(), f.tensors().size());
    EXPECT_EQ(ref.manifest.at("total").get<uint64_t>(), ref.values.size());
    std::vector<float> row;
    for (const auto& e : tensors) {
      const auto& t = f.tensor(e.at("name").get<std::string>());
      EXPECT_EQ(t.type_name(), e.at("type").get<std::string>()) << t.name;
      const uint64_t ne0 = e.at("ne0").get<uint64_t>();
      EXPECT_EQ(ne0, t.shape[0]) << t.name;
      const uint64_t row_bytes = t.n_bytes / (t.n_elements / ne0);
      uint64_t off = e.at("offset").get<uint64_t>();
      Parity& p = by_type[t.type_name()];
      for (const auto& r : e.at("ranges")) {
        const uint64_t r0 = r.at(0).get<uint64_t>(), r1 = r.at(1).get<uint64_t>();
        row.resize((r1 - r0) * ne0);
        dequantize_row(t.type_id, t.data + r0 * row_bytes, row.data(), row.size(), t.name);
        for (size_t i = 0; i < row.size(); ++i) p.add(row[i], ref.values[off + i]);
        off += row.size();
      }
    }
    return by_type;
  }

  static void report(const std::string& model, const std::map<std::string, Parity>& by_type) {
    for (const auto& [type, p] : by_type) {
      std::cout << "[parity] " << model << " " << type << ": " << p.exact << "/" << p.elements
                << " bit-exact, max ulp " << p.max_ulp << "\n";
      EXPECT_EQ(p.exact, p.elements) << type;
      EXPECT_GT(p.elements, 0u);
    }
  }

};

TEST_F(ModelParity, SmolLM2EveryTensorBitExact) {
  size_t n = 0;
  auto by_type = compare(reference("smollm2-135m-instruct"), &n);
  EXPECT_EQ(n, 272u);
  report("smollm2", by_type);
  EXPECT_EQ(by_type.size(), 3u);  // F32, Q4_1, Q8_0
  EXPECT_TRUE(by_type.count("Q4_1"));
}

TEST_F(ModelParity, Gemma3EveryTensorBitExact) {
  size_t n = 0;
  auto by_type = compare(reference("gemma3-270m"), &n);
  EXPECT_EQ(n, 236u);
  report("gemma3", by_type);
  for (const char* t : {"F32", "Q5_0", "Q4_K", "Q8_0", "Q6_K"}) EXPECT_TRUE(by_type.count(t)) << t;
}

// The threaded path splits by whole blocks: identical output for any thread count.
TEST(Dequantize, ThreadCountDoesNotChangeTheResult) {
  GgufFile f(test::model_path("smollm2-135m-instruct"));
  const auto& t = f.tensor("token_embd.weight");  // Q8_0, 576 x 49152
  ASSERT_EQ(t.type_name(), "Q8_0");
  auto t0 = std::chrono::steady_clock::now();
  auto one = dequantize_tensor(t, 1);
  auto t1 = std::chrono::steady_clock::now();
  auto many = dequantize_tensor(t, 4);
  auto t2 = std::chrono::steady_clock::now();
  ASSERT_EQ(one.size(), t.n_elements);
  EXPECT_EQ(std::memcmp(one.data(), many.data(), one.size() * 4), 0);
  const double s1 = std::chrono::duration<double>(t1 - t0).count();
  const double s4 = std::chrono::duration<double>(t2 - t1).count();
  std::cout << "[speed] Q8_0 " << t.n_elements / 1e6 << "M elements: " << t.n_elements / s1 / 1e6
            << " M/s (1 thread), " << t.n_elements / s4 / 1e6 << " M/s (4 threads)\n";
  // Row 1000, element 5 of the embedding against a direct decode of its block.
  const uint8_t* blk = t.data + (1000 * 576 / 32) * 34;
  uint16_t dh;
  std::memcpy(&dh, blk, 2);
  EXPECT_EQ(one[1000 * 576 + 5], float(int8_t(blk[2 + 5])) * fp16_to_fp32(dh));
}

}  // namespace
}  // namespace polysafe::formats
