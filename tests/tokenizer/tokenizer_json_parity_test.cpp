// tokenizer.json loading, checked against HuggingFace `tokenizers` on the same
// >= 3,000 strings as the llama.cpp parity test. The tokenizer.json files are made
// at test time from the GGUF vocabularies (scripts/reference/make_tokenizer_json.py)
// and the reference ids come from scripts/reference/hf_tokenize.py.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "test_paths.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/tokenizer_reference.h"

namespace polysafe::tokenizer {
namespace {

std::string q(const std::string& s) { return "'" + s + "'"; }

void check_hf(const std::string& model, const std::string& kind) {
  auto ref = test::load_reference(model);
  ASSERT_GE(ref.cases.size(), 3000u);
  const std::string dir = test::make_temp_dir();
  const std::string scripts = test::source_dir() + "/scripts/reference/";
  const std::string tj = dir + "/tokenizer.json", cases = dir + "/cases.json", ids = dir + "/ids.json";
  test::write_cases_json(ref, cases);
  std::string out;
  ASSERT_EQ(test::run_command("python3 " + q(scripts + "make_tokenizer_json.py") + " --gguf " +
                                  q(test::model_path(model)) + " --kind " + kind + " --out " + q(tj),
                              &out),
            0)
      << out;
  ASSERT_EQ(test::run_command("python3 " + q(scripts + "hf_tokenize.py") + " " + q(tj) + " " + q(cases) + " " + q(ids), &out), 0)
      << out;
  std::ifstream in(ids);
  const auto want = nlohmann::json::parse(in).get<std::vector<std::vector<int32_t>>>();
  ASSERT_EQ(want.size(), ref.cases.size());

  auto tok = Tokenizer::from_tokenizer_json(tj);
  size_t agree = 0, shown = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    // HF always recognises added tokens and applies its post-processor.
    auto got = tok->encode(ref.cases[i].text, true, true);
    agree += got == want[i];
    if (got != want[i] && shown++ < 5) {
      ADD_FAILURE() << kind << " " << ref.cases[i].where << ": '" << ref.cases[i].text.substr(0, 160)
                    << "': " << got.size() << " ids vs HF " << want[i].size();
    }
  }
  std::printf("[parity] tokenizer.json %s (from %s) vs HF tokenizers: %zu/%zu identical\n", kind.c_str(),
              model.c_str(), agree, want.size());
  EXPECT_EQ(agree, want.size());
  std::filesystem::remove_all(dir);
}

TEST(TokenizerJsonParity, ByteLevelBpeFromSmolLM2) { check_hf("smollm2-135m-instruct", "bytelevel"); }

TEST(TokenizerJsonParity, SentencePieceBpeWithByteFallbackFromGemma3) { check_hf("gemma3-270m", "spm-bpe"); }

}  // namespace
}  // namespace polysafe::tokenizer
