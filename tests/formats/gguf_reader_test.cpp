// GGUF reader on the two real default models, on files written by GgufWriter
// (versions 2 and 3), and on malformed inputs: every failure must be a
// FormatError whose message names the file and the field at fault.
#include "formats/gguf_reader.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "formats/dequantize.h"
#include "formats/gguf_writer.h"
#include "formats/half_float.h"
#include "formats_test_support.h"
#include "util/error.h"
#include "util/mapped_file.h"

namespace polysafe::formats {
namespace {

// ------------------------------------------------------------- real models

TEST(GgufReader, SmolLM2Metadata) {
  GgufFile f(test::model_path("smollm2-135m-instruct"));
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.alignment(), 32u);
  EXPECT_EQ(f.get_string("general.architecture"), "llama");
  EXPECT_EQ(f.get_uint("llama.block_count"), 30u);
  EXPECT_EQ(f.get_uint("llama.embedding_length"), 576u);
  EXPECT_EQ(f.get_uint("llama.attention.head_count"), 9u);
  EXPECT_EQ(f.get_uint("llama.attention.head_count_kv"), 3u);
  EXPECT_EQ(f.get_uint("llama.vocab_size"), 49152u);
  EXPECT_EQ(f.get_float("llama.rope.freq_base"), 100000.0);
  EXPECT_FLOAT_EQ(float(f.get_float("llama.attention.layer_norm_rms_epsilon")), 1e-5f);
  EXPECT_EQ(f.opt_bool("tokenizer.ggml.add_bos_token"), false);
  EXPECT_EQ(f.get_uint("tokenizer.ggml.bos_token_id"), 1u);
  auto tokens = f.get_string_array("tokenizer.ggml.tokens");
  ASSERT_EQ(tokens.size(), 49152u);
  EXPECT_EQ(tokens[0], "<|endoftext|>");
  EXPECT_EQ(tokens[1], "<|im_start|>");
  EXPECT_EQ(tokens[2], "<|im_end|>");
  EXPECT_EQ(f.get_string_array("tokenizer.ggml.merges")[0], "\xC4\xA0 t");  // "Ġ t"
  EXPECT_EQ(f.get_string("tokenizer.chat_template").rfind("{% for message in messages %}", 0), 0u);
  EXPECT_EQ(f.keys().front(), "general.architecture");
  EXPECT_EQ(f.keys().back(), "general.quantization_version");

  ASSERT_EQ(f.tensors().size(), 272u);
  const auto& emb = f.tensor("token_embd.weight");
  EXPECT_EQ(emb.type_name(), "Q8_0");
  EXPECT_EQ(emb.shape, (std::vector<uint64_t>{576, 49152}));
  EXPECT_EQ(emb.n_bytes, 576u / 32 * 34 * 49152);
  EXPECT_EQ(emb.offset, 0u);
  const auto& down = f.tensor("blk.29.ffn_down.weight");
  EXPECT_EQ(down.type_name(), "Q4_1");
  EXPECT_EQ(down.shape, (std::vector<uint64_t>{1536, 576}));
  std::set<int> blocks;
  for (const auto& t : f.tensors())
    if (t.name.rfind("blk.", 0) == 0) blocks.insert(std::stoi(t.name.substr(4)));
  EXPECT_EQ(blocks.size(), 30u);
  EXPECT_EQ(*blocks.rbegin(), 29);
  EXPECT_EQ(f.find_tensor("output.weight"), nullptr);  // tied embeddings
  try {
    f.tensor("output.weight");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("tensor 'output.weight': missing"), std::string::npos);
  }
}

