// Loading HF safetensors checkpoints (config.json + model.safetensors +
// tokenizer.json): scripts/reference/gguf_to_hf_checkpoint.py writes the HF form
// of a GGUF with numpy alone (undoing llama.cpp's Q/K permutation and naming),
// and the engine must produce the same logits from both forms.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "engine/engine_error.h"
#include "engine/model.h"
#include "tokenizer/tokenizer.h"
#include "test_paths.h"

namespace fs = std::filesystem;
using namespace polysafe;
using namespace polysafe::test;

namespace {

// A random-weight GGUF of `arch` and its HF checkpoint, in `dir`.
std::string make_pair(const ScratchDir& dir, const std::string& arch, int seed) {
  std::string gguf = dir.file(arch + ".gguf"), hf = dir.file(arch + "-hf"), out;
  std::string cmd = std::string(polysafe_binary()) + " convert smollm2-135m-instruct --random-arch " + arch +
                    " --seed " + std::to_string(seed) + " --out " + gguf;
  EXPECT_EQ(run_command(cmd, &out), 0) << out;
  cmd = "python3 " + source_dir() + "/scripts/reference/gguf_to_hf_checkpoint.py --gguf " + gguf + " --out " + hf +
        " --tokenizer-kind bytelevel";
  EXPECT_EQ(run_command(cmd, &out), 0) << out;
  return hf;
}

// Both fixtures, written once per test process.
const ScratchDir& fixtures() {
  static ScratchDir dir("st");
  static bool made = false;
  if (!made) {
    make_pair(dir, "llama", 1);
    make_pair(dir, "qwen2", 2);
    made = true;
  }
  return dir;
}

// A writable copy of a fixture's HF checkpoint.
std::string copy_checkpoint(const ScratchDir& to, const std::string& arch) {
  std::string dst = to.file(arch + "-hf");
  fs::copy(fixtures().file(arch + "-hf"), dst, fs::copy_options::recursive);
  return dst;
}

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  float m = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

}  // namespace

TEST(SafetensorsCheckpoint, SameLogitsAsTheGgufItCameFrom) {
  const ScratchDir& dir = fixtures();
  for (std::string arch : {"llama", "qwen2"}) {
    SCOPED_TRACE(arch);
    std::string hf = dir.file(arch + "-hf");
    engine::LoadOptions lo;
    lo.threads = 2;
    auto from_gguf = engine::Model::load(dir.file(arch + ".gguf"), lo);
    auto from_hf = engine::Model::load(hf, lo);
    EXPECT_EQ(from_hf->config().arch_name, from_gguf->config().arch_name);
    EXPECT_EQ(from_hf->config().n_layer, from_gguf->config().n_layer);
    // The tokenizer.json form encodes as the GGUF form does.
    auto ids = from_gguf->tokenizer().encode("Bonjour, le monde! Привет, мир. 123", false);
    EXPECT_EQ(from_hf->tokenizer().encode("Bonjour, le monde! Привет, мир. 123", false), ids);
    std::vector<std::vector<int32_t>> seqs = {ids, {1, 2, 3, 40, 500, 6000}};
    auto a = from_gguf->forward(seqs), b = from_hf->forward(seqs);
    ASSERT_EQ(a.size(), b.size());
    for (size_t s = 0; s < a.size(); ++s) EXPECT_LE(max_abs_diff(a[s].logits, b[s].logits), 1e-5f);
  }
}

TEST(SafetensorsCheckpoint, MissingOrMisshapedTensorIsNamed) {
  ScratchDir dir("st-bad");
  std::string hf = copy_checkpoint(dir, "llama");
  // Drop one tensor from the checkpoint with the safetensors package.
  std::string out;
  std::string py = "python3 -c \"from safetensors.numpy import load_file, save_file; p='" + hf +
                   "/model.safetensors'; t=load_file(p); del t['model.layers.1.mlp.up_proj.weight']; save_file(t, p)\"";
  ASSERT_EQ(run_command(py, &out), 0) << out;
  try {
    engine::Model::load(hf);
    FAIL() << "loaded a checkpoint without a tensor";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("model.layers.1.mlp.up_proj.weight"), std::string::npos) << e.what();
  }
  // A config.json that contradicts the tensors' shapes.
  std::string hf2 = copy_checkpoint(dir, "qwen2");
  nlohmann::json cfg;
  std::ifstream(hf2 + "/config.json") >> cfg;
  cfg["intermediate_size"] = 96;
  std::ofstream(hf2 + "/config.json") << cfg.dump();
  try {
    engine::Model::load(hf2);
    FAIL() << "loaded a checkpoint whose config contradicts its tensors";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("mlp."), std::string::npos) << e.what();
  }
}
