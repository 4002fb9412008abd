// Generation with the default models: sensible answers, batched == unbatched,
// shared prefill for n samples, seed reproducibility, the logits hook, bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "engine/engine_error.h"
#include "engine/generator.h"
#include "engine_test_support.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"

namespace polysafe::engine {
namespace {

using test::gemma3;
using test::smollm2;

GenerateOptions greedy(size_t max_new) {
  GenerateOptions o;
  o.sampling.temperature = 0.0f;
  o.max_new_tokens = max_new;
  return o;
}

TEST(Generate, SmolLM2AnswersParisInChat) {
  Generator gen(smollm2());
  auto o = greedy(24);
  o.chat = true;
  auto r = gen.generate({"What is the capital of France?"}, o);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_NE(r[0].text.find("Paris"), std::string::npos) << r[0].text;
}

TEST(Generate, Gemma3BaseContinuesEnglish) {
  Generator gen(gemma3());
  auto r = gen.generate({"The capital of France is"}, greedy(8));
  ASSERT_EQ(r.size(), 1u);
  // Greedy continuation observed with polysafe f32 on the Q4_K_M file; llama.cpp
  // (llama-cpp-python 0.3.36, same file) continues with the same first 12 tokens.
  EXPECT_EQ(r[0].text, " the capital of the country of France.") << r[0].text;
  EXPECT_EQ(r[0].stop_reason, "length");
  EXPECT_EQ(r[0].tokens.size(), 8u);
}

// Prompts of different lengths decoded together give the tokens each gives alone.
TEST(Generate, BatchedEqualsUnbatchedGreedy) {
  Generator gen(smollm2());
  std::vector<std::string> prompts = {"Once upon a time", "The three primary colours are red, yellow and",
                                      "def fibonacci(n):"};
  auto o = greedy(12);
  auto batched = gen.generate(prompts, o);
  for (size_t i = 0; i < prompts.size(); ++i) {
    auto alone = gen.generate({prompts[i]}, o);
    EXPECT_EQ(batched[i].tokens, alone[0].tokens) << prompts[i];
    EXPECT_EQ(batched[i].text, alone[0].text);
  }
}

TEST(Generate, Gemma3BatchedEqualsUnbatchedGreedy) {
  Generator gen(gemma3());
  std::vector<std::string> prompts = {"The capital of France is", "Water boils at a temperature of"};
  auto o = greedy(6);
  auto batched = gen.generate(prompts, o);
  for (size_t i = 0; i < prompts.size(); ++i)
    EXPECT_EQ(batched[i].tokens, gen.generate({prompts[i]}, o)[0].tokens) << prompts[i];
}

TEST(Generate, SamplesShareThePrefillAndTheSeedReproduces) {
  Generator gen(smollm2());
  GenerateOptions o;
  o.sampling.temperature = 1.0f;
  o.sampling.seed = 1234;
  o.max_new_tokens = 10;
  o.n = 4;
  std::vector<std::string> prompts = {"My favourite food is", "In the morning I"};
  auto a = gen.generate(prompts, o);
  auto b = gen.generate(prompts, o);
  ASSERT_EQ(a.size(), 8u);
  std::set<std::vector<int32_t>> distinct;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].tokens, b[i].tokens);
    EXPECT_EQ(a[i].prompt_index, i / 4);
    EXPECT_EQ(a[i].sample_index, i % 4);
    distinct.insert(a[i].tokens);
  }
  EXPECT_GE(distinct.size(), 6u);  // samples differ from each other
  // A sequence's result does not depend on the batch it ran in.
  o.max_batch = 3;
  auto c = gen.generate(prompts, o);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].tokens, c[i].tokens) << i;
  // Another seed gives other samples.
  o.sampling.seed = 99;
  auto d = gen.generate(prompts, o);
  int same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += a[i].tokens == d[i].tokens;
  EXPECT_LT(same, 8);
}

TEST(Generate, HookForcesAToken) {
  const auto& m = smollm2();
  Generator gen(m);
  const int32_t forced = m.tokenizer().encode(" banana", false).at(0);
  int calls = 0;
  LogitsHook hook = [&](HookStep& s) {
    ++calls;
    ASSERT_EQ(s.vocab, m.config().vocab);
    ASSERT_EQ(s.hidden_size, m.config().hidden);
    ASSERT_NE(s.ffn_input, nullptr);
    ASSERT_NE(s.final_hidden, nullptr);
    ASSERT_EQ(s.seq_ids->size(), size_t(s.rows));
    if (s.step != 1) return;
    for (int64_t r = 0; r < s.rows; ++r)
      for (int64_t v = 0; v < s.vocab; ++v)
        if (v != forced) s.logits[r * s.vocab + v] = -INFINITY;
  };
  auto r = gen.generate({"I like to eat", "Yesterday we bought"}, greedy(4), hook);
  EXPECT_EQ(calls, 4);
  for (const auto& g : r) {
    ASSERT_EQ(g.tokens.size(), 4u);
    EXPECT_EQ(g.tokens[1], forced);
  }
}

TEST(Generate, StopStringEndsTheText) {
  Generator gen(smollm2());
  auto o = greedy(40);
  o.chat = true;
  o.stop_strings = {"Paris"};
  auto r = gen.generate({"What is the capital of France?"}, o);
  EXPECT_EQ(r[0].stop_reason, "stop");
  EXPECT_EQ(r[0].text.find("Paris"), std::string::npos);
}

TEST(Generate, BadInputIsRejected) {
  const auto& m = smollm2();
  Generator gen(m);
  auto o = greedy(4);
  EXPECT_THROW(gen.generate({""}, o), UsageError);
  EXPECT_THROW(gen.generate({std::string("abc\xff")}, o), UsageError);
  auto bad = o;
  bad.n = 0;
  EXPECT_THROW(gen.generate({"hi"}, bad), UsageError);
  bad = o;
  bad.sampling.temperature = -1;
  EXPECT_THROW(gen.generate({"hi"}, bad), UsageError);
  bad = o;
  bad.sampling.top_p = 1.5f;
  EXPECT_THROW(gen.generate({"hi"}, bad), UsageError);
  std::vector<int32_t> too_long(size_t(m.config().context_length), 100);
  try {
    gen.generate_tokens({too_long}, o);
    FAIL() << "expected an error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("context window"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace polysafe::engine