TEST(GgufReader, Gemma3Metadata) {
  GgufFile f(test::model_path("gemma3-270m"));
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.get_string("general.architecture"), "gemma3");
  EXPECT_EQ(f.get_uint("gemma3.block_count"), 18u);
  EXPECT_EQ(f.get_uint("gemma3.embedding_length"), 640u);
  EXPECT_EQ(f.get_uint("gemma3.attention.key_length"), 256u);
  EXPECT_EQ(f.get_uint("gemma3.attention.sliding_window"), 512u);
  EXPECT_EQ(f.get_float("gemma3.rope.freq_base"), 1e6);
  auto tokens = f.get_string_array("tokenizer.ggml.tokens");
  ASSERT_EQ(tokens.size(), 262144u);
  EXPECT_EQ(tokens[2], "<bos>");
  auto scores = f.get_float_array("tokenizer.ggml.scores");
  ASSERT_EQ(scores.size(), 262144u);
  EXPECT_EQ(scores[0], -1000.0f);
  EXPECT_EQ(f.get_int_array("tokenizer.ggml.token_type").size(), 262144u);
  EXPECT_EQ(f.get_string_array("general.tags"),
            (std::vector<std::string_view>{"gemma3", "gemma", "google", "text-generation"}));

  ASSERT_EQ(f.tensors().size(), 236u);
  std::map<std::string, int> types;
  for (const auto& t : f.tensors()) ++types[t.type_name()];
  EXPECT_EQ(types, (std::map<std::string, int>{{"F32", 109}, {"Q4_K", 27}, {"Q5_0", 81}, {"Q6_K", 9}, {"Q8_0", 10}}));
  const auto& emb = f.tensor("token_embd.weight");
  EXPECT_EQ(emb.type_name(), "Q8_0");
  EXPECT_EQ(emb.shape, (std::vector<uint64_t>{640, 262144}));
  EXPECT_EQ(f.data_offset() % 32, 0u);
  // The last tensor ends inside the file.
  const auto& last = f.tensors().back();
  EXPECT_LE(f.data_offset() + last.offset + last.n_bytes, f.file_size());
}

