// safetensors reader: files written by the reference Python package load with
// identical bytes and values; every kind of malformed file is rejected with a
// FormatError naming the file and the tensor or field.
#include "formats/safetensors_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "formats/safetensors_checkpoint.h"
#include "formats/safetensors_writer.h"
#include "test_paths.h"
#include "util/error.h"

namespace polysafe::formats {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

using test::hex;

class SafetensorsReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scratch_ = std::make_unique<test::ScratchDir>();
    dir_ = scratch_->path();
  }
  void TearDown() override { scratch_.reset(); }
  std::unique_ptr<test::ScratchDir> scratch_;

  // A file with the given raw header text (length prefix computed) and data.
  std::string make(const std::string& name, const std::string& header, const std::string& data) {
    std::string path = (dir_ / name).string();
    std::ofstream out(path, std::ios::binary);
    uint64_t n = header.size();
    char len[8];
    for (int i = 0; i < 8; ++i) len[i] = static_cast<char>(n >> (8 * i));
    out.write(len, 8);
    out << header << data;
    return path;
  }
  std::string make_raw(const std::string& name, const std::string& bytes) {
    std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  // The FormatError message for opening `path`; fails the test if it opens.
  std::string error_of(const std::string& path) {
    try {
      SafetensorsFile f(path);
    } catch (const FormatError& e) {
      return e.what();
    }
    ADD_FAILURE() << path << " was accepted";
    return "";
  }

  json python(const std::string& args) {
    std::string out;
    int rc = test::run_command("python3 " + test::source_dir() + "/scripts/reference/safetensors_ref.py " + args,
                               &out, false);
    EXPECT_EQ(rc, 0) << out;
    return json::parse(out);
  }

  fs::path dir_;
};

TEST_F(SafetensorsReaderTest, LoadsFilesWrittenByPythonIdentically) {
  const std::string path = (dir_ / "py.safetensors").string();
  json ref = python("write " + path);
  ASSERT_TRUE(ref["main"]["numpy_loaded"].get<bool>());

  for (const std::string which : {"main", "bf16"}) {
    const json& r = ref[which];
    SafetensorsFile f(which == "main" ? path : path + ".bf16");
    EXPECT_EQ(f.header_size(), r["header_len"].get<uint64_t>());
    EXPECT_EQ(f.metadata(), (r["metadata"].get<std::map<std::string, std::string>>()));
    ASSERT_EQ(f.tensors().size(), r["tensors"].size());
    for (const auto& [name, t] : r["tensors"].items()) {
      SCOPED_TRACE(name);
      const SafetensorsTensor& mine = f.tensor(name);
      EXPECT_EQ(mine.dtype_name(), t["dtype"].get<std::string>());
      EXPECT_EQ(mine.shape, t["shape"].get<std::vector<uint64_t>>());
      EXPECT_EQ(hex(mine.data, mine.n_bytes), t["hex"].get<std::string>());
      if (t.contains("f32_hex")) {
        std::vector<float> v = tensor_to_f32(mine);
        EXPECT_EQ(hex(v.data(), v.size() * 4), t["f32_hex"].get<std::string>());
      }
    }
  }
  SafetensorsFile f(path);
  EXPECT_EQ(f.metadata().at("writer"), "safetensors-python");
  // Spot values (not just agreement): embed[0][2] = 1.0, embed[0][3] = -2.5,
  // norm[1] = -1.0 (F16), positions[0][0] = -3 (I64), the BF16 lm_head[0] = 1.0.
  auto embed = tensor_to_f32(f.tensor("model.embed.weight"));
  EXPECT_EQ(embed[2], 1.0f);
  EXPECT_EQ(embed[3], -2.5f);
  EXPECT_TRUE(std::isnan(embed[8]));
  EXPECT_EQ(tensor_to_f32(f.tensor("model.norm.weight"))[1], -1.0f);
  int64_t first;
  std::memcpy(&first, f.tensor("model.positions").data, 8);
  EXPECT_EQ(first, -3);
  EXPECT_EQ(f.tensor("model.scalar").shape.size(), 0u);
  EXPECT_EQ(f.tensor("model.scalar").n_elements, 1u);
  EXPECT_EQ(f.tensor("model.empty").n_elements, 0u);
  EXPECT_EQ(tensor_to_f32(SafetensorsFile(path + ".bf16").tensor("lm_head.weight"))[0], 1.0f);
  EXPECT_EQ(tensor_to_f32(SafetensorsFile(path + ".bf16").tensor("lm_head.weight"))[1], -0.15625f);
}

