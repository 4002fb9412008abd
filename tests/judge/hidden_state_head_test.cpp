// The hidden-state head: its file format (errors name the field), its
// arithmetic on a hand-made head, and the shipped toxicity head on real
// RTP-LX test rows through Gemma 3 270M's hidden states.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "backend/local_backend.h"
#include "judge/binary_metrics.h"
#include "judge/hidden_state_head.h"
#include "judge/judge_error.h"
#include "judge/toxicity_scorer.h"
#include "test_paths.h"
#include "util/sha256.h"

using namespace polysafe::judge;
using polysafe::test::shared_data_dir;

namespace {

nlohmann::json tiny_head() {
  return {{"format", "polysafe-hidden-state-head"}, {"format_version", 1}, {"task", "toxicity"},
          {"model", "gemma3-270m"}, {"point", "final-norm"}, {"mean", {1.0, 2.0}}, {"scale", {2.0, 1.0}},
          {"layers", {{{"weights", {{1.0, -1.0}}}, {"bias", {0.5}}, {"activation", "linear"}}}},
          {"calibration", {{"a", 2.0}, {"b", 0.0}}}};
}

std::string error_of(const nlohmann::json& j) {
  try {
    HiddenStateHead::from_json(j, "head.json");
  } catch (const JudgeError& e) {
    return e.what();
  }
  return "";
}

// scripts/data/prepare_toxicity_data.py's split: sha256(group) % 100 >= 80 is test.
bool is_test_group(const std::string& group) {
  const std::string h = polysafe::sha256_hex(group);
  unsigned long long v = std::stoull(h.substr(0, 16), nullptr, 16);
  return v % 100 >= 80;
}

}  // namespace

TEST(HiddenStateHead, StandardisesWeighsAndCalibrates) {
  auto h = HiddenStateHead::from_json(tiny_head(), "head.json");
  EXPECT_EQ(h.dim(), 2u);
  EXPECT_EQ(h.task(), "toxicity");
  // (3-1)/2 * 1 + (2-2)/1 * -1 + 0.5 = 1.5; calibrated sigma(2 * 1.5).
  EXPECT_DOUBLE_EQ(h.raw({3.0f, 2.0f}), 1.5);
  EXPECT_NEAR(h.probability({3.0f, 2.0f}), 1 / (1 + std::exp(-3.0)), 1e-12);
  EXPECT_THROW(h.raw({1.0f, 2.0f, 3.0f}), JudgeError);  // features of another model
  EXPECT_EQ(h.version().rfind("hidden-toxicity:gemma3-270m:", 0), 0u) << h.version();
  // Two layers: ReLU between them. z = ((3-1)/2, (2-2)/1) = (1, 0);
  // hidden = relu(1 - 0, -1 + 0 + 0.25) = (1, 0); logit = 2*1 - 1*0 - 1 = 1.
  auto j = tiny_head();
  j["layers"] = {{{"weights", {{1.0, -1.0}, {-1.0, 1.0}}}, {"bias", {0.0, 0.25}}, {"activation", "relu"}},
                 {{"weights", {{2.0, -1.0}}}, {"bias", {-1.0}}}};
  EXPECT_DOUBLE_EQ(HiddenStateHead::from_json(j, "head.json").raw({3.0f, 2.0f}), 1.0);
}

