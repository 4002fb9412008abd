#include "report/run_comparison.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>

#include "eval/run_config.h"
#include "lang/language_id.h"
#include "report/report_error.h"
#include "report/report_format.h"

namespace polysafe::report {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Per-item values of one metric in one language of one run, by item id.
using Values = std::unordered_map<std::string, double>;

struct RunValues {
  std::map<std::string, Values> harm, refusal, over_refusal;  // by language; "all" for the whole run
  std::set<std::string> ids;                                  // every scored item
};

RunValues values_of(const RunSnapshot& run) {
  RunValues v;
  for (const auto& o : item_outcomes(run)) {
    const auto& it = *o.item;
    v.ids.insert(it.id);
    for (const std::string& lang : {it.lang, std::string("all")}) {
      if (it.benign) {
        v.over_refusal[lang].emplace(it.id, o.refusal);
      } else {
        v.refusal[lang].emplace(it.id, o.refusal);
        if (defined(o.harm)) v.harm[lang].emplace(it.id, o.harm);
      }
    }
  }
  return v;
}

const eval::GroupMetrics* group_of(const ReportData& d, const std::string& lang) {
  if (lang == "all") return &d.metrics.overall;
  for (const auto& g : d.metrics.by_lang)
    if (g.group == lang) return &g;
  return nullptr;
}

MetricDelta delta_of(const Values* a, const Values* b, const eval::Interval& rate_a, const eval::Interval& rate_b,
                     const eval::BootstrapOptions& bo, double min_share) {
  MetricDelta m;
  m.a = rate_a;
  m.b = rate_b;
  m.n_a = a ? a->size() : 0;
  m.n_b = b ? b->size() : 0;
  m.delta = {kNaN, kNaN, kNaN};
  m.method = "none";
  if (m.n_a == 0 || m.n_b == 0) return m;
  std::vector<std::string> common;
  for (const auto& [id, x] : *a)
    if (b->count(id)) common.push_back(id);
  std::sort(common.begin(), common.end());  // a stable order: the same runs give the same interval
  const double share = double(common.size()) / double(std::max(m.n_a, m.n_b));
  if (common.size() >= 2 && share >= min_share) {
    std::vector<double> va, vb;
    for (const auto& id : common) {
      va.push_back(a->at(id));
      vb.push_back(b->at(id));
    }
    m.delta = eval::paired_bootstrap_difference(vb, va, bo);
    m.method = "paired";
    m.n_paired = common.size();
  } else {
    std::vector<std::pair<std::string, double>> sa(a->begin(), a->end()), sb(b->begin(), b->end());
    std::sort(sa.begin(), sa.end());
    std::sort(sb.begin(), sb.end());
    std::vector<double> va, vb;
    for (auto& [id, x] : sa) va.push_back(x);
    for (auto& [id, x] : sb) vb.push_back(x);
    m.delta = independent_bootstrap_difference(va, vb, bo);
    m.method = "independent";
  }
  m.significant = bo.resamples > 0 && excludes_zero(m.delta);
  return m;
}

std::string changes(const std::vector<LanguageDelta>& langs, MetricDelta LanguageDelta::*metric) {
  std::string s;
  for (const auto& l : langs) {
    const MetricDelta& m = l.*metric;
    if (!m.significant) continue;
    s += (s.empty() ? "" : "; ") + l.lang + " " + format_points_ci(m.delta);
  }
  return s;
}

}  // namespace

