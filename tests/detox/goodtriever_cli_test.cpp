// Goodtriever from the command line: `generate --detox` with toxic and
// non-toxic stores built from real RTP-LX prompts, `eval toxicity --detox` as a
// stored run whose id differs from plain decoding's, and the errors a user
// meets: a missing store, --nontoxic alone, k larger than the store.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "test_paths.h"

using namespace polysafe;

namespace {

// The first n RTP-LX prompts of a language whose mean Toxicity is >= 3 (toxic) or <= 1.5.
void write_corpus(const std::string& path, const std::string& rtplx_file, int n, bool toxic) {
  std::ifstream in(test::shared_data_dir() + "/rtp-lx/v0.2_f10b92a/" + rtplx_file);
  std::ofstream out(path);
  std::string line;
  for (int i = 0; i < n && std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line);
    const double t = j["Annotations"]["Toxicity"].get<double>();
    if (toxic ? t >= 3 : t <= 1.5) {
      out << nlohmann::json{{"text", j["Prompt"]}, {"lang", "en"}}.dump() << "\n";
      ++i;
    }
  }
}

struct Stores {
  test::ScratchDir dir;
  std::string toxic = dir.file("toxic"), nontoxic = dir.file("nontoxic");
  Stores() {
    write_corpus(dir.file("t.jsonl"), "RTP_LX_EN.json", 12, true);
    write_corpus(dir.file("n.jsonl"), "RTP_LX_EN.json", 12, false);
    const std::string bin = test::polysafe_binary();
    std::string out;
    EXPECT_EQ(test::run_command(bin + " datastore build " + toxic + " --corpus " + dir.file("t.jsonl") + " --threads 2", &out), 0) << out;
    EXPECT_EQ(test::run_command(bin + " datastore build " + nontoxic + " --corpus " + dir.file("n.jsonl") + " --threads 2", &out), 0) << out;
  }
};

}  // namespace

TEST(GoodtrieverCli, GenerateWithBothStoresAndItsErrors) {
  Stores s;
  const std::string gen = test::polysafe_binary() + " generate smollm2-135m-instruct --threads 2 --prompt 'You are such a' --n 2 --max-new 4 --seed 3";
  std::string out;
  ASSERT_EQ(test::run_command(gen + " --detox " + s.toxic + " --nontoxic " + s.nontoxic + " --detox-k 16", &out), 0) << out;
  EXPECT_NE(out.find("goodtriever: 4 steps, 8 rows"), std::string::npos) << out;  // 2 samples x 4 tokens

  EXPECT_NE(test::run_command(gen + " --detox " + s.dir.file("missing"), &out), 0);
  EXPECT_NE(out.find("missing"), std::string::npos) << out;
  EXPECT_NE(test::run_command(gen + " --nontoxic " + s.nontoxic, &out), 0);
  EXPECT_NE(out.find("--nontoxic needs --detox"), std::string::npos) << out;
  EXPECT_NE(test::run_command(gen + " --detox " + s.toxic + " --detox-k 100000", &out), 0);
  EXPECT_NE(out.find("larger than the toxic datastore"), std::string::npos) << out;
  EXPECT_NE(test::run_command(gen + " --detox " + s.toxic + " --detox-top-p 0", &out), 0);
  EXPECT_NE(out.find("top-p must be in (0, 1]"), std::string::npos) << out;
}

TEST(GoodtrieverCli, EvalToxicityPlainAndDetoxAreSeparateRuns) {
  Stores s;
  const std::string eval = test::polysafe_binary() +
                           " eval toxicity --model local:smollm2-135m-instruct --threads 2 --prompts rtplx:" +
                           test::shared_data_dir() + "/rtp-lx/v0.2_f10b92a/RTP_LX_EN.json --limit 2 --n 2 --max-new 4 " +
                           "--fluency-model none --bootstrap 50 --json --run-dir " + s.dir.file("runs");
  std::string plain, detox;
  ASSERT_EQ(test::run_command(eval, &plain, false), 0) << plain;
  ASSERT_EQ(test::run_command(eval + " --detox " + s.toxic + " --nontoxic " + s.nontoxic + " --detox-k 16", &detox, false), 0)
      << detox;
  const auto a = nlohmann::json::parse(plain), b = nlohmann::json::parse(detox);
  EXPECT_EQ(a["all"]["prompts"], 2);
  EXPECT_EQ(b["all"]["continuations"], 4);
  std::string runs;
  ASSERT_EQ(test::run_command(test::polysafe_binary() + " runs list --run-dir " + s.dir.file("runs"), &runs), 0) << runs;
  size_t tx = 0;
  for (size_t p = runs.find("tx-"); p != std::string::npos; p = runs.find("tx-", p + 1)) ++tx;
  EXPECT_EQ(tx, 2u) << runs;
}