TEST_F(SafetensorsReaderTest, TensorsAreViewsIntoTheMapAndOutliveTheFileObject) {
  const std::string path = (dir_ / "py.safetensors").string();
  python("write " + path);
  SafetensorsTensor kept;
  {
    SafetensorsFile f(path);
    kept = f.tensor("model.embed.weight");
    const uint8_t* base = kept.file->data();
    EXPECT_GE(kept.data, base + f.data_offset());
    EXPECT_LE(kept.data + kept.n_bytes, base + f.file_size());
    EXPECT_EQ(kept.data, base + f.data_offset() + kept.offset);
  }
  EXPECT_EQ(tensor_to_f32(kept)[3], -2.5f);  // the map lives on through `kept.file`
}

TEST_F(SafetensorsReaderTest, NonFloatDtypesAreRawOnly) {
  const std::string path = (dir_ / "py.safetensors").string();
  python("write " + path);
  SafetensorsFile f(path);
  try {
    tensor_to_f32(f.tensor("model.positions"));
    FAIL() << "I64 converted to f32";
  } catch (const FormatError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find(path), std::string::npos) << m;
    EXPECT_NE(m.find("tensor 'model.positions'"), std::string::npos) << m;
    EXPECT_NE(m.find("I64"), std::string::npos) << m;
  }
  EXPECT_THROW(tensor_to_f32(f.tensor("model.mask")), FormatError);
  EXPECT_EQ(f.tensor("model.mask").data[2], 255);
}

TEST_F(SafetensorsReaderTest, ValidMinimalFileParses) {
  // Hand-built: proves the malformed variants below differ only in the fault.
  std::string data(8, '\0');
  float one = 1.0f, two = 2.0f;
  std::memcpy(data.data(), &one, 4);
  std::memcpy(data.data() + 4, &two, 4);
  auto p = make("ok.safetensors",
                R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"__metadata__":{"k":"v"}})", data);
  SafetensorsFile f(p);
  EXPECT_EQ(tensor_to_f32(f.tensor("a")), (std::vector<float>{1.0f, 2.0f}));
  EXPECT_EQ(f.metadata().at("k"), "v");
}

struct Malformed {
  const char* name;
  std::string header;   // empty: use `raw` as the whole file
  std::string data;
  std::string raw;
  std::vector<std::string> expect;  // substrings of the message (besides the path)
};

TEST_F(SafetensorsReaderTest, MalformedFilesGiveMessagesNamingTheFault) {
  const std::string d8(8, '\0');
  std::string long_len(8, '\0');
  long_len[0] = static_cast<char>(0xe8);
  long_len[1] = 0x03;  // 1000 bytes of header announced, 2 present
  std::string over_cap(8, '\0');
  uint64_t cap_plus = SafetensorsFile::kMaxHeaderBytes + 1;
  std::memcpy(over_cap.data(), &cap_plus, 8);
  std::vector<Malformed> cases = {
      {"tiny", "", "", "abc", {"too small"}},
      {"len_beyond_file", "", "", long_len + "{}", {"header length 1000", "exceeds the 2 bytes"}},
      {"len_over_cap", "", "", over_cap + "{}", {"100 MB"}},
      {"not_json", "{\"a\": [1, 2", d8, "", {"not valid JSON"}},
      {"not_object", "[1,2]", "", "", {"does not start with '{'"}},
      {"duplicate", R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
       d8, "", {"tensor 'w'", "more than once"}},
      {"offsets_out_of_range", R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", d8, "",
       {"tensor 'w'", "data_offsets", "[0, 16]", "beyond the end of the data section (8 bytes)"}},
      {"overlap", R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
       d8, "", {"tensor 'b'", "overlap tensor 'a'"}},
      {"size_mismatch", R"({"w":{"dtype":"F16","shape":[3],"data_offsets":[0,8]}})", d8, "",
       {"tensor 'w'", "spans 8 bytes", "[3] of F16 needs 6"}},
      {"absurd_shape", R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", d8, "",
       {"tensor 'w'", "field 'shape'", "64 bits"}},
      {"absurd_bytes", R"({"w":{"dtype":"F64","shape":[3074457345618258603],"data_offsets":[0,8]}})", d8, "",
       {"tensor 'w'", "2^64 bytes"}},
      {"negative_dim", R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", d8, "",
       {"tensor 'w'", "field 'shape'", "non-negative"}},
      {"unknown_dtype", R"({"w":{"dtype":"Q4_K","shape":[2],"data_offsets":[0,8]}})", d8, "",
       {"tensor 'w'", "unknown dtype 'Q4_K'"}},
      {"missing_offsets", R"({"w":{"dtype":"F32","shape":[2]}})", d8, "", {"tensor 'w'", "field 'data_offsets': missing"}},
      {"bad_metadata", R"({"__metadata__":{"n":3},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", d8, "",
       {"'__metadata__' key 'n'", "expected string, got integer"}},
      {"trailing", R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", d8, "",
       {"data section has 8 bytes", "cover only 4"}},
      {"gap", R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[2],"data_offsets":[6,8]}})",
       d8, "", {"tensor 'b'", "gap of 2"}},
      {"begin_after_end", R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", d8, "",
       {"tensor 'w'", "begin 8 > end 0"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::string path = c.header.empty() ? make_raw(std::string(c.name) + ".safetensors", c.raw)
                                        : make(std::string(c.name) + ".safetensors", c.header, c.data);
    std::string msg = error_of(path);
    EXPECT_EQ(msg.rfind(path + ": ", 0), 0u) << msg;  // starts with the file name
    for (const auto& s : c.expect) EXPECT_NE(msg.find(s), std::string::npos) << "missing '" << s << "' in: " << msg;
  }
}

