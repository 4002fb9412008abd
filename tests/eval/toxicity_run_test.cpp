// A real toxicity run: RTP-LX prompts from ../shared/data continued by the local
// SmolLM2-135M, each continuation scored by the toxicity scorer and for fluency
// by the same model; stored in SQLite, resumable, and the metrics recomputed
// from the store equal the run's.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "backend/backend_factory.h"
#include "engine/scorer.h"
#include "eval/eval_error.h"
#include "eval/toxicity_run.h"
#include "test_paths.h"

using namespace polysafe;
using namespace polysafe::eval;

namespace {

ToxicityConfig small_rtplx_run(const std::string& run_dir) {
  ToxicityConfig c;
  c.model = "local:smollm2-135m-instruct";
  c.prompts = "rtplx:" + test::shared_data_dir() + "/rtp-lx/v0.2_f10b92a";
  c.langs = {"en", "de"};
  c.limit = 2;
  c.samples = 3;
  c.max_tokens = 6;
  c.fluency_model = "smollm2-135m-instruct";
  c.bootstrap = 200;
  c.run_dir = run_dir;
  return c;
}

struct Hooks {
  size_t generated = 0, scored = 0;
  std::unique_ptr<engine::Model> fluency;
  ToxicityHooks make(const ToxicityConfig& c) {
    ToxicityHooks h;
    backend::BackendOptions bo;
    bo.local.threads = 2;
    bo.local.max_batch = 8;
    h.make_backend = [bo](const std::string& spec) { return backend::make_backend(spec, bo); };
    h.progress = [this](const RunProgress& p) {
      if (p.phase == "generate") generated = p.done;
    };
    h.score_continuations = [this, c](const std::vector<std::pair<std::string, std::string>>& pairs) {
      if (!fluency) fluency = engine::Model::load(c.fluency_model, {});
      scored += pairs.size();
      std::vector<std::pair<double, int64_t>> out;
      for (const auto& s : engine::Scorer(*fluency).score(pairs)) out.emplace_back(-s.sum, int64_t(s.tokens.size()));
      return out;
    };
    return h;
  }
};

}  // namespace

TEST(ToxicityRun, LocalModelOnRtplxScoresEveryContinuationAndResumes) {
  test::ScratchDir dir;
  const auto cfg = small_rtplx_run(dir.path().string());
  Hooks hooks;
  const auto first = run_toxicity(cfg, hooks.make(cfg));
  EXPECT_FALSE(first.resumed);
  EXPECT_TRUE(first.complete);
  EXPECT_EQ(first.items, 4u);  // 2 per language, the same parallel prompts (Indexes) in each
  EXPECT_EQ(first.answered, 4u);
  EXPECT_EQ(hooks.scored, 12u);  // fluency of every non-empty continuation
  EXPECT_EQ(first.run_id.rfind("tx-", 0), 0u);

  RunStore store(cfg.run_dir);
  const auto records = toxicity_records(store, first.run_id);
  ASSERT_EQ(records.size(), 12u);
  std::set<std::string> parallel;
  for (const auto& it : store.items(first.run_id)) parallel.insert(it.parallel_id);
  EXPECT_EQ(parallel.size(), 2u);
  for (const auto& r : records) {
    EXPECT_GE(r.toxicity, 0.0) << r.item_id;
    EXPECT_LE(r.toxicity, 1.0) << r.item_id;
    if (!r.text.empty()) {
      EXPECT_GT(r.tokens, 0) << r.item_id;
      EXPECT_GT(r.nll, 0.0) << r.item_id;
    }
  }
  ASSERT_EQ(first.metrics.by_lang.size(), 2u);
  EXPECT_EQ(first.metrics.by_lang[0].group, "de");
  EXPECT_EQ(first.metrics.by_lang[0].prompts, 2u);
  EXPECT_EQ(first.metrics.by_lang[0].continuations, 6u);
  // EMT is the mean of per-prompt maxima: recompute it from the store by hand.
  std::map<std::string, double> max_by_prompt;
  for (const auto& r : records) max_by_prompt[r.item_id] = std::max(max_by_prompt[r.item_id], r.toxicity);
  double emt = 0;
  for (const auto& [id, m] : max_by_prompt) emt += m / double(max_by_prompt.size());
  EXPECT_NEAR(first.metrics.all.emt.value, emt, 1e-12);
  EXPECT_GT(first.metrics.all.perplexity.value, 1.0);
  EXPECT_TRUE(std::isfinite(first.metrics.all.distinct1.value));

  // The same call again asks the model nothing and scores nothing.
  Hooks again;
  const auto second = run_toxicity(cfg, again.make(cfg));
  EXPECT_TRUE(second.resumed);
  EXPECT_TRUE(second.complete);
  EXPECT_EQ(second.run_id, first.run_id);
  EXPECT_EQ(again.scored, 0u);
  EXPECT_EQ(second.from_cache, 0u);
  EXPECT_NEAR(second.metrics.all.emt.value, first.metrics.all.emt.value, 1e-15);
  EXPECT_EQ(toxicity_run_metrics(store, first.run_id).all.emt.hi, first.metrics.all.emt.hi);

  // Another decoding is another run; its answers are not taken from plain decoding's.
  auto other = cfg;
  other.decoding = R"({"method":"goodtriever","k":8})";
  EXPECT_NE(run_id(other), first.run_id);
}

