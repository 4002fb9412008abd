#include "backend/shared_backend.h"
#include "eval/redteam_run.h"

#include <chrono>
#include <map>
#include <set>
#include <unordered_map>

#include "data/suite_loader.h"
#include "data/suite_selection.h"
#include "eval/eval_error.h"
#include "eval/translation_attack.h"
#include "eval/verdict.h"

namespace polysafe::eval {

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }


backend::Request request_for(const RedteamConfig& c, const data::SuiteItem& item) {
  backend::Request r;
  if (!c.system_prompt.empty()) r.messages.push_back({"system", c.system_prompt});
  r.messages.push_back({"user", item.prompt});
  r.params.temperature = c.temperature;
  r.params.top_p = c.top_p;
  r.params.max_tokens = c.max_tokens;
  r.params.n = c.samples;
  r.params.seed = c.temperature > 0 ? item_seed(c.seed, item.id) : 0;
  return r;
}

std::vector<data::SuiteItem> resolve_items(const RedteamConfig& c, const RunHooks& hooks, RunStore& store,
                                           const std::string& id, backend::Backend& model, RunResult& result) {
  data::Suite suite = data::load_suite(c.suite);
  data::SelectOptions sel;
  sel.langs = c.langs;
  sel.categories = c.categories;
  sel.limit = c.limit;
  sel.seed = c.seed;
  sel.include_benign = c.include_benign;
  if (!c.translate_to.empty()) {
    // The selection applies to the source language; the targets come from translation.
    sel.langs = {c.translate_from};
  }
  data::Suite chosen = data::select_items(suite, sel);
  if (c.translate_to.empty()) return chosen.items;

  std::unique_ptr<backend::Backend> own;
  backend::Backend* translator = &model;
  if (!c.translator.empty() && c.translator != c.model) {
    own = hooks.make_backend(c.translator);
    translator = own.get();
  }
  lang::LanguageId lid;
  TranslationOptions to;
  to.targets = c.translate_to;
  to.source_lang = c.translate_from;
  to.min_back_similarity = c.min_back_similarity;
  to.min_length_ratio = c.min_length_ratio;
  to.max_length_ratio = c.max_length_ratio;
  to.max_tokens = c.translate_max_tokens;
  std::unique_ptr<backend::Backend> intent;
  if (!c.intent_judge.empty()) {
    intent = hooks.make_backend(c.intent_judge);
    to.intent_judge = intent.get();
  }
  if (hooks.progress) hooks.progress({"translate", 0, chosen.items.size() * c.translate_to.size() * 2, 0, 0, 0});
  size_t failed = 0;
  auto translated = translate_items(chosen.items, *translator, lid, store, to, hooks.should_stop, &failed);
  if (failed > 0)
    throw EvalError("translate: " + std::to_string(failed) +
                    " translations failed (request errors); run the same command again to retry them");
  std::vector<data::SuiteItem> items = chosen.items;  // the source-language originals stay in the run
  std::vector<std::pair<std::string, std::string>> lost;
  for (auto& t : translated) {
    if (t.lost) lost.emplace_back(t.item.id, "lost in translation: " + t.reason);
    items.push_back(std::move(t.item));
  }
  store.put_value(id, "lost_in_translation", lost);
  (void)result;
  return items;
}

}  // namespace

RedteamMetrics run_metrics(const RunStore& store, const std::string& run_id) {
  auto info = store.run(run_id);
  if (!info) throw EvalError(store.path() + ": no run '" + run_id + "'");
  RedteamConfig c = config_from_json(info->config, "run " + run_id + ": config");
  std::set<std::string> judges;
  for (const auto& j : c.judges) judges.insert(j.rfind("toxicity:", 0) == 0 ? "toxicity" : j);
  std::vector<StoredJudgment> js;
  for (auto& j : store.judgments(run_id))
    if (judges.count(j.judge)) js.push_back(std::move(j));
  auto excluded = store.excluded(run_id);
  std::set<std::string> skip;
  for (const auto& [item, why] : excluded) skip.insert(item);
  std::vector<data::SuiteItem> items;
  for (auto& it : store.items(run_id))
    if (!skip.count(it.id)) items.push_back(std::move(it));
  MetricsOptions mo;
  mo.reference_lang = c.reference_lang;
  mo.bootstrap.resamples = c.bootstrap;
  mo.bootstrap.seed = c.seed;
  return compute_redteam_metrics(items, combine_judgments(js, parse_ensemble_rule(c.ensemble)), mo);
}

RunResult run_redteam(const RedteamConfig& c, const RunHooks& hooks) {
  validate(c);
  if (!hooks.make_backend) throw EvalError("run: no backend factory");
  auto stop = [&] { return hooks.should_stop && hooks.should_stop(); };
  RunResult result;
  RunStore store(c.run_dir);
  result.run_id = run_id(c);
  result.store_path = store.path();
  const std::string& id = result.run_id;
  result.resumed = !store.begin_run(id, "redteam", to_json(c), c.model, c.suite);

  // Judges first: a missing judge model fails before any model time is spent.
  // A judge that runs the evaluated model itself (hidden-state features) shares its instance.
  const auto make_backend = backend::share_backends(hooks.make_backend);
  std::vector<std::unique_ptr<AnswerJudge>> judges;
  for (const auto& spec : c.judges) judges.push_back(make_answer_judge(spec, make_backend));
  auto model = make_backend(c.model);

  if (store.items(id).empty()) {
    auto items = resolve_items(c, hooks, store, id, *model, result);
    if (items.empty()) throw EvalError("run: the selection holds no items (check --langs / --categories)");
    store.add_items(id, items);
    if (auto lost = store.value(id, "lost_in_translation"))
      for (const auto& p : *lost) store.exclude_item(id, p[0].get<std::string>(), p[1].get<std::string>());
  }
  const auto items = store.items(id);
  const ItemIndex by_id = index_items(items);
  result.items = items.size();
  result.lost_in_translation = store.excluded(id).size();

  // 1. Answers.
  const auto t0 = Clock::now();
  const AnswerPhase answered = collect_answers(
      store, id, *model, by_id, items.size() - result.lost_in_translation, c.samples,
      [&](const data::SuiteItem& item) { return request_for(c, item); }, hooks);
  result.generate_s = answered.seconds;
  result.from_cache = answered.from_cache;

  // 2. Judgments, per judge, of every answer it has not judged yet.
  judge_answers(store, id, judges, by_id, hooks);

  store.put_value(id, "timings", {{"generate_s", result.generate_s}, {"total_s", since(t0)}});
  result.pending = store.pending_items(id).size();
  auto info = store.run(id);
  result.answered = info->answered;
  result.errors = info->errors;
  result.complete = result.pending == 0 && all_judged(store, id, judges);
  store.set_status(id, result.complete ? "complete" : stop() ? "interrupted" : "incomplete");
  result.metrics = run_metrics(store, id);
  store.put_value(id, "metrics", result.metrics.to_json());
  return result;
}

}  // namespace polysafe::eval
