#include "backend/shared_backend.h"
#include "eval/toxicity_run.h"

#include <cmath>
#include <map>

#include "data/suite_loader.h"
#include "data/suite_selection.h"
#include "eval/eval_error.h"
#include "eval/redteam_metrics.h"
#include "util/sha256.h"

namespace polysafe::eval {

namespace {

constexpr const char* kKind = "toxicity";
constexpr const char* kFluency = "fluency";

// The fluency judge: a continuation's NLL given its prompt under a local model.
class FluencyJudge : public AnswerJudge {
 public:
  FluencyJudge(std::string model, ContinuationScorer score) : model_(std::move(model)), score_(std::move(score)) {}
  std::string name() const override { return kFluency; }
  std::string version() const override { return "nll:" + model_; }
  void judge(const std::vector<JudgeTask>& tasks, const std::function<void(std::vector<StoredJudgment>)>& on_ready,
             const std::function<bool()>& should_stop) override {
    constexpr size_t kChunk = 64;
    for (size_t c0 = 0; c0 < tasks.size(); c0 += kChunk) {
      if (should_stop && should_stop()) break;
      const size_t c1 = std::min(tasks.size(), c0 + kChunk);
      std::vector<std::pair<std::string, std::string>> pairs;
      std::vector<size_t> scored;
      std::vector<StoredJudgment> out;
      for (size_t i = c0; i < c1; ++i) {
        StoredJudgment j;
        j.item_id = tasks[i].item->id;
        j.sample = tasks[i].sample;
        j.judge = name();
        j.judge_version = version();
        j.label = "empty";  // nothing to score; kept so the answer counts as judged
        out.push_back(std::move(j));
        if (!tasks[i].answer.empty()) {
          pairs.emplace_back(tasks[i].item->prompt, tasks[i].answer);
          scored.push_back(i - c0);
        }
      }
      const auto nll = pairs.empty() ? std::vector<std::pair<double, int64_t>>{} : score_(pairs);
      if (nll.size() != pairs.size()) throw EvalError("fluency: the scorer returned the wrong number of scores");
      for (size_t k = 0; k < scored.size(); ++k) {
        auto& j = out[scored[k]];
        j.label = "nll";
        j.score = nll[k].first;
        j.evidence = nlohmann::json::array({nll[k].second});
      }
      on_ready(std::move(out));
    }
  }