TEST(ToxicityRun, StoppedRunResumesWithoutRepeatingContinuations) {
  test::ScratchDir dir;
  auto cfg = small_rtplx_run(dir.path().string());
  cfg.fluency_model.clear();
  Hooks hooks;
  auto h = hooks.make(cfg);
  bool stop = false;
  h.progress = [&](const RunProgress& p) {
    if (p.phase == "generate" && p.done >= 1) stop = true;  // stop after the first stored answer
  };
  h.should_stop = [&] { return stop; };
  // Batches of one prompt (3 samples fill the batch of 3), so the stop lands mid-run.
  h.make_backend = [](const std::string& spec) {
    backend::BackendOptions bo;
    bo.local.threads = 2;
    bo.local.max_batch = 3;
    return backend::make_backend(spec, bo);
  };
  const auto first = run_toxicity(cfg, h);
  EXPECT_FALSE(first.complete);
  EXPECT_GE(first.answered, 1u);
  EXPECT_LT(first.answered, 4u);
  RunStore store(cfg.run_dir);
  const auto before = store.responses(first.run_id);

  Hooks resume;
  const auto second = run_toxicity(cfg, resume.make(cfg));
  EXPECT_TRUE(second.complete);
  EXPECT_EQ(second.answered, 4u);
  const auto after = store.responses(first.run_id);
  EXPECT_EQ(after.size(), 12u);
  for (const auto& b : before) {  // answers stored before the stop are kept as they were
    bool found = false;
    for (const auto& a : after) found = found || (a.item_id == b.item_id && a.sample == b.sample && a.text == b.text);
    EXPECT_TRUE(found) << b.item_id << " sample " << b.sample;
  }
}

TEST(ToxicityRun, BadConfigsAreEvalErrors) {
  ToxicityConfig c;
  EXPECT_THROW(validate(c), EvalError);  // no prompts
  c.prompts = "jsonl:x";
  c.samples = 0;
  EXPECT_THROW(validate(c), EvalError);
  c.samples = 2;
  c.temperature = 0;
  EXPECT_THROW(validate(c), EvalError);
  c.temperature = 1;
  c.top_p = 1.5;
  EXPECT_THROW(validate(c), EvalError);
  test::ScratchDir dir;
  c = small_rtplx_run(dir.path().string());
  ToxicityHooks h;  // fluency set but no scorer
  h.make_backend = [](const std::string& spec) { return backend::make_backend(spec, {}); };
  EXPECT_THROW(run_toxicity(c, h), EvalError);
}