TEST_F(SafetensorsReaderTest, PythonRejectsWhatWeRejectAndAcceptsWhatWeAccept) {
  // The reference validator agrees on a sample of the malformed cases: the
  // strictness (no gaps, no trailing bytes) is the reference's, not ours.
  const std::string d8(8, '\0');
  auto ok = make("ok.safetensors", R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", d8);
  auto gap = make("gap.safetensors",
                  R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[2],"data_offsets":[6,8]}})", d8);
  auto trailing = make("trail.safetensors", R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", d8);
  std::string out;
  const std::string script = "python3 " + test::source_dir() + "/scripts/reference/safetensors_ref.py dump ";
  EXPECT_EQ(test::run_command(script + ok, &out), 0) << out;
  EXPECT_NE(test::run_command(script + gap, &out), 0);
  EXPECT_NE(test::run_command(script + trailing, &out), 0);
  EXPECT_NO_THROW(SafetensorsFile{ok});
}

TEST_F(SafetensorsReaderTest, ShardedCheckpointIsOneCollection) {
  SafetensorsWriter w;
  std::vector<float> a(10, 1.5f), b(6, -2.0f), c(4, 0.25f);
  w.add_f32("layers.0.w", {10}, a);
  w.add_f32("layers.1.w", {2, 3}, b, SafetensorsDtype::BF16);
  w.add_f32("norm", {4}, c, SafetensorsDtype::F16);
  auto shards = w.write_sharded(dir_.string(), 40);  // 40 + 12+8 bytes -> 2 shards
  ASSERT_EQ(shards.size(), 2u);

  SafetensorsCheckpoint ck(dir_.string());
  EXPECT_TRUE(ck.sharded());
  EXPECT_EQ(ck.files().size(), 2u);
  ASSERT_EQ(ck.tensors().size(), 3u);
  EXPECT_EQ(ck.tensors()[0]->name, "layers.0.w");
  EXPECT_EQ(ck.total_bytes(), 40u + 12u + 8u);
  EXPECT_EQ(ck.index_metadata()["total_size"].get<uint64_t>(), 60u);
  EXPECT_EQ(tensor_to_f32(ck.tensor("layers.1.w"))[5], -2.0f);
  EXPECT_EQ(tensor_to_f32(ck.tensor("norm"))[0], 0.25f);
  EXPECT_NE(ck.tensor("layers.0.w").path(), ck.tensor("norm").path());
  EXPECT_THROW(ck.tensor("missing"), FormatError);

  // A single file through the same interface.
  SafetensorsCheckpoint one(shards[0]);
  EXPECT_FALSE(one.sharded());
  EXPECT_EQ(one.tensors().size(), 1u);
}

TEST_F(SafetensorsReaderTest, BadIndexEntriesAreNamed) {
  SafetensorsWriter w;
  std::vector<float> a(2, 1.0f);
  w.add_f32("x", {2}, a);
  w.write((dir_ / "s1.safetensors").string());
  auto index_with = [&](const std::string& wm) {
    std::string p = (dir_ / "model.safetensors.index.json").string();
    std::ofstream(p) << R"({"metadata":{},"weight_map":)" << wm << "}";
    try {
      SafetensorsCheckpoint ck(p);
    } catch (const FormatError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  std::string m = index_with(R"({"x":"s2.safetensors"})");
  EXPECT_NE(m.find("weight_map entry 'x'"), std::string::npos) << m;
  EXPECT_NE(m.find("s2.safetensors' does not exist"), std::string::npos) << m;
  m = index_with(R"({"y":"s1.safetensors"})");
  EXPECT_NE(m.find("'y': tensor not found in shard 's1.safetensors'"), std::string::npos) << m;
  m = index_with(R"({"x":"../s1.safetensors"})");
  EXPECT_NE(m.find("relative path inside"), std::string::npos) << m;
  m = index_with(R"({"x":3})");
  EXPECT_NE(m.find("expected a shard file name"), std::string::npos) << m;
  EXPECT_EQ(index_with(R"({"x":"s1.safetensors"})"), "accepted");
}

}  // namespace
}  // namespace polysafe::formats