 private:
  std::string model_;
  ContinuationScorer score_;
};

nlohmann::json result_fields(const ToxicityConfig& c) {
  auto j = to_json(c);
  j.erase("run_dir");
  j.erase("bootstrap");  // metrics only: recomputed, not stored answers
  j.erase("threshold");
  return j;
}

}  // namespace

nlohmann::json to_json(const ToxicityConfig& c) {
  return {{"model", c.model},         {"prompts", c.prompts},   {"langs", c.langs},
          {"limit", c.limit},         {"samples", c.samples},   {"max_tokens", c.max_tokens},
          {"temperature", c.temperature}, {"top_p", c.top_p},   {"seed", c.seed},
          {"decoding", c.decoding},   {"toxicity_judge", c.toxicity_judge}, {"fluency_model", c.fluency_model},
          {"threshold", c.threshold}, {"bootstrap", c.bootstrap}, {"run_dir", c.run_dir}};
}

void validate(const ToxicityConfig& c) {
  if (c.prompts.empty()) throw EvalError("toxicity run: field 'prompts': give a suite (e.g. rtplx:PATH)");
  if (c.samples < 1) throw EvalError("toxicity run: field 'samples' must be >= 1");
  if (c.max_tokens < 1) throw EvalError("toxicity run: field 'max_tokens' must be >= 1");
  if (!(c.temperature > 0)) throw EvalError("toxicity run: field 'temperature' must be > 0 (continuations are sampled)");
  if (!(c.top_p > 0 && c.top_p <= 1)) throw EvalError("toxicity run: field 'top_p' must be in (0, 1]");
  if (!(c.threshold > 0 && c.threshold <= 1)) throw EvalError("toxicity run: field 'threshold' must be in (0, 1]");
  if (c.bootstrap < 0) throw EvalError("toxicity run: field 'bootstrap' must be >= 0");
}

std::string run_id(const ToxicityConfig& c) { return "tx-" + sha256_hex(result_fields(c).dump()).substr(0, 12); }

ToxicityRunResult run_toxicity(const ToxicityConfig& c, const ToxicityHooks& hooks) {
  validate(c);
  if (!hooks.make_backend) throw EvalError("toxicity run: no backend factory");
  if (!c.fluency_model.empty() && !hooks.score_continuations)
    throw EvalError("toxicity run: a fluency model is set but no continuation scorer was given");
  ToxicityRunResult result;
  RunStore store(c.run_dir);
  result.run_id = run_id(c);
  result.store_path = store.path();
  const std::string& id = result.run_id;
  result.resumed = !store.begin_run(id, kKind, to_json(c), c.model, c.prompts);

  // A judge that runs the evaluated model itself (hidden-state features) shares its instance.
  const auto make_backend = backend::share_backends(hooks.make_backend);
  std::vector<std::unique_ptr<AnswerJudge>> judges;
  judges.push_back(make_answer_judge(c.toxicity_judge, make_backend));
  if (!c.fluency_model.empty()) judges.push_back(std::make_unique<FluencyJudge>(c.fluency_model, hooks.score_continuations));
  auto model = make_backend(c.model);

  if (store.items(id).empty()) {
    data::SelectOptions sel;
    sel.langs = c.langs;
    sel.limit = c.limit;
    sel.seed = c.seed;
    auto items = data::select_items(data::load_suite(c.prompts), sel).items;
    if (items.empty()) throw EvalError("toxicity run: the selection holds no prompts (check --langs)");
    store.add_items(id, items);
  }
  const auto items = store.items(id);
  const ItemIndex by_id = index_items(items);
  result.items = items.size();

  const AnswerPhase answered = collect_answers(
      store, id, *model, by_id, items.size(), c.samples,
      [&](const data::SuiteItem& item) {
        backend::Request r;
        r.chat = false;
        r.prompt = item.prompt;
        r.params.temperature = c.temperature;
        r.params.top_p = c.top_p;
        r.params.max_tokens = c.max_tokens;
        r.params.n = c.samples;
        r.params.seed = item_seed(c.seed, item.id);
        return r;
      },
      hooks);
  result.generate_s = answered.seconds;
  result.from_cache = answered.from_cache;
  judge_answers(store, id, judges, by_id, hooks);

  store.put_value(id, "timings", {{"generate_s", result.generate_s}});
  result.pending = store.pending_items(id).size();
  const auto info = store.run(id);
  result.answered = info->answered;
  result.errors = info->errors;
  result.complete = result.pending == 0 && all_judged(store, id, judges);
  const bool stopped = hooks.should_stop && hooks.should_stop();
  store.set_status(id, result.complete ? "complete" : stopped ? "interrupted" : "incomplete");
  result.metrics = toxicity_run_metrics(store, id);
  store.put_value(id, "metrics", to_json(result.metrics));
  return result;
}

std::vector<ContinuationRecord> toxicity_records(const RunStore& store, const std::string& run_id) {
  const auto info = store.run(run_id);
  if (!info) throw EvalError("run '" + run_id + "' is not in " + store.path());
  if (info->kind != kKind) throw EvalError("run '" + run_id + "' is a " + info->kind + " run, not a toxicity run");
  const std::string tox_judge = info->config.value("toxicity_judge", std::string("toxicity"));
  const std::string tox_name = tox_judge.rfind("toxicity", 0) == 0 ? "toxicity" : tox_judge;
  std::map<std::string, std::string> lang;
  for (const auto& it : store.items(run_id)) lang[it.id] = it.lang;
  std::map<std::pair<std::string, int>, ContinuationRecord> recs;
  for (const auto& r : store.responses(run_id)) {
    ContinuationRecord rec;
    rec.item_id = r.item_id;
    rec.lang = lang[r.item_id];
    rec.sample = r.sample;
    rec.text = r.text;
    recs.emplace(std::make_pair(r.item_id, r.sample), std::move(rec));
  }
  for (const auto& j : store.judgments(run_id)) {
    auto it = recs.find({j.item_id, j.sample});
    if (it == recs.end() || !j.score) continue;
    if (j.judge == tox_name) it->second.toxicity = *j.score;
    if (j.judge == kFluency && j.label == "nll" && j.evidence.is_array() && !j.evidence.empty()) {
      it->second.nll = *j.score;
      it->second.tokens = j.evidence[0].get<int64_t>();
    }
  }
  std::vector<ContinuationRecord> out;
  for (auto& [k, r] : recs) out.push_back(std::move(r));
  return out;
}

ToxicityMetrics toxicity_run_metrics(const RunStore& store, const std::string& run_id) {
  const auto info = store.run(run_id);
  if (!info) throw EvalError("run '" + run_id + "' is not in " + store.path());
  ToxicityMetricOptions o;
  o.threshold = info->config.value("threshold", 0.5);
  o.bootstrap.resamples = info->config.value("bootstrap", 1000);
  o.bootstrap.seed = info->config.value("seed", uint64_t(0));
  return toxicity_metrics(toxicity_records(store, run_id), o);
}

namespace {
nlohmann::json group_json(const ToxicityGroupMetrics& g) {
  return {{"group", g.group},
          {"prompts", g.prompts},
          {"continuations", g.continuations},
          {"scored_prompts", g.scored_prompts},
          {"emt", to_json(g.emt)},
          {"toxicity_probability", to_json(g.toxicity_probability)},
          {"perplexity", to_json(g.perplexity)},
          {"distinct1", to_json(g.distinct1)},
          {"distinct2", to_json(g.distinct2)},
          {"distinct3", to_json(g.distinct3)}};
}
}  // namespace

nlohmann::json to_json(const ToxicityMetrics& m) {
  nlohmann::json by = nlohmann::json::array();
  for (const auto& g : m.by_lang) by.push_back(group_json(g));
  return {{"threshold", m.threshold}, {"all", group_json(m.all)}, {"by_lang", by}};
}

nlohmann::json to_json(const std::vector<ToxicityDelta>& deltas) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& d : deltas)
    out.push_back({{"group", d.group},
                   {"paired_prompts", d.paired_prompts},
                   {"unpaired", d.unpaired},
                   {"emt", to_json(d.emt)},
                   {"toxicity_probability", to_json(d.toxicity_probability)},
                   {"perplexity", to_json(d.perplexity)}});
  return out;
}

}  // namespace polysafe::eval
