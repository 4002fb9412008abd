// Goodtriever's decoding rule against hand-computed examples, then the whole
// hook on SmolLM2's real hidden states: a toxic store holding a sentence makes
// the model less likely to continue that sentence the way the store does.
#include "detox/goodtriever.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <numeric>
#include <random>

#include "detox/detox_error.h"
#include "engine/model.h"
#include "test_paths.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"

namespace polysafe::detox {
namespace {

namespace fs = std::filesystem;

TEST(GoodtrieverRule, KnnDistributionSumsNeighboursAndFloorsUnseenTokens) {
  // T = 100: distances 0 and 100 ln 2 weigh 1 and 1/2; token 2 gets 2/3, token 1
  // gets 1/3. The third neighbour (distance 6000: weight e^-60, log <= -50) is
  // raised to the floor; the -1 (IVF found fewer) is skipped.
  const float d[] = {0.0f, float(100 * std::log(2.0)), 6000.0f, 1.0f};
  const int32_t t[] = {2, 1, 4, -1};
  const KnnDistribution k = knn_distribution(d, t, 4, 100.0f, 5);
  const double l23 = std::log(2.0 / 3.0), l13 = std::log(1.0 / 3.0);
  EXPECT_NEAR(k.log_prob(2), l23, 1e-6);
  EXPECT_NEAR(k.log_prob(1), l13, 1e-6);
  // Unseen tokens (0, 3) and the e^-60 one (4) sit at the smallest log above -50.
  EXPECT_NEAR(k.log_prob(0), l13, 1e-6);
  EXPECT_NEAR(k.log_prob(3), l13, 1e-6);
  EXPECT_NEAR(k.log_prob(4), l13, 1e-6);
  EXPECT_FLOAT_EQ(k.floor, float(l13));
  // Weights 1, 1/2, e^-60 (normalised): effective neighbours = exp(entropy), just under 2.
  const double w0 = 1 / (1.5 + std::exp(-60.0)), w1 = 0.5 * w0;
  EXPECT_NEAR(k.effective_k, std::exp(-(w0 * std::log(w0) + w1 * std::log(w1))), 1e-6);  // the distance is a float
}

TEST(GoodtrieverRule, KnnDistributionRejectsTokensOutsideTheVocabulary) {
  const float d[] = {0.0f};
  const int32_t t[] = {7};
  EXPECT_THROW(knn_distribution(d, t, 1, 100.0f, 5), DetoxError);
}

TEST(GoodtrieverRule, TopPKeepsTheSmallestNucleusReachingP) {
  const float logits[] = {std::log(0.5f), std::log(0.3f), std::log(0.15f), std::log(0.05f)};
  float out[4];
  top_p_log_softmax(logits, 4, 0.9f, out);
  EXPECT_NEAR(out[0], std::log(0.5), 1e-6);  // log-probabilities are not renormalised
  EXPECT_NEAR(out[2], std::log(0.15), 1e-6);
  EXPECT_TRUE(std::isinf(out[3]) && out[3] < 0);
  top_p_log_softmax(logits, 4, 0.75f, out);  // 0.5 + 0.3 passes 0.75
  EXPECT_TRUE(std::isinf(out[2]));
  top_p_log_softmax(logits, 4, 0.1f, out);  // at least one token survives
  EXPECT_TRUE(std::isfinite(out[0]));
  EXPECT_TRUE(std::isinf(out[1]));
}

TEST(GoodtrieverRule, NucleusMatchesAFullSortOnRandomRows) {
  // Peaked and flat rows, several p: the fast selection must keep exactly the
  // tokens a full descending sort keeps.
  std::mt19937 rng(7);
  for (const float scale : {0.5f, 3.0f, 12.0f})
    for (const float p : {0.1f, 0.5f, 0.9f, 0.99f}) {
      const int64_t vocab = 5000;
      std::vector<float> logits(vocab), out(vocab);
      std::normal_distribution<float> nd(0.0f, scale);
      for (auto& x : logits) x = nd(rng);
      const auto kept = top_p_log_softmax(logits.data(), vocab, p, out.data());
      std::vector<int32_t> order(vocab);
      std::iota(order.begin(), order.end(), 0);
      std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return logits[a] > logits[b]; });
      double z = 0;
      for (float x : logits) z += std::exp(double(x));
      double cum = 0;
      size_t n = 0;
      while (cum < p) cum += std::exp(double(logits[order[n++]])) / z;
      ASSERT_EQ(kept.size(), n) << "scale " << scale << " p " << p;
      for (size_t i = 0; i < n; ++i) EXPECT_TRUE(std::isfinite(out[order[i]]));
      for (size_t i = n; i < size_t(vocab); ++i) EXPECT_TRUE(std::isinf(out[order[i]]));
    }
}

TEST(GoodtrieverRule, CombinesByHandWithTheModelStandingInForTheNonToxicStore) {
  // p_lm = (.5, .3, .15, .05); top-p .9 keeps tokens 0..2; p_toxic = (1/3, 1/3, 2/3, 1/3).
  // Unnormalised p = p_lm * (p_lm / p_toxic)^2:
  //   0: .5 * 1.5^2 = 1.125;  1: .3 * .9^2 = .243;  2: .15 * .225^2 = .00759375;  3: 0.
  float logits[] = {std::log(0.5f) + 3, std::log(0.3f) + 3, std::log(0.15f) + 3, std::log(0.05f) + 3};
  KnnDistribution tox;
  tox.logp = {{2, float(std::log(2.0 / 3))}};
  tox.floor = float(std::log(1.0 / 3));
  GoodtrieverParams p;
  goodtriever_combine(logits, 4, tox, nullptr, p);
  const double z = 1.125 + 0.243 + 0.00759375;
  EXPECT_NEAR(std::exp(logits[0]), 1.125 / z, 1e-5);
  EXPECT_NEAR(std::exp(logits[1]), 0.243 / z, 1e-5);
  EXPECT_NEAR(std::exp(logits[2]), 0.00759375 / z, 1e-6);
  EXPECT_TRUE(std::isinf(logits[3]) && logits[3] < 0);
}

