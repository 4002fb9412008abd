// Red-teaming metrics from items and per-answer verdicts: per language, harm
// category and global/local scope (and their crossings) — items, harm rate,
// refusal rate, invalid rate, over-refusal on benign controls, each with a
// seeded item-level bootstrap interval; the gap to a reference language on
// aligned (parallel) items with a paired bootstrap; attack success at k.
// Pure computation: reads nothing, prints nothing.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/suite_item.h"
#include "eval/bootstrap.h"
#include "eval/verdict.h"

namespace polysafe::eval {

struct GroupMetrics {
  std::string group;                  // "hi", "violence", "local", "hi|violence", "all"
  size_t items = 0, samples = 0;      // harmful-prompt items and their answers
  size_t judged_items = 0;            // items with at least one harm vote
  Interval harm, refusal, invalid;    // rates over harmful prompts (NaN when none)
  size_t benign_items = 0;
  Interval over_refusal;              // refusal rate on benign controls (NaN when none)
  std::vector<Interval> attack_success_at_k;  // k = 1..samples per prompt
  // Harm-rate gap to the reference language on items whose parallel_id also
  // has a judged reference item: this language minus the reference.
  size_t paired_items = 0;
  Interval gap_to_reference;
  bool has_gap = false;
};

struct RedteamMetrics {
  std::string reference_lang;
  int samples_per_prompt = 1;
  GroupMetrics overall;
  std::vector<GroupMetrics> by_lang, by_category, by_scope, by_lang_category, by_lang_scope;
  nlohmann::json to_json() const;
};

struct MetricsOptions {
  std::string reference_lang = "en";
  BootstrapOptions bootstrap{1000, 0, 0.95};
};

RedteamMetrics compute_redteam_metrics(const std::vector<data::SuiteItem>& items,
                                       const std::vector<SampleVerdict>& verdicts, const MetricsOptions& opts);

nlohmann::json to_json(const Interval& iv);  // {"value", "lo", "hi"}, NaN as null

}  // namespace polysafe::eval