// Every key (type and value) and every tensor info of SmolLM2 as gguf-py reads them.
TEST(GgufReader, SmolLM2MatchesGgufPy) {
  const std::string path = test::model_path("smollm2-135m-instruct");
  auto j = nlohmann::json::parse(test::run_reference("gguf_inspect.py", test::shell_quote(path) + " --values 0"));
  GgufFile f(path);
  EXPECT_EQ(j.at("version").get<uint32_t>(), f.version());
  EXPECT_EQ(j.at("data_offset").get<uint64_t>(), f.data_offset());
  const auto& meta = j.at("metadata");
  ASSERT_EQ(meta.size(), f.keys().size());
  size_t checked_values = 0;
  for (const auto& key : f.keys()) {
    ASSERT_TRUE(meta.contains(key)) << key;
    const auto& m = meta.at(key);
    const GgufValue& v = *f.find(key);
    std::string type = gguf_value_type_name(v.type);
    for (auto& c : type) c = char(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_EQ(m.at("types").at(0).get<std::string>(), type) << key;
    const auto& pv = m.at("value");
    if (v.is_array()) {
      const auto& a = v.array();
      ASSERT_EQ(pv.size(), a.items.size()) << key;
      for (size_t i = 0; i < a.items.size(); ++i, ++checked_values) {
        const auto& it = a.items[i];
        if (a.elem_type == GgufValueType::STRING) {
          ASSERT_EQ(pv[i].get<std::string>(), std::get<std::string_view>(it.v)) << key << "[" << i << "]";
        } else if (std::holds_alternative<int64_t>(it.v)) {
          ASSERT_EQ(pv[i].get<int64_t>(), std::get<int64_t>(it.v)) << key << "[" << i << "]";
        }
      }
    } else if (v.type == GgufValueType::STRING) {
      EXPECT_EQ(pv.get<std::string>(), f.get_string(key)) << key;
    } else if (v.type == GgufValueType::BOOL) {
      EXPECT_EQ(pv.get<bool>(), *f.opt_bool(key)) << key;
    } else if (v.type == GgufValueType::FLOAT32 || v.type == GgufValueType::FLOAT64) {
      EXPECT_EQ(pv.get<double>(), f.get_float(key)) << key;
    } else {
      EXPECT_EQ(pv.get<int64_t>(), f.get_int(key)) << key;
    }
    ++checked_values;
  }
  EXPECT_GT(checked_values, 49152u + 48900u);  // tokens + merges
  const auto& ts = j.at("tensors");
  ASSERT_EQ(ts.size(), f.tensors().size());
  for (size_t i = 0; i < ts.size(); ++i) {
    const auto& t = f.tensors()[i];
    EXPECT_EQ(ts[i].at("name").get<std::string>(), t.name);
    EXPECT_EQ(ts[i].at("type").get<std::string>(), t.type_name()) << t.name;
    EXPECT_EQ(ts[i].at("shape").get<std::vector<uint64_t>>(), t.shape) << t.name;
    EXPECT_EQ(ts[i].at("offset").get<uint64_t>(), t.offset) << t.name;
    EXPECT_EQ(ts[i].at("n_bytes").get<uint64_t>(), t.n_bytes) << t.name;
  }
}

// ------------------------------------------------------------- writer-made files

// A small file with every value type and three tensors; `names` of the keys and
// tensors are distinctive so tests can find their bytes.
GgufWriter sample_writer() {
  GgufWriter w;
  w.set_string("general.architecture", "sample");
  w.set_u32("sample.count", 7);
  w.set_i32("sample.neg", -5);
  w.set_f32("sample.eps", 1e-6f);
  w.set_bool("sample.flag", true);
  w.set_array("sample.ints", GgufValueType::INT32,
              {GgufMetaValue::i32(1), GgufMetaValue::i32(-2), GgufMetaValue::i32(3)});
  w.set_string_array("sample.words", {"alpha", "beta"});
  w.set_u64("sample.big", 1ull << 40);
  std::vector<float> a(8), b(64), c(32);
  for (size_t i = 0; i < a.size(); ++i) a[i] = float(i) * 0.25f;
  for (size_t i = 0; i < b.size(); ++i) b[i] = float(i) - 31.5f;
  for (size_t i = 0; i < c.size(); ++i) c[i] = 1.0f / float(i + 1);
  w.add_tensor("tensor.alpha", {8}, GgmlType::F32, a.data());
  w.add_tensor("tensor.beta", {32, 2}, GgmlType::Q8_0, b.data());
  w.add_tensor("tensor.gamma", {32}, GgmlType::F16, c.data());
  return w;
}

TEST(GgufReader, ReadsVersion2And3FromWriter) {
  test::ScratchDir dir("reader-v");
  for (uint32_t version : {2u, 3u}) {
    const std::string path = dir.file("v" + std::to_string(version) + ".gguf");
    sample_writer().write(path, version);
    GgufFile f(path);
    EXPECT_EQ(f.version(), version);
    EXPECT_EQ(f.get_string("general.architecture"), "sample");
    EXPECT_EQ(f.get_uint("sample.count"), 7u);
    EXPECT_EQ(f.get_int("sample.neg"), -5);
    EXPECT_EQ(float(f.get_float("sample.eps")), 1e-6f);
    EXPECT_EQ(f.opt_bool("sample.flag"), true);
    EXPECT_EQ(f.get_int_array("sample.ints"), (std::vector<int64_t>{1, -2, 3}));
    EXPECT_EQ(f.get_string_array("sample.words"), (std::vector<std::string_view>{"alpha", "beta"}));
    EXPECT_EQ(f.get_uint("sample.big"), 1ull << 40);
    ASSERT_EQ(f.tensors().size(), 3u);
    auto alpha = dequantize_tensor(f.tensor("tensor.alpha"));
    EXPECT_EQ(alpha[7], 1.75f);
    auto beta = dequantize_tensor(f.tensor("tensor.beta"));
    // The largest magnitude maps to q = -127 with d = fp16(31.5 / 127).
    EXPECT_EQ(beta[0], -127.0f * fp16_to_fp32(fp32_to_fp16(31.5f / 127.0f)));
    EXPECT_NEAR(beta[40], 8.5f, 0.13f);
    EXPECT_EQ(f.tensor("tensor.gamma").type_name(), "F16");
    EXPECT_EQ(dequantize_tensor(f.tensor("tensor.gamma"))[3], 0.25f);
  }
}

// ------------------------------------------------------------- malformed input

class Malformed : public ::testing::Test {
 protected:
  void SetUp() override {
    good_ = dir_.file("good.gguf");
    sample_writer().write(good_);
    bytes_ = test::read_bytes(good_);
    GgufFile f(good_);
    const auto& last = f.tensors().back();
    data_end_ = f.data_offset() + last.offset + last.n_bytes;
    data_offset_ = f.data_offset();
  }
  // Offset just after the first occurrence of the string s in the file.
  size_t after(const std::string& s) const {
    auto it = std::search(bytes_.begin(), bytes_.end(), s.begin(), s.end());
    EXPECT_NE(it, bytes_.end()) << s;
    return size_t(it - bytes_.begin()) + s.size();
  }
  template <typename T>
  std::vector<uint8_t> patched(size_t pos, T value) const {
    auto b = bytes_;
    std::memcpy(b.data() + pos, &value, sizeof value);
    return b;
  }
  // Writes bytes to bad.gguf and returns the FormatError message ("" if none).
  std::string error_of(const std::vector<uint8_t>& b, size_t size = SIZE_MAX) {
    const std::string path = dir_.file("bad.gguf");
    test::write_bytes(path, b.data(), std::min(size, b.size()));
    try {
      GgufFile f(path);
    } catch (const FormatError& e) {
      return e.what();
    }
    return "";
  }
  void expect_error(const std::vector<uint8_t>& b, std::initializer_list<std::string> parts) {
    const std::string msg = error_of(b);
    ASSERT_FALSE(msg.empty()) << "no FormatError";
    EXPECT_EQ(msg.rfind(dir_.file("bad.gguf") + ": ", 0), 0u) << msg;
    for (const auto& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
  }

  test::ScratchDir dir_{"malformed"};
  std::string good_;
  std::vector<uint8_t> bytes_;
  uint64_t data_end_ = 0, data_offset_ = 0;
};

TEST_F(Malformed, TruncatedAtEveryOffset) {
  ASSERT_GT(data_end_, 300u);
  const std::string prefix = dir_.file("bad.gguf") + ": ";
  size_t header = 0, keys = 0, tensor_infos = 0, data = 0;
  for (size_t n = 0; n < data_end_; ++n) {
    const std::string msg = error_of(bytes_, n);
    ASSERT_FALSE(msg.empty()) << "truncated to " << n << " bytes was accepted";
    ASSERT_EQ(msg.rfind(prefix, 0), 0u) << msg;
    if (n < 24) {
      ASSERT_NE(msg.find(": header "), std::string::npos) << n << ": " << msg;
      ++header;
    } else if (msg.find("key ") != std::string::npos || msg.find("metadata") != std::string::npos) {
      ++keys;
    } else if (msg.find("lies beyond the end of the file") != std::string::npos) {
      ASSERT_GE(n, data_offset_ - 32) << msg;
      ++data;
    } else {
      ASSERT_NE(msg.find("tensor"), std::string::npos) << n << ": " << msg;
      ++tensor_infos;
    }
    if (n == 4) {
      EXPECT_NE(msg.find("header version: file truncated at byte 4"), std::string::npos) << msg;
    }
  }
  EXPECT_EQ(header, 24u);
  EXPECT_GT(keys, 150u);
  EXPECT_GT(tensor_infos, 60u);
  EXPECT_GT(data, 100u);
  // Dropping only trailing padding after the last tensor keeps the file valid.
  EXPECT_EQ(error_of(bytes_, data_end_), "");
}

TEST_F(Malformed, WrongMagic) {
  auto b = bytes_;
  b[0] = 'X';
  expect_error(b, {"header magic", "not a GGUF file"});
}

TEST_F(Malformed, BadVersion) {
  expect_error(patched<uint32_t>(4, 1), {"header version", "unsupported GGUF version 1"});
  expect_error(patched<uint32_t>(4, 4), {"header version", "unsupported GGUF version 4"});
}

TEST_F(Malformed, HugeCounts) {
  expect_error(patched<uint64_t>(8, 1ull << 60), {"header tensor_count", "cannot fit"});
  expect_error(patched<uint64_t>(16, 1ull << 60), {"header metadata_kv_count", "cannot fit"});
}

TEST_F(Malformed, HugeMetadataArrayCount) {
  // key, u32 value type (ARRAY), u32 element type, u64 count.
  expect_error(patched<uint64_t>(after("sample.ints") + 8, 1ull << 40),
               {"key 'sample.ints'", "array length 1099511627776 cannot fit"});
  expect_error(patched<uint64_t>(after("sample.words") + 8, 1000),
               {"key 'sample.words'", "array length 1000 cannot fit"});
}

TEST_F(Malformed, HugeStringLength) {
  expect_error(patched<uint64_t>(after("general.architecture") + 4, 1ull << 50),
               {"key 'general.architecture'", "string length 1125899906842624 exceeds"});
}

TEST_F(Malformed, UnknownValueType) {
  expect_error(patched<uint32_t>(after("sample.count"), 13), {"key 'sample.count'", "unknown value type 13"});
  expect_error(patched<uint32_t>(after("sample.ints") + 4, 99),
               {"key 'sample.ints'", "unknown array element type 99"});
}

TEST_F(Malformed, BadBoolAndAlignment) {
  expect_error(patched<uint8_t>(after("sample.flag") + 4, 7), {"key 'sample.flag'", "bool value 7"});
  GgufWriter w = sample_writer();
  w.set_alignment(64);
  const std::string path = dir_.file("aligned.gguf");
  w.write(path);
  bytes_ = test::read_bytes(path);
  expect_error(patched<uint32_t>(after("general.alignment") + 4, 48),
               {"key 'general.alignment'", "power of two, got 48"});
  expect_error(patched<uint32_t>(after("general.alignment"), 5),  // retyped as int32
               {"key 'general.alignment'", "expected uint32, got int32"});
}

TEST_F(Malformed, DuplicateKeyAndTensor) {
  auto b = bytes_;
  b[after("sample.neg") - 3] = 'b', b[after("sample.neg") - 2] = 'i', b[after("sample.neg") - 1] = 'g';
  expect_error(b, {"key 'sample.big'", "duplicate key"});
  b = bytes_;
  std::memcpy(b.data() + after("tensor.gamma") - 5, "alpha", 5);
  expect_error(b, {"tensor 'tensor.alpha'", "duplicate tensor name"});
}

TEST_F(Malformed, TensorInfoFields) {
  // name, u32 n_dims, u64 dims..., u32 type, u64 offset
  const size_t beta = after("tensor.beta");
  expect_error(patched<uint32_t>(beta, 0), {"tensor 'tensor.beta'", "n_dims 0 outside 1..8"});
  expect_error(patched<uint32_t>(beta, 9), {"tensor 'tensor.beta'", "n_dims 9 outside 1..8"});
  expect_error(patched<uint64_t>(beta + 4, 1ull << 50), {"tensor 'tensor.beta'", "absurd dimension 1125899906842624 at index 0"});
  expect_error(patched<uint64_t>(beta + 12, 1ull << 39),
               {"tensor 'tensor.beta'", "elements cannot be stored in a"});
  expect_error(patched<uint64_t>(beta + 4, 48), {"tensor 'tensor.beta'", "first dimension 48", "Q8_0 block size 32"});
  expect_error(patched<uint32_t>(beta + 20, 99), {"tensor 'tensor.beta'", "unknown tensor type id 99"});
  expect_error(patched<uint64_t>(beta + 24, 1ull << 20),
               {"tensor 'tensor.beta'", "lies beyond the end of the file"});
  expect_error(patched<uint64_t>(beta + 24, ~uint64_t(0) - 31),
               {"tensor 'tensor.beta'", "lies beyond the end of the file"});
  expect_error(patched<uint64_t>(beta + 24, 33), {"tensor 'tensor.beta'", "offset 33 is not aligned to 32"});
}

// A known type without a dequantiser still reads; dequantising it names it.
TEST_F(Malformed, UnsupportedTensorTypeReadsButDoesNotDequantise) {
  // tensor.gamma: F16 [32] = 64 bytes; as IQ4_NL (block 32, 18 bytes) it needs 18.
  const size_t gamma = after("tensor.gamma");
  const std::string path = dir_.file("iq.gguf");
  auto b = patched<uint32_t>(gamma + 12, static_cast<uint32_t>(GgmlType::IQ4_NL));
  test::write_bytes(path, b.data(), b.size());
  GgufFile f(path);
  const auto& t = f.tensor("tensor.gamma");
  EXPECT_EQ(t.type_name(), "IQ4_NL");
  EXPECT_EQ(t.n_bytes, 18u);
  try {
    dequantize_tensor(t);
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("tensor 'tensor.gamma': type IQ4_NL cannot be dequantised"),
              std::string::npos) << e.what();
  }
}

TEST_F(Malformed, EmptyAndMissingFiles) {
  expect_error({}, {"header magic", "file truncated at byte 0"});
  EXPECT_THROW(GgufFile(dir_.file("does-not-exist.gguf")), Error);
}

}  // namespace
}  // namespace polysafe::formats
