// safetensors writer: round trip through the reader, files the reference Python
// package loads to identical values (and byte-identical to its own writer's
// output), F16/BF16 rounding equal to numpy's, sharding with an index, and
// atomic writes.
#include "formats/safetensors_writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "formats/safetensors_checkpoint.h"
#include "formats/safetensors_reader.h"
#include "test_paths.h"
#include "util/error.h"

namespace polysafe::formats {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

using test::hex;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Values that exercise f32 -> f16/bf16 rounding: exact ties at both widths,
// subnormal and overflow boundaries, signed zeros, inf, a quiet NaN, and a
// deterministic spread over every exponent.
std::vector<float> tricky_values() {
  std::vector<float> v = {0.0f, -0.0f, 1.0f, -1.0f, 1.0f + 0x1p-11f, 1.0f + 3 * 0x1p-11f,
                          1.0f + 0x1p-8f, 1.0f + 3 * 0x1p-8f, 65504.0f, 65519.99f, 65520.0f,
                          -65520.0f, 0x1p-24f, 0x1p-25f, 0x1.8p-25f, 0x1p-26f, 6.097555e-5f,
                          0x1p-14f, 3.4e38f, 0x1.fffffep127f, 1e-45f,
                          std::numeric_limits<float>::infinity(),
                          -std::numeric_limits<float>::infinity(),
                          std::numeric_limits<float>::quiet_NaN()};
  uint32_t s = 12345;
  for (int i = 0; i < 2000; ++i) {
    s = s * 1664525u + 1013904223u;
    uint32_t bits = s;
    if ((bits & 0x7F800000u) == 0x7F800000u) bits &= ~0x00800000u;  // keep finite here
    float f;
    std::memcpy(&f, &bits, 4);
    v.push_back(f);
  }
  return v;
}

class SafetensorsWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scratch_ = std::make_unique<test::ScratchDir>();
    dir_ = scratch_->path();
  }
  void TearDown() override { scratch_.reset(); }
  std::unique_ptr<test::ScratchDir> scratch_;

  json python(const std::string& args) {
    std::string out;
    int rc = test::run_command("python3 " + test::source_dir() + "/scripts/reference/safetensors_ref.py " + args,
                               &out, false);
    EXPECT_EQ(rc, 0) << out;
    return rc == 0 ? json::parse(out) : json();
  }

  fs::path dir_;
};

TEST_F(SafetensorsWriterTest, RoundTripThroughReader) {
  SafetensorsWriter w;
  std::vector<float> a = {1.0f, -2.5f, 0.1f, 1e-8f, 3.0e38f, -0.0f};
  w.add_f32("a.f32", {2, 3}, a);
  w.add_f32("a.f16", {2, 3}, a, SafetensorsDtype::F16);
  w.add_f32("a.bf16", {6}, a, SafetensorsDtype::BF16);
  std::vector<int64_t> ids = {-1, 0, 1LL << 40};
  w.add_raw("ids", SafetensorsDtype::I64, {3},
            {reinterpret_cast<const uint8_t*>(ids.data()), ids.size() * 8});
  w.add_f32("scalar", {}, std::vector<float>{4.5f});
  w.set_metadata("format", "pt");
  const std::string path = (dir_ / "rt.safetensors").string();
  w.write(path);

  SafetensorsFile f(path);
  EXPECT_EQ(f.header_size() % 8, 0u);
  EXPECT_EQ(f.data_offset() % 8, 0u);
  EXPECT_EQ(f.metadata().at("format"), "pt");
  EXPECT_EQ(tensor_to_f32(f.tensor("a.f32")), a);
  EXPECT_EQ(f.tensor("a.f32").shape, (std::vector<uint64_t>{2, 3}));
  auto h = tensor_to_f32(f.tensor("a.f16"));
  EXPECT_EQ(h[0], 1.0f);
  EXPECT_EQ(h[1], -2.5f);
  EXPECT_EQ(h[2], 0.0999755859375f);          // nearest binary16 to 0.1
  EXPECT_EQ(h[3], 0.0f);                      // 1e-8 underflows (below 2^-25)
  EXPECT_TRUE(std::isinf(h[4]));              // 3e38 overflows fp16
  EXPECT_TRUE(std::signbit(h[5]));
  auto b = tensor_to_f32(f.tensor("a.bf16"));
  EXPECT_EQ(b[2], 0.10009765625f);            // nearest bfloat16 to 0.1
  EXPECT_NEAR(b[4], 3.0e38f, 3.0e38f / 128);  // bf16 keeps the f32 range
  std::vector<int64_t> back(3);
  std::memcpy(back.data(), f.tensor("ids").data, 24);
  EXPECT_EQ(back, ids);
  EXPECT_EQ(tensor_to_f32(f.tensor("scalar")), std::vector<float>{4.5f});
  // Widest dtype first (I64), then F32 by name: every tensor is aligned.
  EXPECT_EQ(f.tensors().front().name, "ids");
  for (const auto& t : f.tensors())
    EXPECT_EQ((f.data_offset() + t.offset) % safetensors_dtype_size(t.dtype), 0u) << t.name;
}