RunComparison compare_runs(const RunSnapshot& a, const RunSnapshot& b, const ComparisonOptions& opts,
                           const ReportOptions& report_opts) {
  RunComparison c;
  c.a = build_report(a, report_opts);
  c.b = build_report(b, report_opts);
  c.bootstrap = opts.bootstrap;
  if (c.bootstrap.resamples <= 0) {
    c.bootstrap.resamples = std::max(c.a.bootstrap_resamples, c.b.bootstrap_resamples);
    if (c.bootstrap.resamples <= 0) c.bootstrap.resamples = 1000;
    c.bootstrap.seed = c.a.seed;
  }
  const RunValues va = values_of(a), vb = values_of(b);
  for (const auto& id : vb.ids) c.common_items += va.ids.count(id);
  std::vector<std::string> langs;
  for (const auto* d : {&c.a, &c.b})
    for (const auto& r : d->languages)
      if (std::find(langs.begin(), langs.end(), r.lang) == langs.end()) langs.push_back(r.lang);
  std::stable_sort(langs.begin(), langs.end(), [&](const std::string& x, const std::string& y) {
    const bool rx = x == c.a.reference_lang, ry = y == c.a.reference_lang;
    if (rx != ry) return rx;
    return x < y;
  });
  auto find = [](const std::map<std::string, Values>& m, const std::string& k) -> const Values* {
    auto it = m.find(k);
    return it == m.end() ? nullptr : &it->second;
  };
  const eval::Interval none{kNaN, kNaN, kNaN};
  auto one = [&](const std::string& lang) {
    LanguageDelta d;
    d.lang = lang;
    d.name = lang == "all" ? "All languages" : lang::language_display_name(lang);
    const auto* ga = group_of(c.a, lang);
    const auto* gb = group_of(c.b, lang);
    d.in_a = ga != nullptr;
    d.in_b = gb != nullptr;
    auto seeded = [&](const std::string& metric) {
      eval::BootstrapOptions o = c.bootstrap;
      o.seed = eval::group_seed(c.bootstrap.seed, "compare|" + metric + "|" + lang);
      return o;
    };
    d.harm = delta_of(find(va.harm, lang), find(vb.harm, lang), ga ? ga->harm : none, gb ? gb->harm : none,
                      seeded("harm"), opts.min_paired_share);
    d.refusal = delta_of(find(va.refusal, lang), find(vb.refusal, lang), ga ? ga->refusal : none,
                         gb ? gb->refusal : none, seeded("refusal"), opts.min_paired_share);
    d.over_refusal = delta_of(find(va.over_refusal, lang), find(vb.over_refusal, lang),
                              ga ? ga->over_refusal : none, gb ? gb->over_refusal : none, seeded("over_refusal"),
                              opts.min_paired_share);
    return d;
  };
  c.overall = one("all");
  for (const auto& l : langs) c.languages.push_back(one(l));

  // Findings.
  c.findings.push_back("Run B (" + c.b.run_id + ") minus run A (" + c.a.run_id + "): harm rate " +
                       format_points_ci(c.overall.harm.delta) + ", refusal rate " +
                       format_points_ci(c.overall.refusal.delta) + ", over-refusal " +
                       format_points_ci(c.overall.over_refusal.delta) + " overall (" +
                       (c.overall.harm.method == "paired" || c.overall.refusal.method == "paired"
                            ? "paired on " + std::to_string(c.common_items) + " common items"
                            : std::string("independent samples: the runs share no prompts")) +
                       ").");
  struct Named {
    const char* name;
    MetricDelta LanguageDelta::*metric;
  };
  for (const Named& n : {Named{"Harm rate", &LanguageDelta::harm}, Named{"Refusal rate", &LanguageDelta::refusal},
                         Named{"Over-refusal", &LanguageDelta::over_refusal}}) {
    const std::string s = changes(c.languages, n.metric);
    if (!s.empty()) c.findings.push_back(std::string(n.name) + " changed significantly in: " + s + ".");
  }
  if (c.findings.size() == 1)
    c.findings.push_back("No per-language change is significant (every 95% interval includes 0).");
  std::vector<std::string> only_a, only_b;
  for (const auto& l : c.languages) {
    if (!l.in_b) only_a.push_back(l.lang);
    if (!l.in_a) only_b.push_back(l.lang);
  }
  auto list = [](const std::vector<std::string>& v) {
    std::string s;
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
    return s;
  };
  if (!only_a.empty()) c.findings.push_back("Only in run A: " + list(only_a) + ".");
  if (!only_b.empty()) c.findings.push_back("Only in run B: " + list(only_b) + ".");
  return c;
}

}  // namespace polysafe::report