TEST(GoodtrieverRule, CombinesByHandWithBothStores) {
  // lambda 1, top-p 1: p = p_lm * p_non / p_tox.
  float logits[] = {0.0f, 0.0f, 0.0f};  // uniform
  KnnDistribution tox, non;
  tox.logp = {{0, float(std::log(0.5))}};
  tox.floor = float(std::log(0.25));
  non.logp = {{2, float(std::log(0.5))}};
  non.floor = float(std::log(0.25));
  GoodtrieverParams p;
  p.lambda = 1.0f;
  p.top_p = 1.0f;
  goodtriever_combine(logits, 3, tox, &non, p);
  // Unnormalised: .5, 1, 2 -> /3.5.
  EXPECT_NEAR(std::exp(logits[0]), 0.5 / 3.5, 1e-6);
  EXPECT_NEAR(std::exp(logits[1]), 1.0 / 3.5, 1e-6);
  EXPECT_NEAR(std::exp(logits[2]), 2.0 / 3.5, 1e-6);
  // lambda 0 is plain (filtered) decoding.
  float plain[] = {std::log(0.7f), std::log(0.2f), std::log(0.1f)};
  p.lambda = 0.0f;
  p.top_p = 0.9f;
  goodtriever_combine(plain, 3, tox, &non, p);
  EXPECT_NEAR(std::exp(plain[0]), 0.7 / 0.9, 1e-6);
  EXPECT_NEAR(std::exp(plain[1]), 0.2 / 0.9, 1e-6);
  EXPECT_TRUE(std::isinf(plain[2]));
}

TEST(GoodtrieverRule, ParametersOutOfRangeAreUsageErrors) {
  GoodtrieverParams p;
  p.k = 0;
  EXPECT_THROW(p.validate(), UsageError);
  p = {};
  p.temperature = 0;
  EXPECT_THROW(p.validate(), UsageError);
  p = {};
  p.top_p = 1.5f;
  EXPECT_THROW(p.validate(), UsageError);
  p = {};
  p.lambda = -1;
  EXPECT_THROW(p.validate(), UsageError);
}

const engine::Model& smollm() {
  static std::unique_ptr<engine::Model> m = [] {
    engine::LoadOptions lo;
    lo.threads = 2;
    return engine::Model::load(test::model_path("smollm2-135m-instruct"), lo);
  }();
  return *m;
}

fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("polysafe-goodtriever-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  return d;
}

TEST(Goodtriever, ToxicStoreLowersTheContinuationItHolds) {
  const std::string text = "The quick brown fox jumps over the lazy dog.";
  const fs::path dir = fresh_dir("fox");
  BuildOptions bo;
  Datastore toxic = Datastore::build(smollm(), {{text, "en", "fox"}}, bo, dir.string());

  engine::Generator gen(smollm());
  engine::GenerateOptions go;
  go.sampling.temperature = 0;
  go.max_new_tokens = 1;
  const std::string prompt = "The quick brown fox jumps over the lazy";
  const int32_t dog = smollm().tokenizer().encode(" dog", false, false).at(0);

  float plain_lp = 0, detox_lp = 0;
  int32_t plain_top = -1;
  gen.generate({prompt}, go, [&](engine::HookStep& s) {
    plain_top = int32_t(std::max_element(s.logits, s.logits + s.vocab) - s.logits);
    top_p_log_softmax(s.logits, s.vocab, 1.0f, s.logits);
    plain_lp = s.logits[dog];
  });
  ASSERT_EQ(plain_top, dog) << "the model should finish the pangram";

  // T such that the 8th neighbour weighs e^-20 of the first: the store's
  // distribution then spreads over several tokens (a single dominant neighbour
  // would leave every other token at the same floor and push nothing).
  std::vector<float> last_hidden;
  gen.generate({prompt}, go, [&](engine::HookStep& s) {
    last_hidden.assign(s.ffn_input, s.ffn_input + s.hidden_size);
  });
  ASSERT_GE(toxic.entries(), 8);
  const SearchResult nn = toxic.search(last_hidden.data(), 1, 8);
  EXPECT_LT(nn.distances[0], 1e-2f) << "the prompt's own position is in the store";
  GoodtrieverParams gp;
  gp.k = 8;
  gp.temperature = (nn.distances[7] - nn.distances[0]) / 20.0f;
  Goodtriever gt(toxic, nullptr, gp);
  auto inner = gt.hook();
  gen.generate({prompt}, go, [&](engine::HookStep& s) {
    inner(s);
    detox_lp = s.logits[dog];
  });
  EXPECT_LT(detox_lp, plain_lp - 1.0f) << "plain " << plain_lp << ", goodtriever " << detox_lp;
  EXPECT_EQ(gt.timing().steps, 1);
  EXPECT_NE(gt.describe().find("\"fox\""), std::string::npos);
  fs::remove_all(dir);
}

TEST(Goodtriever, RefusesKLargerThanTheStore) {
  const fs::path dir = fresh_dir("small");
  Datastore toxic = Datastore::build(smollm(), {{"Short text here.", "en", "s"}}, {}, dir.string());
  GoodtrieverParams gp;  // k = 1024 > the store's few entries
  try {
    Goodtriever gt(toxic, nullptr, gp);
    FAIL() << "k larger than the store was accepted";
  } catch (const DetoxError& e) {
    EXPECT_NE(std::string(e.what()).find("larger than the toxic datastore"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace polysafe::detox