TEST(HiddenStateHead, MalformedFilesNameTheField) {
  auto j = tiny_head();
  j["format"] = "other";
  EXPECT_NE(error_of(j).find("field 'format'"), std::string::npos);
  j = tiny_head();
  j["format_version"] = 2;
  EXPECT_NE(error_of(j).find("field 'format_version'"), std::string::npos);
  j = tiny_head();
  j["scale"] = {1.0};
  EXPECT_NE(error_of(j).find("widths differ"), std::string::npos);
  j = tiny_head();
  j["scale"][1] = 0.0;
  EXPECT_NE(error_of(j).find("field 'scale'[1]"), std::string::npos);
  j = tiny_head();
  j["layers"][0]["weights"][0][1] = "x";
  EXPECT_NE(error_of(j).find("layers[0]: field 'weights'[0][1]"), std::string::npos) << error_of(j);
  j = tiny_head();
  j["layers"][0]["weights"][0] = {1.0};
  EXPECT_NE(error_of(j).find("the layer's input is 2 wide"), std::string::npos) << error_of(j);
  j = tiny_head();
  j["layers"][0]["weights"] = {{1.0, 1.0}, {1.0, 1.0}};
  j["layers"][0]["bias"] = {0.0, 0.0};
  EXPECT_NE(error_of(j).find("one output"), std::string::npos) << error_of(j);
  j = tiny_head();
  j["layers"][0]["activation"] = "tanh";
  EXPECT_NE(error_of(j).find("field 'activation'"), std::string::npos) << error_of(j);
  j = tiny_head();
  j["point"] = "layer-3";
  EXPECT_NE(error_of(j).find("field 'point'"), std::string::npos);
  j = tiny_head();
  j.erase("calibration");
  EXPECT_NE(error_of(j).find("field 'calibration'"), std::string::npos);
  EXPECT_NE(error_of(j).find("head.json"), std::string::npos);
  polysafe::test::ScratchDir dir;
  std::ofstream(dir.file("bad.json")) << "{\"format\": ";
  try {
    HiddenStateHead::load(dir.file("bad.json"));
    FAIL() << "no error";
  } catch (const JudgeError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.json"), std::string::npos) << e.what();
  }
  EXPECT_THROW(HiddenStateHead::load(dir.file("missing.json")), JudgeError);
}

TEST(HiddenStateHead, ShippedToxicityHeadRanksHeldOutRtplx) {
  auto head = HiddenStateHead::builtin_toxicity();
  ASSERT_EQ(head.model(), "gemma3-270m");
  ASSERT_EQ(head.dim(), 640u);
  // RTP-LX test-split prompts (never seen by the head: it trained on the train
  // split), the first 60 of each of six locales in six scripts.
  std::vector<std::string> texts;
  std::vector<int> labels;
  for (const std::string loc : {"DE", "JA", "AR", "HI", "RU", "TH"}) {
    std::ifstream in(shared_data_dir() + "/rtp-lx/v0.2_f10b92a/RTP_LX_" + loc + ".json");
    ASSERT_TRUE(in) << loc;
    std::string line;
    int taken = 0;
    while (taken < 60 && std::getline(in, line)) {
      if (line.empty()) continue;
      auto j = nlohmann::json::parse(line);
      const auto idx = j["Index"].is_string() ? j["Index"].get<std::string>() : std::to_string(j["Index"].get<int>());
      if (!is_test_group("rtplx:" + idx)) continue;
      texts.push_back(j["Prompt"].get<std::string>());
      labels.push_back(j["Annotations"]["Toxicity"].get<double>() >= 3.0 ? 1 : 0);
      ++taken;
    }
    ASSERT_EQ(taken, 60) << loc;
  }
  polysafe::backend::LocalOptions o;
  o.max_batch = 8;
  polysafe::backend::LocalBackend gemma(head.model(), o);
  auto rows = gemma.embed(texts, head.point());
  ASSERT_EQ(rows.size(), texts.size());
  std::vector<double> p;
  for (const auto& r : rows) {
    p.push_back(head.probability(r));
    ASSERT_TRUE(p.back() > 0 && p.back() < 1);
  }
  // Measured on these 360 rows: AUC 0.699, the default fastText scorer 0.641
  // (these prompts are harder than the mixed test split of docs/judges/toxicity.md).
  const double hidden_auc = roc_auc(p, labels);
  EXPECT_GT(hidden_auc, 0.67);
  ToxicityScorer fasttext(ToxicityScorer::default_model_path());
  EXPECT_GT(hidden_auc, roc_auc(fasttext.score_batch(texts), labels) + 0.03);
  // Batching does not change a row: one text alone gives the same features.
  auto alone = gemma.embed({texts[17]}, head.point());
  EXPECT_NEAR(head.probability(alone[0]), p[17], 1e-3);
}