TEST_F(SafetensorsWriterTest, PythonLoadsOurFilesToIdenticalValues) {
  const auto v = tricky_values();
  SafetensorsWriter w;
  w.add_f32("x", {v.size()}, v);
  w.add_f32("x_f16", {v.size()}, v, SafetensorsDtype::F16);
  std::vector<uint8_t> mask = {0, 1, 2, 250};
  w.add_raw("mask", SafetensorsDtype::U8, {2, 2}, mask);
  w.set_metadata("source", "polysafe");
  const std::string path = (dir_ / "ours.safetensors").string();
  w.write(path);
  json ref = python("dump " + path);
  ASSERT_TRUE(ref["numpy_loaded"].get<bool>());  // went through safetensors.numpy.load_file
  EXPECT_EQ(ref["metadata"]["source"], "polysafe");

  SafetensorsFile f(path);
  for (const auto& t : f.tensors()) {
    SCOPED_TRACE(t.name);
    const json& r = ref["tensors"][t.name];
    EXPECT_EQ(r["dtype"], t.dtype_name());
    EXPECT_EQ(r["shape"].get<std::vector<uint64_t>>(), t.shape);
    EXPECT_EQ(r["hex"].get<std::string>(), hex(t.data, t.n_bytes));
  }
  EXPECT_EQ(ref["tensors"]["mask"]["hex"], "000102fa");
  // Our f32 -> f16 rounding equals numpy's astype(float16), bit for bit.
  EXPECT_EQ(ref["tensors"]["x"]["f16_hex"], ref["tensors"]["x_f16"]["hex"]);
  // And numpy's f16 -> f32 equals ours.
  auto back = tensor_to_f32(f.tensor("x_f16"));
  EXPECT_EQ(ref["tensors"]["x_f16"]["f32_hex"], hex(back.data(), back.size() * 4));
}

TEST_F(SafetensorsWriterTest, Bf16MatchesTheReferenceRounding) {
  const auto v = tricky_values();
  SafetensorsWriter w;
  w.add_f32("x", {v.size()}, v);
  w.add_f32("x_bf16", {v.size()}, v, SafetensorsDtype::BF16);
  const std::string path = (dir_ / "bf16.safetensors").string();
  w.write(path);
  json ref = python("dump " + path);  // BF16 goes through safetensors.deserialize
  ASSERT_TRUE(ref.contains("tensors"));
  EXPECT_EQ(ref["tensors"]["x"]["bf16_hex"], ref["tensors"]["x_bf16"]["hex"]);
  auto back = tensor_to_f32(SafetensorsFile(path).tensor("x_bf16"));
  EXPECT_EQ(ref["tensors"]["x_bf16"]["f32_hex"], hex(back.data(), back.size() * 4));
}

