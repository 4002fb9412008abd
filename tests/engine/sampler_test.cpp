// SequenceSampler: each step of the chain checked against values worked out by
// hand, the documented order (penalty -> top-k -> top-p -> min-p -> temperature),
// sampled frequencies against the softmax, seeds that reproduce, and parameter
// validation.
#include "engine/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <vector>

#include "util/error.h"

namespace polysafe::engine {
namespace {

std::vector<double> softmax(const std::vector<float>& l, double t = 1.0) {
  double mx = -1e300;
  for (float x : l) mx = std::max(mx, x / t);
  double z = 0;
  for (float x : l) z += std::exp(x / t - mx);
  std::vector<double> p;
  for (float x : l) p.push_back(std::exp(x / t - mx) / z);
  return p;
}

// The set of tokens that `params` can ever produce from `logits`, estimated by
// drawing many times (tokens outside the kept set have probability exactly 0).
std::set<int32_t> support(const std::vector<float>& logits, SamplingParams params, int draws = 4000) {
  SequenceSampler s(params, 0);
  std::set<int32_t> seen;
  for (int i = 0; i < draws; ++i) seen.insert(s.sample(logits.data(), logits.size()).token);
  return seen;
}

// Frequencies over n draws.
std::vector<double> frequencies(const std::vector<float>& logits, SamplingParams params, int n) {
  SequenceSampler s(params, 0);
  std::vector<double> f(logits.size(), 0.0);
  for (int i = 0; i < n; ++i) f[static_cast<size_t>(s.sample(logits.data(), logits.size()).token)] += 1.0 / n;
  return f;
}

const std::vector<float> kLogits = {1.0f, 3.0f, -2.0f, 2.5f, 0.0f, 3.0f, -1.0f, 0.5f};

TEST(Sampler, GreedyIsArgmaxWithLowestIdOnTies) {
  SamplingParams p;
  p.temperature = 0;
  SequenceSampler s(p, 0);
  SampledToken t = s.sample(kLogits.data(), kLogits.size());
  EXPECT_EQ(t.token, 1);  // 3.0 at ids 1 and 5
  EXPECT_FLOAT_EQ(t.sample_logprob, 0.0f);
  EXPECT_NEAR(t.logprob, std::log(softmax(kLogits)[1]), 1e-6);
  EXPECT_EQ(s.history(), std::vector<int32_t>({1}));
}

TEST(Sampler, TopK1EqualsGreedyForAnySeedAndTemperature) {
  std::mt19937 rng(7);
  std::normal_distribution<float> nd(0, 3);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<float> l(1000);
    for (auto& x : l) x = nd(rng);
    SamplingParams g;
    g.temperature = 0;
    SamplingParams k;
    k.top_k = 1;
    k.temperature = 0.5f + trial * 0.1f;
    k.seed = static_cast<uint64_t>(trial);
    SampledToken a = SequenceSampler(g, 0).sample(l.data(), l.size());
    SampledToken b = SequenceSampler(k, 3).sample(l.data(), l.size());
    EXPECT_EQ(a.token, b.token);
    EXPECT_FLOAT_EQ(a.logprob, b.logprob);
    EXPECT_FLOAT_EQ(b.sample_logprob, 0.0f);  // only one candidate left
  }
}

TEST(Sampler, TopKKeepsTheKHighest) {
  SamplingParams p;
  p.top_k = 3;
  EXPECT_EQ(support(kLogits, p), std::set<int32_t>({1, 3, 5}));
  p.top_k = 100;  // larger than the vocabulary: no-op
  EXPECT_EQ(support(kLogits, p, 20000).size(), kLogits.size());
}

TEST(Sampler, TopPKeepsTheMinimalNucleus) {
  // Probabilities 0.5, 0.25, 0.125, 0.0625, 0.0625 (logits = log p).
  std::vector<float> l = {std::log(0.0625f), std::log(0.25f), std::log(0.5f), std::log(0.0625f), std::log(0.125f)};
  SamplingParams p;
  p.top_p = 0.5f;  // 0.5 alone reaches it
  EXPECT_EQ(support(l, p), std::set<int32_t>({2}));
  p.top_p = 0.6f;  // 0.5 + 0.25 = 0.75 is the first sum >= 0.6
  EXPECT_EQ(support(l, p), std::set<int32_t>({1, 2}));
  p.top_p = 0.8f;  // 0.875
  EXPECT_EQ(support(l, p), std::set<int32_t>({1, 2, 4}));
  p.top_p = 0.9f;  // ties at 0.0625: the lower id (0) comes first
  EXPECT_EQ(support(l, p), std::set<int32_t>({0, 1, 2, 4}));
  p.top_p = 1.0f;
  EXPECT_EQ(support(l, p).size(), 5u);
}

TEST(Sampler, TopPOnLargeVocabularyNeedsMoreThanTheFirst256) {
  // A flat distribution over 1000 tokens: the nucleus for p = 0.5 is 500 tokens,
  // beyond the first lazily sorted 256.
  std::vector<float> l(1000, 0.0f);
  for (size_t i = 0; i < l.size(); ++i) l[i] = -1e-4f * static_cast<float>(i);  // strictly decreasing
  double z = 0;
  for (float x : l) z += std::exp(static_cast<double>(x));
  double cum = 0;
  int32_t m = 0;
  while (cum < 0.5) cum += std::exp(static_cast<double>(l[static_cast<size_t>(m++)])) / z;
  ASSERT_GT(m, 256);
  std::set<int32_t> expected;
  for (int32_t i = 0; i < m; ++i) expected.insert(i);
  SamplingParams p;
  p.top_p = 0.5f;
  EXPECT_EQ(support(l, p, 20000), expected);
}

TEST(Sampler, MinPKeepsTokensWithinFactorOfTheTop) {
  SamplingParams p;
  // p(3.0) * 0.5 -> logit >= 3 + ln 0.5 = 2.307: ids 1, 5 (3.0), 3 (2.5).
  p.min_p = 0.5f;
  EXPECT_EQ(support(kLogits, p), std::set<int32_t>({1, 3, 5}));
  p.min_p = 0.7f;  // 3 + ln 0.7 = 2.643: only the two 3.0s
  EXPECT_EQ(support(kLogits, p), std::set<int32_t>({1, 5}));
  p.min_p = 1.0f;
  EXPECT_EQ(support(kLogits, p), std::set<int32_t>({1, 5}));
}

TEST(Sampler, TemperatureComesAfterTruncation) {
  // llama.cpp order: top-p and min-p see the un-tempered distribution, so a
  // high temperature must not widen the nucleus.
  std::vector<float> l = {std::log(0.0625f), std::log(0.25f), std::log(0.5f), std::log(0.0625f), std::log(0.125f)};
  SamplingParams p;
  p.top_p = 0.6f;
  p.temperature = 5.0f;
  EXPECT_EQ(support(l, p), std::set<int32_t>({1, 2}));
  p.top_p = 1.0f;
  p.min_p = 0.4f;  // 0.25 >= 0.4 * 0.5
  EXPECT_EQ(support(l, p), std::set<int32_t>({1, 2}));
}

TEST(Sampler, TopKThenTopPRenormalisesOverTheKept) {
  // After top-k = 2 the two tokens have probabilities 2/3 and 1/3 (from 0.5,
  // 0.25): top-p = 0.6 then keeps only the first. Without top-k it keeps both.
  std::vector<float> l = {std::log(0.0625f), std::log(0.25f), std::log(0.5f), std::log(0.0625f), std::log(0.125f)};
  SamplingParams p;
  p.top_k = 2;
  p.top_p = 0.6f;
  EXPECT_EQ(support(l, p), std::set<int32_t>({2}));
}

TEST(Sampler, FrequenciesMatchSoftmax) {
  const int n = 200000;
  for (float t : {1.0f, 0.7f, 1.5f}) {
    SamplingParams p;
    p.temperature = t;
    p.seed = 11;
    auto f = frequencies(kLogits, p, n);
    auto q = softmax(kLogits, t);
    for (size_t i = 0; i < q.size(); ++i) {
      double sd = std::sqrt(q[i] * (1 - q[i]) / n);
      EXPECT_NEAR(f[i], q[i], 5 * sd + 1e-4) << "token " << i << " temperature " << t;
    }
  }
  // Truncated: frequencies follow the renormalised softmax over the kept tokens.
  SamplingParams p;
  p.top_k = 3;
  p.temperature = 0.8f;
  auto f = frequencies(kLogits, p, n);
  auto q = softmax({3.0f, 2.5f, 3.0f}, 0.8);
  EXPECT_NEAR(f[1], q[0], 0.005);
  EXPECT_NEAR(f[3], q[1], 0.005);
  EXPECT_NEAR(f[5], q[2], 0.005);
}

TEST(Sampler, LogProbsOfTheChosenToken) {
  SamplingParams p;
  p.top_k = 3;
  p.temperature = 0.8f;
  SequenceSampler s(p, 0);
  auto full = softmax(kLogits);
  auto kept = softmax({3.0f, 2.5f, 3.0f}, 0.8);
  std::map<int32_t, double> kept_p = {{1, kept[0]}, {3, kept[1]}, {5, kept[2]}};
  for (int i = 0; i < 50; ++i) {
    SampledToken t = s.sample(kLogits.data(), kLogits.size());
    EXPECT_NEAR(t.logprob, std::log(full[static_cast<size_t>(t.token)]), 1e-6);
    EXPECT_NEAR(t.sample_logprob, std::log(kept_p.at(t.token)), 1e-6);
  }
  EXPECT_NEAR(token_logprob(kLogits.data(), kLogits.size(), 2), std::log(full[2]), 1e-6);
  // A caller-supplied logsumexp is used as given (and changes nothing else).
  SequenceSampler a(p, 4), b(p, 4);
  const double lz = logsumexp(kLogits.data(), kLogits.size());
  for (int i = 0; i < 20; ++i) {
    SampledToken x = a.sample(kLogits.data(), kLogits.size());
    SampledToken y = b.sample(kLogits.data(), kLogits.size(), lz + 1.0);
    EXPECT_EQ(x.token, y.token);
    EXPECT_NEAR(y.logprob, x.logprob - 1.0f, 1e-6);
  }
}

TEST(Sampler, SeedsReproduceAndSequencesDiffer) {
  std::vector<float> l(500);
  for (size_t i = 0; i < l.size(); ++i) l[i] = std::sin(static_cast<float>(i)) * 2.0f;
  auto run = [&](uint64_t seed, uint64_t index) {
    SamplingParams p;
    p.seed = seed;
    p.temperature = 1.2f;
    SequenceSampler s(p, index);
    std::vector<int32_t> out;
    for (int i = 0; i < 64; ++i) out.push_back(s.sample(l.data(), l.size()).token);
    return out;
  };
  EXPECT_EQ(run(42, 0), run(42, 0));
  EXPECT_NE(run(42, 0), run(42, 1));
  EXPECT_NE(run(42, 0), run(43, 0));
  // seed + index: sequence 1 of seed 42 is sequence 0 of seed 43, whatever batch it is in.
  EXPECT_EQ(run(42, 1), run(43, 0));
}

TEST(Sampler, UniformDrawsArePlatformIndependent) {
  // The first draws of mt19937_64 seeded with 5489 are fixed by the C++
  // standard ([rand.predef]: the 10000th is 9981545732273789042); our uniform
  // is (x >> 11) * 2^-53 of them.
  SamplingParams p;
  p.seed = 5489;
  SequenceSampler s(p, 0);
  std::mt19937_64 ref(5489);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(s.next_uniform(), static_cast<double>(ref() >> 11) * 0x1.0p-53);
  std::mt19937_64 check(5489);
  check.discard(9999);
  EXPECT_EQ(check(), 9981545732273789042ull);
}

TEST(Sampler, RepetitionPenaltyDividesPositiveAndMultipliesNegative) {
  // Logits 2.0 (id 0), 1.8 (id 1), -0.5 (id 2), -0.6 (id 3). Penalty 1.5 on ids
  // 0 and 2: 2.0 -> 1.333 (below 1.8), -0.5 -> -0.75 (below -0.6).
  std::vector<float> l = {2.0f, 1.8f, -0.5f, -0.6f};
  SamplingParams p;
  p.temperature = 0;
  p.repetition_penalty = 1.5f;
  SequenceSampler s(p, 0);
  s.accept({0, 0, 2});
  EXPECT_EQ(s.sample(l.data(), l.size()).token, 1);
  // Excluding ids 0 and 1 by -inf, the best of 2 (penalised -0.75) and 3 is 3.
  std::vector<float> l2 = {-INFINITY, -INFINITY, -0.5f, -0.6f};
  SequenceSampler s2(p, 0);
  s2.accept({2});
  EXPECT_EQ(s2.sample(l2.data(), l2.size()).token, 3);
  // The raw log-prob is unaffected by the penalty.
  SequenceSampler s3(p, 0);
  s3.accept({0});
  SampledToken t = s3.sample(l.data(), l.size());
  EXPECT_NEAR(t.logprob, std::log(softmax(l)[1]), 1e-6);
}

TEST(Sampler, RepetitionPenaltyWindow) {
  std::vector<float> l = {2.0f, 1.8f, 0.0f};
  SamplingParams p;
  p.temperature = 0;
  p.repetition_penalty = 2.0f;
  p.repeat_last_n = 2;
  SequenceSampler s(p, 0);
  s.accept({0, 2, 2});  // id 0 is outside the last 2
  EXPECT_EQ(s.sample(l.data(), l.size()).token, 0);
  p.repeat_last_n = -1;  // whole history
  SequenceSampler s2(p, 0);
  s2.accept({0, 2, 2});
  EXPECT_EQ(s2.sample(l.data(), l.size()).token, 1);
  p.repeat_last_n = 0;  // off
  SequenceSampler s3(p, 0);
  s3.accept({0});
  EXPECT_EQ(s3.sample(l.data(), l.size()).token, 0);
  // The sampled tokens enter the history: greedy with a penalty alternates.
  p.repeat_last_n = 1;
  SequenceSampler s4(p, 0);
  std::vector<int32_t> got;
  for (int i = 0; i < 4; ++i) got.push_back(s4.sample(l.data(), l.size()).token);
  EXPECT_EQ(got, std::vector<int32_t>({0, 1, 0, 1}));
}

TEST(Sampler, NegativeInfinityIsNeverDrawn) {
  std::vector<float> l = {-INFINITY, 0.0f, -INFINITY, 0.0f};
  SamplingParams p;
  EXPECT_EQ(support(l, p, 2000), std::set<int32_t>({1, 3}));
  std::vector<float> all(3, -INFINITY);
  SequenceSampler s(p, 0);
  EXPECT_THROW(s.sample(all.data(), all.size()), Error);
  std::vector<float> nan = {0.0f, NAN};
  EXPECT_THROW(s.sample(nan.data(), nan.size()), Error);
  EXPECT_THROW(s.sample(nan.data(), 0), UsageError);
}

TEST(Sampler, RejectsAbsurdParameters) {
  auto msg = [](SamplingParams p) {
    try {
      p.validate();
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  SamplingParams p;
  EXPECT_EQ(msg(p), "(accepted)");
  p = {};
  p.temperature = -0.1f;
  EXPECT_NE(msg(p).find("temperature must be a finite number >= 0"), std::string::npos) << msg(p);
  p.temperature = NAN;
  EXPECT_NE(msg(p).find("temperature"), std::string::npos);
  p = {};
  p.top_p = 1.5f;
  EXPECT_NE(msg(p).find("top-p must be in (0, 1] (1 = off), got 1.5"), std::string::npos) << msg(p);
  p.top_p = 0.0f;
  EXPECT_NE(msg(p).find("top-p"), std::string::npos);
  p = {};
  p.min_p = -0.01f;
  EXPECT_NE(msg(p).find("min-p must be in [0, 1]"), std::string::npos);
  p.min_p = 1.01f;
  EXPECT_NE(msg(p).find("min-p"), std::string::npos);
  p = {};
  p.top_k = -1;
  EXPECT_NE(msg(p).find("top-k must be >= 0 (0 = off), got -1"), std::string::npos) << msg(p);
  p = {};
  p.repetition_penalty = 0.0f;
  EXPECT_NE(msg(p).find("repetition penalty must be a finite number > 0"), std::string::npos);
  p.repetition_penalty = -1.0f;
  EXPECT_NE(msg(p).find("repetition penalty"), std::string::npos);
  p = {};
  p.repeat_last_n = -2;
  EXPECT_NE(msg(p).find("repeat-last-n"), std::string::npos);
  SamplingParams bad;
  bad.top_p = 2.0f;
  EXPECT_THROW(SequenceSampler(bad, 0), UsageError);
}

}  // namespace
}  // namespace polysafe::engine
