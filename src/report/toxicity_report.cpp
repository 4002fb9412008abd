#include "report/toxicity_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "eval/toxicity_run.h"
#include "report/report_error.h"

namespace polysafe::report {

namespace {

using nlohmann::json;

constexpr const char* kKind = "toxicity";

std::string cfg_string(const json& c, const char* key, const std::string& fallback = "") {
  if (!c.is_object() || !c.contains(key) || !c[key].is_string()) return fallback;
  return c[key].get<std::string>();
}

template <typename T>
T cfg_number(const json& c, const char* key, T fallback) {
  if (!c.is_object() || !c.contains(key) || !c[key].is_number()) return fallback;
  return c[key].get<T>();
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

DatastoreView store_view(const std::string& role, const json& s) {
  DatastoreView v;
  v.role = role;
  v.dir = cfg_string(s, "dir");
  v.index = cfg_string(s, "index");
  v.entries = cfg_number<int64_t>(s, "entries", 0);
  v.nprobe = cfg_number<int64_t>(s, "nprobe", 0);
  if (s.contains("sources") && s["sources"].is_array())
    for (const auto& src : s["sources"])
      if (src.is_object()) v.sources.emplace_back(cfg_string(src, "tag"), cfg_number<int64_t>(src, "entries", 0));
  return v;
}

ToxicityReport load(const eval::RunStore& store, const std::string& run_id, const ReportOptions& opts) {
  const auto info = store.run(run_id);
  if (!info) throw ReportError(store.path() + ": no run '" + run_id + "'");
  if (info->kind != kKind)
    throw ReportError(store.path() + ": run '" + run_id + "' is a '" + info->kind + "' run, not a toxicity run");
  ToxicityReport r;
  const json& c = info->config;
  r.run_id = info->run_id;
  r.status = info->status;
  r.created_at = info->created_at;
  r.updated_at = info->updated_at;
  r.model = info->model;
  r.prompts = info->suite;
  r.config = c;
  r.scorer = cfg_string(c, "toxicity_judge", "toxicity");
  r.fluency_model = cfg_string(c, "fluency_model");
  r.decoding = parse_decoding(cfg_string(c, "decoding", "plain"));
  if (c.contains("langs") && c["langs"].is_array())
    for (const auto& l : c["langs"])
      if (l.is_string()) r.langs.push_back(l.get<std::string>());
  r.limit = cfg_number<size_t>(c, "limit", 0);
  r.samples = cfg_number<int>(c, "samples", 0);
  r.max_tokens = cfg_number<int>(c, "max_tokens", 0);
  r.bootstrap_resamples = cfg_number<int>(c, "bootstrap", 0);
  r.temperature = cfg_number<double>(c, "temperature", NAN);
  r.top_p = cfg_number<double>(c, "top_p", NAN);
  r.seed = cfg_number<uint64_t>(c, "seed", 0);
  r.items = info->items;
  r.answered = info->answered;
  r.request_errors = store.error_count(run_id);
  if (auto t = store.value(run_id, "timings")) r.timings = *t;
  r.metrics = eval::toxicity_run_metrics(store, run_id);
  r.examples_per_lang = opts.examples_per_lang;

  // Examples: per language, the prompts whose most toxic continuation scored
  // highest (the values EMT averages), each with that continuation.
  std::map<std::string, data::SuiteItem> items;
  for (auto& it : store.items(run_id)) items.emplace(it.id, std::move(it));
  std::map<std::string, const eval::ContinuationRecord*> worst;  // item -> its most toxic scored continuation
  const auto records = eval::toxicity_records(store, run_id);
  for (const auto& rec : records) {
    if (!std::isfinite(rec.toxicity)) continue;
    auto& w = worst[rec.item_id];
    if (!w || rec.toxicity > w->toxicity) w = &rec;
  }
  std::map<std::string, std::vector<const eval::ContinuationRecord*>> by_lang;
  for (const auto& [id, rec] : worst) by_lang[rec->lang].push_back(rec);
  for (const auto& g : r.metrics.by_lang) {
    auto& v = by_lang[g.group];
    std::stable_sort(v.begin(), v.end(), [](const auto* a, const auto* b) { return a->toxicity > b->toxicity; });
    for (size_t i = 0; i < v.size() && i < opts.examples_per_lang; ++i) {
      ToxicityExample e;
      e.item_id = v[i]->item_id;
      e.lang = v[i]->lang;
      e.sample = v[i]->sample;
      e.continuation = v[i]->text;
      e.toxicity = v[i]->toxicity;
      e.perplexity = std::isfinite(v[i]->nll) && v[i]->tokens > 0 ? std::exp(v[i]->nll / double(v[i]->tokens)) : NAN;
      if (auto it = items.find(e.item_id); it != items.end()) e.prompt = it->second.prompt;
      r.examples.push_back(std::move(e));
    }
  }

  if (r.status != "complete")
    r.warnings.push_back("The run is " + r.status + ": " + std::to_string(r.answered) + " of " +
                         std::to_string(r.items) + " prompts answered; run the same command again to resume it.");
  if (r.request_errors)
    r.warnings.push_back(std::to_string(r.request_errors) + " model requests failed (retried or left pending).");
  for (const auto& g : r.metrics.by_lang) {
    if (g.scored_prompts < opts.small_n)
      r.warnings.push_back(g.group + ": " + std::to_string(g.scored_prompts) + " scored prompts (fewer than " +
                           std::to_string(opts.small_n) + "): its intervals are wide.");
    if (g.scored_prompts < g.prompts)
      r.warnings.push_back(g.group + ": " + std::to_string(g.prompts - g.scored_prompts) +
                           " prompts have no scored continuation and are left out of EMT and toxicity probability.");
  }
  return r;
}

// A config value the two runs must share for their deltas to mean what they say.
void check_same(const ToxicityReport& a, const ToxicityReport& b, const char* key, const std::string& what,
                std::vector<std::string>& warnings) {
  const json va = a.config.is_object() && a.config.contains(key) ? a.config[key] : json(nullptr);
  const json vb = b.config.is_object() && b.config.contains(key) ? b.config[key] : json(nullptr);
  if (va == vb) return;
  auto show = [](const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
  warnings.push_back("The runs differ in " + what + " (" + show(va) + " before, " + show(vb) +
                     " after): the change may come from that, not only from the decoding.");
}

}  // namespace

std::string DecodingView::summary() const {
  if (method == "plain") return "plain";
  if (method != "goodtriever") return raw;
  std::string s = "Goodtriever (k " + std::to_string(k) + ", \xCE\xBB " + num(lambda) + ", T " + num(temperature) +
                  ", top-p " + num(top_p) + "; ";
  for (size_t i = 0; i < stores.size(); ++i)
    s += (i ? ", " : "") + std::string(stores[i].role == "toxic" ? "toxic" : "non-toxic") + " store " +
         std::to_string(stores[i].entries) + " entries";
  if (stores.size() == 1) s += ", non-toxic: the model itself";
  return s + ")";
}

DecodingView parse_decoding(const std::string& decoding) {
  DecodingView v;
  v.raw = decoding;
  if (decoding.empty() || decoding == "plain") return v;
  const json j = json::parse(decoding, nullptr, false);
  if (j.is_discarded() || !j.is_object() || cfg_string(j, "method") != "goodtriever" || !j.contains("toxic") ||
      !j["toxic"].is_object()) {
    v.method = "other";
    return v;
  }
  v.method = "goodtriever";
  v.k = cfg_number<int64_t>(j, "k", 0);
  v.lambda = cfg_number<double>(j, "lambda", NAN);
  v.temperature = cfg_number<double>(j, "temperature", NAN);
  v.top_p = cfg_number<double>(j, "top_p", NAN);
  v.stores.push_back(store_view("toxic", j["toxic"]));
  if (j.contains("nontoxic") && j["nontoxic"].is_object()) v.stores.push_back(store_view("nontoxic", j["nontoxic"]));
  return v;
}

const eval::ToxicityGroupMetrics* ToxicityReport::group(const std::string& lang) const {
  if (lang == "all") return &metrics.all;
  for (const auto& g : metrics.by_lang)
    if (g.group == lang) return &g;
  return nullptr;
}

const eval::ToxicityDelta* ToxicityComparison::delta(const std::string& group) const {
  for (const auto& d : deltas)
    if (d.group == group) return &d;
  return nullptr;
}

bool is_toxicity_run(const eval::RunStore& store, const std::string& run_id) {
  const auto info = store.run(run_id);
  return info && info->kind == kKind;
}

ToxicityReport gather_toxicity_report(const eval::RunStore& store, const std::string& run_id,
                                      const ReportOptions& opts) {
  return load(store, run_id, opts);
}

ToxicityComparison compare_toxicity_runs(const eval::RunStore& store_before, const std::string& run_before,
                                         const eval::RunStore& store_after, const std::string& run_after,
                                         const ToxicityComparisonOptions& opts, const ReportOptions& report_opts) {
  // Kinds first, so a mismatch is named as such rather than as a load failure.
  for (const auto& [store, id] : {std::pair{&store_before, run_before}, std::pair{&store_after, run_after}}) {
    const auto info = store->run(id);
    if (!info) throw ReportError(store->path() + ": no run '" + id + "'");
    if (info->kind != kKind)
      throw ReportError("run '" + id + "' is a '" + info->kind +
                        "' run: a toxicity run can only be compared with another toxicity run");
  }
  ToxicityComparison c;
  c.before = load(store_before, run_before, report_opts);
  c.after = load(store_after, run_after, report_opts);
  c.options.threshold = c.before.metrics.threshold;
  c.options.bootstrap.seed = c.before.seed;
  c.options.bootstrap.resamples =
      opts.resamples > 0 ? opts.resamples : std::max(c.before.bootstrap_resamples, c.after.bootstrap_resamples);
  if (c.options.bootstrap.resamples <= 0) c.options.bootstrap.resamples = 1000;
  c.deltas = eval::compare_toxicity(eval::toxicity_records(store_before, run_before),
                                    eval::toxicity_records(store_after, run_after), c.options);

  check_same(c.before, c.after, "model", "model", c.warnings);
  check_same(c.before, c.after, "prompts", "prompts", c.warnings);
  check_same(c.before, c.after, "langs", "languages", c.warnings);
  check_same(c.before, c.after, "limit", "prompts per language", c.warnings);
  check_same(c.before, c.after, "samples", "samples per prompt", c.warnings);
  check_same(c.before, c.after, "max_tokens", "max tokens", c.warnings);
  check_same(c.before, c.after, "toxicity_judge", "toxicity scorer", c.warnings);
  check_same(c.before, c.after, "fluency_model", "fluency model", c.warnings);
  if (c.before.metrics.threshold != c.after.metrics.threshold)
    c.warnings.push_back("The runs use different toxicity thresholds; the deltas use the before run's (" +
                         num(c.before.metrics.threshold) + ").");
  if (const auto* all = c.delta("all"); all && all->unpaired > 0)
    c.warnings.push_back(std::to_string(all->unpaired) +
                         " prompts are in one run only and are left out of the paired deltas (" +
                         std::to_string(all->paired_prompts) + " paired).");
  return c;
}

}  // namespace polysafe::report
