// Windowed teacher forcing: each position stored once, and the keys of the
// first window equal the hidden states of one pass over the whole text.
#include "detox/teacher_forcing.h"

#include <gtest/gtest.h>

#include <cmath>

#include "detox/detox_error.h"
#include "engine/model.h"
#include "test_paths.h"
#include "tokenizer/tokenizer.h"

namespace polysafe::detox {
namespace {

TEST(PlanWindows, CoversEveryPositionOnce) {
  for (int64_t n : {2, 3, 16, 17, 1024, 1025, 1536, 1537, 3000}) {
    std::vector<int> seen(size_t(n - 1), 0);
    for (const Window& w : plan_windows(n, 1024, 512)) {
      EXPECT_LE(w.end - w.start, 1024);
      EXPECT_GE(w.first_stored, w.start);
      for (int64_t p = w.first_stored; p < w.end - 1; ++p) ++seen[size_t(p)];
    }
    for (int64_t p = 0; p < n - 1; ++p) EXPECT_EQ(seen[size_t(p)], 1) << "n " << n << " position " << p;
  }
  const auto w = plan_windows(3000, 1024, 512);
  ASSERT_EQ(w.size(), 5u);  // starts 0, 512, 1024, 1536, 2048 (the last reaches 3000)
  EXPECT_EQ(w[1].start, 512);
  EXPECT_EQ(w[1].first_stored, 1023);
  EXPECT_EQ(w[4].end, 3000);
  EXPECT_THROW(plan_windows(10, 8, 8), DetoxError);
  EXPECT_THROW(plan_windows(10, 8, 0), DetoxError);
  EXPECT_THROW(plan_windows(1, 8, 4), DetoxError);
}

TEST(TeacherForce, WindowKeysMatchOneFullPass) {
  engine::LoadOptions lo;
  lo.threads = 2;
  auto model = engine::Model::load(test::model_path("smollm2-135m-instruct"), lo);
  const auto ids = model->tokenizer().encode(
      "Datastores for retrieval-augmented decoding index the hidden state of every position of a corpus, "
      "so that at generation time the nearest contexts vote for the next token.", true, false);
  ASSERT_GT(ids.size(), 24u);
  const TokenPairs pairs = teacher_force(*model, {ids}, 16, 8, 2);
  ASSERT_EQ(pairs.size(), int64_t(ids.size()) - 1);
  engine::ForwardOptions fo;
  fo.hidden = true;
  fo.logits = false;
  const auto full = model->forward({ids}, fo)[0];
  const int64_t d = pairs.dim;
  // Positions 0..14 come from the first window, whose context is the full prefix.
  for (int64_t p = 0; p < 15; ++p) {
    EXPECT_EQ(pairs.values[size_t(p)], ids[size_t(p + 1)]);
    for (int64_t i = 0; i < d; ++i)
      ASSERT_NEAR(pairs.keys[size_t(p * d + i)], full.ffn_input[size_t(p * d + i)], 1e-3f) << p << "," << i;
  }
  // Later positions see a truncated context (window start 8): their keys differ.
  double diff = 0;
  for (int64_t i = 0; i < d; ++i) diff += std::fabs(pairs.keys[size_t(20 * d + i)] - full.ffn_input[size_t(20 * d + i)]);
  EXPECT_GT(diff, 1e-2);
  for (size_t p = 0; p + 1 < ids.size(); ++p) EXPECT_EQ(pairs.values[p], ids[p + 1]);
}

}  // namespace
}  // namespace polysafe::detox
