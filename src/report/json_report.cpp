#include "report/json_report.h"

#include <cmath>

#include "report/report_format.h"

namespace polysafe::report {

namespace {

using nlohmann::json;

json iv(const eval::Interval& i) { return eval::to_json(i); }

json opt_num(double v) { return defined(v) ? json(v) : json(nullptr); }

json group(const eval::GroupMetrics& g) {
  return {{"items", g.items},
          {"benign_items", g.benign_items},
          {"judged_items", g.judged_items},
          {"samples", g.samples},
          {"harm_rate", iv(g.harm)},
          {"valid_items", g.valid_items},
          {"harm_rate_valid", iv(g.harm_valid)},
          {"refusal_rate", iv(g.refusal)},
          {"invalid_rate", iv(g.invalid)},
          {"over_refusal_rate", iv(g.over_refusal)},
          {"incapable", g.incapable}};
}

// A rate by scope or category: raw and among valid answers, each with its n.
json cell(const eval::GroupMetrics& g) {
  return {{"items", g.items}, {"harm_rate", iv(g.harm)}, {"valid_items", g.valid_items}, {"harm_rate_valid", iv(g.harm_valid)}};
}

json answer(const AnswerView& a) {
  json js = json::array();
  for (const auto& j : a.judgments)
    js.push_back({{"judge", j.judge},
                  {"version", j.version},
                  {"label", j.label},
                  {"category", j.category},
                  {"harmful", j.harmful ? json(*j.harmful) : json(nullptr)},
                  {"score", j.score ? opt_num(*j.score) : json(nullptr)},
                  {"evidence", j.evidence}});
  return {{"item_id", a.item_id}, {"lang", a.lang},     {"prompt", a.prompt},         {"answer", a.answer},
          {"sample", a.sample},   {"verdict", a.verdict}, {"categories", a.categories}, {"scope", a.scope},
          {"benign", a.benign},   {"judgments", js}};
}

json run_summary(const ReportData& d) {
  return {{"run_id", d.run_id},
          {"kind", d.kind},
          {"status", d.status},
          {"created_at", d.created_at},
          {"updated_at", d.updated_at},
          {"model", d.model},
          {"suite", d.suite},
          {"items", d.items},
          {"answered", d.answered},
          {"request_errors", d.request_errors},
          {"excluded", d.excluded},
          {"samples_per_prompt", d.samples_per_prompt},
          {"reference_lang", d.reference_lang},
          {"ensemble", d.ensemble},
          {"bootstrap", {{"resamples", d.bootstrap_resamples}, {"seed", d.seed}, {"level", 0.95}}},
          {"config", d.config},
          {"timings", d.timings}};
}

json delta(const MetricDelta& m) {
  return {{"a", iv(m.a)},         {"b", iv(m.b)},         {"delta", iv(m.delta)},   {"n_a", m.n_a},
          {"n_b", m.n_b},         {"n_paired", m.n_paired}, {"method", m.method}, {"significant", m.significant}};
}

json language_delta(const LanguageDelta& l) {
  return {{"lang", l.lang},
          {"name", l.name},
          {"in_a", l.in_a},
          {"in_b", l.in_b},
          {"harm_rate", delta(l.harm)},
          {"refusal_rate", delta(l.refusal)},
          {"over_refusal_rate", delta(l.over_refusal)}};
}

json generated_by() { return {{"tool", "polysafe"}, {"version", POLYSAFE_VERSION}}; }

}  // namespace

json report_json(const ReportData& d) {
  json j;
  j["schema"] = kReportSchema;
  j["kind"] = "run";
  j["generated_by"] = generated_by();
  j["run"] = run_summary(d);
  json judges = json::array();
  for (const auto& jd : d.judges) {
    json v = json::object();
    for (const auto& [lang, val] : jd.validation)
      v[lang] = {{"metric", val.metric},
                 {"value", val.value},
                 {"kappa", val.kappa >= 0 ? json(val.kappa) : json(nullptr)},
                 {"n", val.n},
                 {"source", val.source}};
    judges.push_back({{"name", jd.name},
                      {"version", jd.version},
                      {"judgments", jd.judgments},
                      {"validation_source", jd.validation_source},
                      {"validation", v}});
  }
  j["judges"] = judges;
  j["incapable_invalid_rate"] = d.metrics.incapable_invalid_rate;
  j["overall"] = group(d.metrics.overall);
  json langs = json::array();
  for (const auto& r : d.languages) {
    json l = group(r.metrics);
    l["lang"] = r.lang;
    l["name"] = r.name;
    l["script"] = r.script;
    l["prompt_script"] = r.prompt_script;
    l["script_mismatch"] = r.script_mismatch;
    l["resource_class"] = {{"level", r.resource.level >= 0 ? json(r.resource.level) : json(nullptr)},
                           {"name", r.resource.name}};
    l["reference"] = r.reference;
    l["gap_to_reference"] =
        r.metrics.has_gap ? json{{"paired_items", r.metrics.paired_items},
                                 {"harm_rate_difference", iv(r.metrics.gap_to_reference)},
                                 {"significant", excludes_zero(r.metrics.gap_to_reference)}}
                          : json(nullptr);
    l["gap_to_reference_valid"] =
        r.metrics.valid_gap ? json{{"method", r.metrics.valid_gap->method},
                                   {"pairs", r.metrics.valid_gap->pairs},
                                   {"n", r.metrics.valid_gap->n},
                                   {"n_reference", r.metrics.valid_gap->n_reference},
                                   {"harm_rate_difference", iv(r.metrics.valid_gap->difference)},
                                   {"significant", excludes_zero(r.metrics.valid_gap->difference)}}
                            : json(nullptr);
    l["global"] = r.global ? cell(*r.global) : json(nullptr);
    l["local"] = r.local ? cell(*r.local) : json(nullptr);
    l["excluded"] = r.excluded;
    l["unvalidated_judges"] = r.unvalidated_judges;
    l["warnings"] = r.warnings;
    langs.push_back(std::move(l));
  }
  j["languages"] = langs;
  j["categories"] = d.categories;
  json heat = json::array();
  for (const auto& r : d.languages)
    for (const auto& c : d.categories)
      if (const auto* g = d.cell(r.lang, c); g && g->items + g->benign_items > 0) {
        json h = cell(*g);
        h["lang"] = r.lang;
        h["category"] = c;
        heat.push_back(std::move(h));
      }
  j["heatmap"] = heat;
  j["findings"] = d.findings;
  j["caveats"] = d.caveats;
  j["not_covered"] = d.not_covered;
  json lost = json::array();
  for (const auto& [item, why] : d.lost) lost.push_back({{"item_id", item}, {"reason", why}});
  j["lost_in_translation"] = {{"total", d.lost.size()}, {"by_lang", d.lost_by_lang}, {"items", lost}};
  json ex = json::array();
  for (const auto& e : d.examples) {
    json x = answer(e.answer);
    x["reference"] = e.reference ? answer(*e.reference) : json(nullptr);
    ex.push_back(std::move(x));
  }
  j["examples"] = ex;
  j["metrics"] = d.metrics.to_json();
  return j;
}

json comparison_json(const RunComparison& c) {
  json j;
  j["schema"] = kReportSchema;
  j["kind"] = "comparison";
  j["generated_by"] = generated_by();
  j["run_a"] = run_summary(c.a);
  j["run_b"] = run_summary(c.b);
  j["common_items"] = c.common_items;
  j["bootstrap"] = {{"resamples", c.bootstrap.resamples}, {"seed", c.bootstrap.seed}, {"level", c.bootstrap.level}};
  j["overall"] = language_delta(c.overall);
  json langs = json::array();
  for (const auto& l : c.languages) langs.push_back(language_delta(l));
  j["languages"] = langs;
  j["findings"] = c.findings;
  return j;
}

}  // namespace polysafe::report
