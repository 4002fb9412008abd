// The binary as a user runs it: exit codes, help, inspect, models, tokenize,
// chat-template, and one-line errors on bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <vector>
#include <fstream>

#include "test_paths.h"

#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>

using polysafe::test::polysafe_binary;
using polysafe::test::run_command;

namespace {
struct Result {
  int code;
  std::string out;
};
Result run(const std::string& args) {
  Result r;
  r.code = run_command(polysafe_binary() + " " + args, &r.out);
  return r;
}
}  // namespace

TEST(Cli, VersionHelpAndUsageErrors) {
  auto v = run("--version");
  EXPECT_EQ(v.code, 0);
  EXPECT_NE(v.out.find("polysafe 0."), std::string::npos);
  auto h = run("--help");
  EXPECT_EQ(h.code, 0);
  for (const char* cmd : {"inspect", "models", "tokenize", "detokenize", "chat-template", "download"})
    EXPECT_NE(h.out.find(cmd), std::string::npos) << cmd;
  EXPECT_EQ(run("inspect --help").code, 0);
  EXPECT_EQ(run("no-such-command").code, 2);
  EXPECT_EQ(run("").code, 2);
  EXPECT_EQ(run("inspect --no-such-flag").code, 2);
}

TEST(Cli, InspectDefaultModel) {
  auto r = run("inspect");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("architecture: llama"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("block_count"), std::string::npos);
  EXPECT_NE(r.out.find("vocabulary 49152"), std::string::npos);
  EXPECT_NE(r.out.find("chat template: present"), std::string::npos);
  EXPECT_NE(r.out.find("tensors (272)"), std::string::npos);
  EXPECT_NE(r.out.find("Q4_1 x210"), std::string::npos);
}

TEST(Cli, InspectGemmaJson) {
  auto r = run("inspect gemma3-270m --json");
  ASSERT_EQ(r.code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["architecture"], "gemma3");
  EXPECT_EQ(j["tensors"].size(), 236u);
  EXPECT_EQ(j["tokenizer"]["model"], "llama");
  EXPECT_EQ(j["tokenizer"]["vocab_size"], 262144);
  EXPECT_EQ(j["tokenizer"]["chat_template"], false);
  EXPECT_EQ(j["hyperparameters"]["attention.sliding_window"], "512");
  // Gemma 3 270M: about 268M parameters (embeddings 262144 x 640 dominate).
  uint64_t params = j["total_parameters"];
  EXPECT_GT(params, 260000000u);
  EXPECT_LT(params, 280000000u);
}

TEST(Cli, ModelsListsBothDefaults) {
  auto r = run("models --json");
  ASSERT_EQ(r.code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_GE(j.size(), 2u);
  EXPECT_EQ(j[0]["name"], "smollm2-135m-instruct");
  EXPECT_TRUE(j[0]["installed"].get<bool>());
  EXPECT_EQ(j[1]["name"], "gemma3-270m");
  EXPECT_TRUE(j[1]["installed"].get<bool>());
}

TEST(Cli, BadInputIsOneLineErrorWithExitOne) {
  auto missing = run("inspect /no/such/model.gguf");
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.out.find("/no/such/model.gguf"), std::string::npos);

  auto unknown = run("inspect no-such-model-name");
  EXPECT_EQ(unknown.code, 1);
  EXPECT_NE(unknown.out.find("known: smollm2-135m-instruct"), std::string::npos) << unknown.out;

  // A real model cut short at several points: each message names the file and
  // the field being read, on one line, with exit code 1.
  std::string src = polysafe::test::model_path("smollm2-135m-instruct");
  for (size_t cut_at : {size_t(10), size_t(5000), size_t(1000000), size_t(60000000)}) {
    polysafe::test::ScratchDir dir;
    std::string cut = (dir.path() / "cut.gguf").string();
    {
      std::ifstream in(src, std::ios::binary);
      std::string head(cut_at, '\0');
      in.read(head.data(), head.size());
      std::ofstream(cut, std::ios::binary) << head;
    }
    auto r = run("inspect " + cut);
    EXPECT_EQ(r.code, 1) << cut_at;
    EXPECT_EQ(r.out.rfind("polysafe: error: " + cut + ": ", 0), 0u) << r.out;
    bool names_field = r.out.find("header") != std::string::npos || r.out.find("key '") != std::string::npos ||
                       r.out.find("tensor '") != std::string::npos;
    EXPECT_TRUE(names_field) << r.out;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  }
}

TEST(Cli, EmbedWritesOneRowPerText) {
  polysafe::test::ScratchDir dir;
  const std::string in = dir.file("texts.jsonl"), out = dir.file("texts.f32");
  std::ofstream(in) << "{\"text\": \"The weather is lovely today.\"}\n{\"text\": \"Je déteste les lundis.\"}\n";
  std::string log;
  ASSERT_EQ(run_command(polysafe_binary() + " embed smollm2-135m-instruct --file " + in + " --out " + out, &log), 0)
      << log;
  std::ifstream meta_in(out + ".json");
  ASSERT_TRUE(meta_in);
  auto meta = nlohmann::json::parse(meta_in);
  EXPECT_EQ(meta["rows"], 2);
  EXPECT_EQ(meta["dim"], 576);  // SmolLM2-135M's hidden width
  std::ifstream f(out, std::ios::binary);
  std::vector<float> v(2 * 576);
  f.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(float)));
  ASSERT_EQ(f.gcount(), static_cast<std::streamsize>(v.size() * sizeof(float)));
  EXPECT_FALSE(f.peek() != EOF) << "exactly two rows";
  double diff = 0, norm = 0;
  for (size_t i = 0; i < 576; ++i) diff += std::abs(v[i] - v[576 + i]), norm += std::abs(v[i]);
  EXPECT_GT(norm, 0);
  EXPECT_GT(diff, 0.01 * norm) << "different texts, different features";
  std::ofstream(in) << "{\"text\": \"ok\"}\n{\"body\": \"no text field\"}\n";
  log.clear();
  EXPECT_EQ(run_command(polysafe_binary() + " embed smollm2-135m-instruct --file " + in + " --out " + out, &log), 1);
  EXPECT_NE(log.find("texts.jsonl:2: field 'text'"), std::string::npos) << log;
}
