// A real red-teaming run: XSafety prompts from ../shared/data answered by the
// local SmolLM2-135M-Instruct, judged by the refusal detector, stored in SQLite;
// the same call again resumes without asking the model anything.
#include <gtest/gtest.h>

#include <set>

#include "backend/backend_factory.h"
#include "eval/redteam_run.h"
#include "test_paths.h"
#include "util/utf8.h"

using namespace polysafe;
using namespace polysafe::eval;

namespace {

RedteamConfig small_xsafety_run(const std::string& run_dir) {
  RedteamConfig c;
  c.model = "local:smollm2-135m-instruct";
  c.suite = "xsafety:" + test::shared_data_dir() + "/xsafety";
  c.langs = {"en", "hi", "ru"};
  c.limit = 2;
  c.max_tokens = 12;
  c.judges = {"refusal"};
  c.bootstrap = 200;
  c.run_dir = run_dir;
  c.backend.local.threads = 2;
  c.backend.local.max_batch = 8;
  return c;
}

struct CountingHooks {
  size_t backends = 0;
  RunHooks hooks(const backend::BackendOptions& opts) {
    RunHooks h;
    h.make_backend = [this, opts](const std::string& spec) {
      ++backends;
      return backend::make_backend(spec, opts);
    };
    return h;
  }
};

}  // namespace

TEST(RedteamRun, LocalModelOnXSafetyCompletesAndResumes) {
  test::ScratchDir dir;
  auto cfg = small_xsafety_run(dir.path().string());
  CountingHooks counting;
  auto first = run_redteam(cfg, counting.hooks(cfg.backend));
  EXPECT_FALSE(first.resumed);
  EXPECT_TRUE(first.complete);
  EXPECT_EQ(first.items, 6u);  // 2 per language, the same parallel prompts in each
  EXPECT_EQ(first.answered, 6u);
  EXPECT_EQ(first.errors, 0u);
  ASSERT_EQ(first.metrics.by_lang.size(), 3u);
  for (const auto& g : first.metrics.by_lang) {
    EXPECT_EQ(g.items, 2u) << g.group;
    const double sum = g.refusal.value + g.invalid.value;
    EXPECT_LE(sum, 1.0 + 1e-12);
    EXPECT_FALSE(std::isnan(g.harm.value)) << g.group;
  }
  // Parallel selection: hi and ru are paired with en on both prompts.
  for (const auto& g : first.metrics.by_lang)
    if (g.group != "en") EXPECT_EQ(g.paired_items, 2u) << g.group;

  RunStore store(dir.path().string());
  auto before = store.responses(first.run_id);
  ASSERT_EQ(before.size(), 6u);
  std::set<std::string> ids;
  for (const auto& r : before) ids.insert(r.item_id);
  EXPECT_EQ(ids.size(), 6u);
  EXPECT_EQ(store.judgments(first.run_id).size(), 6u);

  // Same config again: the same run, nothing generated or judged twice.
  auto second = run_redteam(cfg, counting.hooks(cfg.backend));
  EXPECT_TRUE(second.resumed);
  EXPECT_TRUE(second.complete);
  EXPECT_EQ(second.run_id, first.run_id);
  EXPECT_EQ(second.from_cache, 0u);
  auto after = store.responses(first.run_id);
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) EXPECT_EQ(after[i].text, before[i].text);
  EXPECT_EQ(second.metrics.to_json(), first.metrics.to_json());

  // A different run (one more token) over the same store answers afresh;
  // greedy decoding makes its first answers' prefixes those of the first run.
  auto longer = cfg;
  longer.max_tokens = 13;
  auto third = run_redteam(longer, counting.hooks(cfg.backend));
  EXPECT_NE(third.run_id, first.run_id);
  EXPECT_EQ(third.answered, 6u);
  EXPECT_EQ(store.runs().size(), 2u);
}

// Answers cut by the token budget in scripts that SmolLM2 spells over several
// byte tokens (Japanese, Hindi, Russian): every stored answer is valid UTF-8,
// a character the budget cut is dropped and its bytes counted, and any U+FFFD
// in an answer is one the model produced (counted as an invalid sequence).
TEST(RedteamRun, AnswersCutInsideACharacterAreStoredAsValidUtf8) {
  test::ScratchDir dir;
  auto cfg = small_xsafety_run(dir.path().string());
  cfg.langs = {"ja", "hi", "ru"};
  cfg.limit = 4;
  cfg.max_tokens = 7;
  CountingHooks counting;
  auto res = run_redteam(cfg, counting.hooks(cfg.backend));
  ASSERT_TRUE(res.complete);
  RunStore store(dir.path().string());
  const auto rs = store.responses(res.run_id);
  ASSERT_EQ(rs.size(), 12u);
  const std::string fffd = "\xEF\xBF\xBD";
  size_t cut = 0;
  for (const auto& r : rs) {
    EXPECT_FALSE(utf8::first_invalid(r.text).has_value()) << r.item_id;
    size_t shown = 0;
    for (size_t p = r.text.find(fffd); p != std::string::npos; p = r.text.find(fffd, p + 3)) ++shown;
    EXPECT_EQ(int64_t(shown), r.utf8.invalid_sequences) << r.item_id << ": " << r.text;
    EXPECT_GE(r.utf8.dropped_tail_bytes, 0);
    EXPECT_LE(r.utf8.dropped_tail_bytes, 3) << r.item_id;  // at most a 4-byte character's first 3
    cut += r.utf8.dropped_tail_bytes > 0;
  }
  EXPECT_GT(cut, 0u);  // the budget did end inside a character
}

// The hidden-state toxicity judge on the evaluated model's own instance: Gemma
// 3 answers and the same Gemma 3 embeds the answers (one load, not two); every
// answer gets a calibrated score stored under the head's version.
TEST(RedteamRun, HiddenStateToxicityJudgeSharesTheEvaluatedModel) {
  test::ScratchDir dir;
  auto cfg = small_xsafety_run(dir.path().string());
  cfg.model = "local:gemma3-270m";
  cfg.judges = {"refusal", "toxicity:hidden"};
  cfg.langs = {"en", "ru"};
  CountingHooks counting;
  auto r = run_redteam(cfg, counting.hooks(cfg.backend));
  ASSERT_TRUE(r.complete);
  EXPECT_EQ(counting.backends, 1u);
  RunStore store(dir.path().string());
  size_t tox = 0;
  for (const auto& j : store.judgments(r.run_id)) {
    if (j.judge != "toxicity") continue;
    ++tox;
    EXPECT_EQ(j.judge_version.rfind("hidden-toxicity:gemma3-270m:", 0), 0u) << j.judge_version;
    ASSERT_TRUE(j.score.has_value());
    EXPECT_GT(*j.score, 0.0);
    EXPECT_LT(*j.score, 1.0);
    EXPECT_EQ(j.label, *j.score >= kToxicityThreshold ? "toxic" : "non_toxic");
  }
  EXPECT_EQ(tox, r.answered);
}
