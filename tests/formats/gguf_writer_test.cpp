// GgufWriter: round trip through polysafe's reader, files read back by gguf-py
// (scripts/reference/gguf_inspect.py) with the same metadata and values and
// Q8_0/F16/BF16 bytes identical to gguf-py's encoders, model metadata copies,
// and atomic, path-naming failure behaviour.
#include "formats/gguf_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>

#include "formats/dequantize.h"
#include "formats/gguf_reader.h"
#include "formats/half_float.h"
#include "formats_test_support.h"
#include "util/error.h"

namespace polysafe::formats {
namespace {

using M = GgufMetaValue;
using VT = GgufValueType;

std::vector<float> random_floats(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

// Every metadata value type, including nesting and edge values.
GgufWriter all_types_writer() {
  GgufWriter w;
  w.set_string("general.architecture", "polysafe-test");
  w.set_u8("t.u8", 255);
  w.set_i8("t.i8", -128);
  w.set_u16("t.u16", 65535);
  w.set_i16("t.i16", -32768);
  w.set_u32("t.u32", 4294967295u);
  w.set_i32("t.i32", -2147483647 - 1);
  w.set_u64("t.u64", std::numeric_limits<uint64_t>::max());
  w.set_i64("t.i64", std::numeric_limits<int64_t>::min());
  w.set_f32("t.f32", 0.1f);
  w.set_f64("t.f64", 0.1);
  w.set_bool("t.true", true);
  w.set_bool("t.false", false);
  w.set_string("t.empty", "");
  w.set_string("t.utf8", "Grüße, 世界 🌍");
  w.set_string_array("t.strings", {"a", "", "ç", "line\nbreak"});
  w.set_array("t.floats", VT::FLOAT32, {M::f32(1.5f), M::f32(-0.0f), M::f32(3e-39f)});
  w.set_array("t.empty_array", VT::UINT8, {});
  w.set_array("t.nested", VT::ARRAY,
              {M::array(VT::INT32, {M::i32(1), M::i32(2)}), M::array(VT::INT32, {M::i32(3)})});
  w.set_array("t.nested_strings", VT::ARRAY, {M::string_array({"x", "y"}), M::string_array({"z"})});
  w.set_u32("t.replaced", 1);
  w.set_u32("t.replaced", 2);  // keeps its position, new value
  return w;
}

TEST(GgufWriter, RoundTripsEveryValueTypeAndTensorType) {
  test::ScratchDir dir("writer-rt");
  GgufWriter w = all_types_writer();
  w.set_alignment(64);
  const auto f32 = random_floats(96, 1);
  const auto big = random_floats(64 * 3, 2, 40.0f);
  w.add_tensor("w.f32", {96}, GgmlType::F32, f32.data());
  w.add_tensor("w.f16", {32, 3}, GgmlType::F16, f32.data());
  w.add_tensor("w.bf16", {3, 32}, GgmlType::BF16, f32.data());
  w.add_tensor("w.q8", {64, 3}, GgmlType::Q8_0, big.data());
  w.add_tensor("w.4d", {2, 2, 2, 2}, GgmlType::F32, f32.data());
  const std::string path = dir.file("rt.gguf");
  w.write(path);

  GgufFile f(path);
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.alignment(), 64u);
  EXPECT_EQ(f.data_offset() % 64, 0u);
  EXPECT_EQ(f.get_uint("t.u8"), 255u);
  EXPECT_EQ(f.get_int("t.i8"), -128);
  EXPECT_EQ(f.get_uint("t.u16"), 65535u);
  EXPECT_EQ(f.get_int("t.i16"), -32768);
  EXPECT_EQ(f.get_uint("t.u32"), 4294967295u);
  EXPECT_EQ(f.get_int("t.i32"), -2147483648ll);
  EXPECT_EQ(f.get_uint("t.u64"), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(f.get_int("t.i64"), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(f.find("t.f32")->type, VT::FLOAT32);
  EXPECT_EQ(f.get_float("t.f32"), double(0.1f));
  EXPECT_EQ(f.get_float("t.f64"), 0.1);
  EXPECT_EQ(f.opt_bool("t.true"), true);
  EXPECT_EQ(f.opt_bool("t.false"), false);
  EXPECT_EQ(f.get_string("t.empty"), "");
  EXPECT_EQ(f.get_string("t.utf8"), "Grüße, 世界 🌍");
  EXPECT_EQ(f.get_string_array("t.strings"), (std::vector<std::string_view>{"a", "", "ç", "line\nbreak"}));
  auto floats = f.get_float_array("t.floats");
  ASSERT_EQ(floats.size(), 3u);
  EXPECT_EQ(floats[0], 1.5f);
  EXPECT_TRUE(std::signbit(floats[1]));
  EXPECT_EQ(floats[2], 3e-39f);  // subnormal survives
  EXPECT_EQ(f.find("t.empty_array")->array().items.size(), 0u);
  const auto& nested = f.find("t.nested")->array();
  ASSERT_EQ(nested.elem_type, VT::ARRAY);
  ASSERT_EQ(nested.items.size(), 2u);
  EXPECT_EQ(nested.items[0].array().items.size(), 2u);
  EXPECT_EQ(std::get<int64_t>(nested.items[0].array().items[1].v), 2);
  EXPECT_EQ(std::get<int64_t>(nested.items[1].array().items[0].v), 3);
  EXPECT_EQ(std::get<std::string_view>(f.find("t.nested_strings")->array().items[1].array().items[0].v), "z");
  EXPECT_EQ(f.get_uint("t.replaced"), 2u);
  const auto& keys = f.keys();
  EXPECT_EQ(keys.front(), "general.architecture");
  EXPECT_EQ(keys[keys.size() - 2], "t.replaced");
  EXPECT_EQ(keys.back(), "general.alignment");

  ASSERT_EQ(f.tensors().size(), 5u);
  for (const auto& t : f.tensors()) EXPECT_EQ(t.offset % 64, 0u) << t.name;
  EXPECT_EQ(dequantize_tensor(f.tensor("w.f32")), f32);
  auto h = dequantize_tensor(f.tensor("w.f16"));
  auto b = dequantize_tensor(f.tensor("w.bf16"));
  for (size_t i = 0; i < f32.size(); ++i) {
    ASSERT_EQ(h[i], fp16_to_fp32(fp32_to_fp16(f32[i])));
    ASSERT_EQ(b[i], bf16_to_fp32(fp32_to_bf16(f32[i])));
    ASSERT_NE(h[i], f32[i]);  // really converted
  }
  EXPECT_EQ(f.tensor("w.bf16").shape, (std::vector<uint64_t>{3, 32}));
  auto q = dequantize_tensor(f.tensor("w.q8"));
  for (size_t blk = 0; blk < big.size() / 32; ++blk) {
    float amax = 0;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(big[blk * 32 + j]));
    // Half a step of d = amax/127, plus up to 127 * (d's fp16 rounding, <= d * 2^-11).
    for (int j = 0; j < 32; ++j)
      ASSERT_NEAR(q[blk * 32 + j], big[blk * 32 + j], amax / 127 * (0.5f + 127.0f / 2048)) << blk << "," << j;
  }
  EXPECT_EQ(f.tensor("w.4d").shape, (std::vector<uint64_t>{2, 2, 2, 2}));
  EXPECT_EQ(dequantize_tensor(f.tensor("w.4d"))[15], f32[15]);
}

// gguf-py reads the writer's files (v2 and v3) with the same metadata and values,
// and its own encoders produce the same Q8_0 / F16 / BF16 bytes.
TEST(GgufWriter, ReadableByGgufPyWithIdenticalBytes) {
  test::ScratchDir dir("writer-py");
  const auto x = random_floats(256 * 8, 3, 0.05f);
  const std::string raw = dir.file("x.f32");
  test::write_bytes(raw, x.data(), x.size() * 4);
  const std::string raw16 = dir.file("x16.f32");
  test::write_bytes(raw16, x.data(), 16 * 4);
  for (uint32_t version : {2u, 3u}) {
    GgufWriter w = all_types_writer();
    w.add_tensor("w.q8", {256, 8}, GgmlType::Q8_0, x.data());
    w.add_tensor("w.f16", {256, 8}, GgmlType::F16, x.data());
    w.add_tensor("w.bf16", {256, 8}, GgmlType::BF16, x.data());
    w.add_tensor("w.f32", {16}, GgmlType::F32, x.data());
    const std::string path = dir.file("py" + std::to_string(version) + ".gguf");
    w.write(path, version);
    auto j = nlohmann::json::parse(test::run_reference(
        "gguf_inspect.py", path + " --values 16 --source w.q8=" + raw + " --source w.f16=" + raw +
                               " --source w.bf16=" + raw + " --source w.f32=" + raw16));
    EXPECT_EQ(j.at("version").get<uint32_t>(), version);
    const auto& m = j.at("metadata");
    EXPECT_EQ(m.size(), w.metadata().size());
    EXPECT_EQ(m.at("general.architecture").at("value"), "polysafe-test");
    EXPECT_EQ(m.at("t.u8").at("types")[0], "UINT8");
    EXPECT_EQ(m.at("t.u8").at("value"), 255);
    EXPECT_EQ(m.at("t.i8").at("types")[0], "INT8");
    EXPECT_EQ(m.at("t.i8").at("value"), -128);
    EXPECT_EQ(m.at("t.u16").at("value"), 65535);
    EXPECT_EQ(m.at("t.i16").at("value"), -32768);
    EXPECT_EQ(m.at("t.u32").at("value"), 4294967295ll);
    EXPECT_EQ(m.at("t.i32").at("value"), -2147483648ll);
    EXPECT_EQ(m.at("t.u64").at("value").get<uint64_t>(), std::numeric_limits<uint64_t>::max());
    EXPECT_EQ(m.at("t.i64").at("value").get<int64_t>(), std::numeric_limits<int64_t>::min());
    EXPECT_EQ(m.at("t.f32").at("types")[0], "FLOAT32");
    EXPECT_EQ(m.at("t.f32").at("value").get<double>(), double(0.1f));
    EXPECT_EQ(m.at("t.f64").at("types")[0], "FLOAT64");
    EXPECT_EQ(m.at("t.f64").at("value").get<double>(), 0.1);
    EXPECT_EQ(m.at("t.true").at("value"), true);
    EXPECT_EQ(m.at("t.false").at("value"), false);
    EXPECT_EQ(m.at("t.empty").at("value"), "");
    EXPECT_EQ(m.at("t.utf8").at("value"), "Grüße, 世界 🌍");
    EXPECT_EQ(m.at("t.strings").at("value"), nlohmann::json({"a", "", "ç", "line\nbreak"}));
    EXPECT_EQ(m.at("t.floats").at("value")[0], 1.5);
    EXPECT_EQ(m.at("t.floats").at("value")[2].get<double>(), double(3e-39f));
    EXPECT_EQ(m.at("t.empty_array").at("value"), nlohmann::json::array());
    // gguf-py flattens nested arrays; the element types nest.
    EXPECT_EQ(m.at("t.nested").at("types"), nlohmann::json({"ARRAY", "ARRAY", "INT32"}));
    EXPECT_EQ(m.at("t.nested").at("value"), nlohmann::json({1, 2, 3}));
    EXPECT_EQ(m.at("t.nested_strings").at("value"), nlohmann::json({"x", "y", "z"}));
    EXPECT_EQ(m.at("t.replaced").at("value"), 2);

    const auto& ts = j.at("tensors");
    ASSERT_EQ(ts.size(), 4u);
    EXPECT_EQ(ts[0].at("name"), "w.q8");
    EXPECT_EQ(ts[0].at("type"), "Q8_0");
    EXPECT_EQ(ts[0].at("shape"), nlohmann::json({256, 8}));
    EXPECT_EQ(ts[2].at("type"), "BF16");
    const auto& vals = ts[3].at("values");
    ASSERT_EQ(vals.size(), 16u);
    for (size_t i = 0; i < 16; ++i) EXPECT_EQ(float(vals[i].get<double>()), x[i]);
    for (const char* name : {"w.q8", "w.f16", "w.bf16", "w.f32"}) {
      const auto& c = j.at("checks").at(name);
      EXPECT_EQ(c.at("mismatched_bytes").get<int64_t>(), 0) << name << " of " << c.at("n_bytes");
      EXPECT_GE(c.at("n_bytes").get<int64_t>(), 64) << name;
    }
  }
}

bool same_value(const GgufValue& a, const GgufValue& b) {
  if (a.type != b.type) return false;
  if (a.is_array()) {
    const auto &x = a.array(), &y = b.array();
    if (x.elem_type != y.elem_type || x.items.size() != y.items.size()) return false;
    for (size_t i = 0; i < x.items.size(); ++i)
      if (!same_value(x.items[i], y.items[i])) return false;
    return true;
  }
  return a.v == b.v;
}

// "Write the model back out as F32": metadata copied key for key, tensors
// dequantised at write time.
TEST(GgufWriter, CopiesModelMetadataAndConvertsTensors) {
  GgufFile src(test::model_path("smollm2-135m-instruct"));
  test::ScratchDir dir("writer-copy");
  GgufWriter w;
  w.copy_metadata_from(src);
  const std::vector<std::string> names = {"blk.0.attn_q.weight", "blk.0.attn_norm.weight",
                                          "blk.29.ffn_down.weight"};
  for (const auto& n : names) w.add_tensor_from(src.tensor(n), GgmlType::F32);
  w.add_tensor_from(src.tensor("blk.1.attn_k.weight"));  // Q4_1 bytes copied as they are
  w.add_tensor_from(src.tensor("blk.1.attn_v.weight"), GgmlType::Q8_0);
  const std::string path = dir.file("copy.gguf");
  w.write(path);

  GgufFile f(path);
  ASSERT_EQ(f.keys(), src.keys());
  for (const auto& k : src.keys()) EXPECT_TRUE(same_value(*f.find(k), *src.find(k))) << k;
  EXPECT_EQ(f.get_string_array("tokenizer.ggml.tokens").size(), 49152u);
  for (const auto& n : names) {
    const auto& t = f.tensor(n);
    EXPECT_EQ(t.type_name(), "F32");
    EXPECT_EQ(t.shape, src.tensor(n).shape);
    EXPECT_EQ(dequantize_tensor(t), dequantize_tensor(src.tensor(n))) << n;
  }
  const auto& k = f.tensor("blk.1.attn_k.weight");
  EXPECT_EQ(k.type_name(), "Q4_1");
  EXPECT_EQ(std::memcmp(k.data, src.tensor("blk.1.attn_k.weight").data, k.n_bytes), 0);
  const auto vsrc = dequantize_tensor(src.tensor("blk.1.attn_v.weight"));
  std::vector<uint8_t> q8(vsrc.size() / 32 * 34);
  quantize_row_q8_0(vsrc.data(), q8.data(), vsrc.size());
  const auto& v = f.tensor("blk.1.attn_v.weight");
  EXPECT_EQ(v.type_name(), "Q8_0");
  ASSERT_EQ(v.n_bytes, q8.size());
  EXPECT_EQ(std::memcmp(v.data, q8.data(), q8.size()), 0);
}

TEST(GgufWriter, InvalidTensorsAreRejectedByName) {
  GgufWriter w;
  float x[64] = {};
  auto expect_msg = [](auto fn, std::initializer_list<std::string> parts) {
    try {
      fn();
      ADD_FAILURE() << "no exception";
    } catch (const FormatError& e) {
      for (const auto& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
    }
  };
  w.add_tensor("ok", {32}, GgmlType::F32, x);
  expect_msg([&] { w.add_tensor("ok", {32}, GgmlType::F32, x); }, {"tensor 'ok'", "duplicate tensor name"});
  expect_msg([&] { w.add_tensor("q", {48}, GgmlType::Q8_0, x); }, {"tensor 'q'", "Q8_0 block size 32"});
  expect_msg([&] { w.add_tensor("k", {256}, GgmlType::Q4_K, x); }, {"tensor 'k'", "cannot write type Q4_K"});
  expect_msg([&] { w.add_tensor("z", {0}, GgmlType::F32, x); }, {"tensor 'z'", "invalid dimension 0"});
  expect_msg([&] { w.add_tensor("d", {1, 1, 1, 1, 1}, GgmlType::F32, x); }, {"tensor 'd'", "5 dimensions"});
  expect_msg([&] { w.add_tensor(std::string(65, 'n'), {1}, GgmlType::F32, x); }, {"at most 64"});
  expect_msg([&] { w.add_tensor_raw("r", {32}, 8, reinterpret_cast<uint8_t*>(x), 33); },
             {"tensor 'r'", "33 bytes given", "need 34"});
  expect_msg([&] { w.set_alignment(48); }, {"general.alignment", "power of two, got 48"});
  expect_msg([&] { w.set_string("general.alignment", "x"); }, {"general.alignment", "expected uint32"});
  EXPECT_EQ(w.tensor_count(), 1u);  // the failed adds left nothing behind
}

TEST(GgufWriter, WritesAtomicallyAndNamesThePath) {
  test::ScratchDir dir("writer-atomic");
  const std::string path = dir.file("model.gguf");
  GgufWriter w;
  w.set_u32("v", 1);
  w.write(path);
  w.set_u32("v", 2);
  w.write(path);  // replaces the existing file
  EXPECT_EQ(GgufFile(path).get_uint("v"), 2u);

  // A value that fails mid-write: the target keeps its old content, no temp file remains.
  GgufWriter bad;
  bad.set_u32("v", 3);
  bad.set_array("mixed", VT::INT32, {M::i32(1), M::str("two")});
  try {
    bad.write(path);
    FAIL();
  } catch (const FormatError& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind(path + ": key 'mixed'[1]", 0), 0u) << msg;
    EXPECT_NE(msg.find("item of type string in an array of int32"), std::string::npos) << msg;
  }
  EXPECT_EQ(GgufFile(path).get_uint("v"), 2u);
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1u);

  const std::string missing = dir.file("no/such/dir/x.gguf");
  try {
    w.write(missing);
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(missing + ": cannot create temporary file", 0), 0u) << e.what();
  }
  try {
    w.write(path, 1);
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot write GGUF version 1"), std::string::npos);
  }
}

}  // namespace
}  // namespace polysafe::formats