TEST_F(SafetensorsWriterTest, ByteIdenticalToTheReferenceWriter) {
  SafetensorsWriter w;
  std::vector<float> a = {1, 2, 3, 4, 5, 6};
  w.add_f32("model.layers.0.mlp.up_proj.weight", {2, 3}, a);
  w.add_f32("model.norm.weight", {3}, std::vector<float>{0.5f, 0.25f, -1.0f}, SafetensorsDtype::F16);
  w.add_f32("lm_head.weight", {2}, std::vector<float>{7, 8});
  std::vector<int64_t> pos = {0, 1, 2};
  w.add_raw("model.pos", SafetensorsDtype::I64, {3}, {reinterpret_cast<const uint8_t*>(pos.data()), 24});
  w.add_raw("model.flags", SafetensorsDtype::U8, {1}, std::vector<uint8_t>{9});
  w.set_metadata("format", "pt");
  const std::string ours = (dir_ / "ours.safetensors").string();
  const std::string theirs = (dir_ / "theirs.safetensors").string();
  w.write(ours);
  python("resave " + ours + " " + theirs);
  std::string a_bytes = slurp(ours), b_bytes = slurp(theirs);
  ASSERT_FALSE(b_bytes.empty());
  EXPECT_EQ(a_bytes.size(), b_bytes.size());
  EXPECT_TRUE(a_bytes == b_bytes) << "ours:   " << a_bytes.substr(8, 200) << "\ntheirs: " << b_bytes.substr(8, 200);
}

TEST_F(SafetensorsWriterTest, ShardedWriteLoadsInPython) {
  SafetensorsWriter w;
  std::vector<std::vector<float>> vals;
  for (int i = 0; i < 5; ++i) {
    std::vector<float> t(100);
    for (int j = 0; j < 100; ++j) t[j] = static_cast<float>(i * 1000 + j) * 0.5f;
    w.add_f32("layers." + std::to_string(i) + ".weight", {10, 10}, t,
              i % 2 ? SafetensorsDtype::BF16 : SafetensorsDtype::F32);
  }
  // F32 tensors are 400 bytes, BF16 200: with a 700-byte cap the name order
  // 400,200,400,200,400 packs as [400,200] [400,200] [400].
  auto paths = w.write_sharded(dir_.string(), 700);
  ASSERT_EQ(paths.size(), 3u);
  EXPECT_EQ(fs::path(paths[0]).filename(), "model-00001-of-00003.safetensors");
  for (const auto& p : paths) EXPECT_LE(fs::file_size(p), 700u + 512u);

  json ref = python("dump-sharded " + dir_.string());
  EXPECT_EQ(ref["index_metadata"]["total_size"].get<uint64_t>(), 3 * 400u + 2 * 200u);
  EXPECT_EQ(ref["files"]["model-00002-of-00003.safetensors"],
            (json{"layers.2.weight", "layers.3.weight"}));
  SafetensorsCheckpoint ck(dir_.string());
  ASSERT_EQ(ck.tensors().size(), 5u);
  for (const auto* t : ck.tensors()) {
    SCOPED_TRACE(t->name);
    EXPECT_EQ(ref["tensors"][t->name]["hex"].get<std::string>(), hex(t->data, t->n_bytes));
  }
  EXPECT_EQ(tensor_to_f32(ck.tensor("layers.4.weight"))[99], (4000 + 99) * 0.5f);
}

TEST_F(SafetensorsWriterTest, RejectsBadInputAndWritesAtomically) {
  SafetensorsWriter w;
  std::vector<float> a = {1, 2, 3};
  EXPECT_THROW(w.add_f32("", {3}, a), FormatError);
  EXPECT_THROW(w.add_f32("__metadata__", {3}, a), FormatError);
  try {
    w.add_f32("w", {2, 2}, a);
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("tensor 'w': 12 bytes given but shape × F32 needs 16"), std::string::npos)
        << e.what();
  }
  w.add_f32("w", {3}, a);
  EXPECT_THROW(w.add_f32("w", {3}, a), FormatError);
  EXPECT_THROW(w.add_f32("i", {3}, a, SafetensorsDtype::I32), FormatError);

  // An unwritable destination leaves nothing behind, and an existing file is
  // replaced whole (never truncated in place).
  const std::string path = (dir_ / "model.safetensors").string();
  std::ofstream(path) << "old contents";
  w.write(path);
  EXPECT_EQ(tensor_to_f32(SafetensorsFile(path).tensor("w")), a);
  EXPECT_THROW(w.write((dir_ / "no_such_dir" / "x.safetensors").string()), FormatError);
  size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir_)) {
    ++n;
    EXPECT_EQ(e.path().filename(), "model.safetensors");  // no temp files left
  }
  EXPECT_EQ(n, 1u);
}

}  // namespace
}  // namespace polysafe::formats
