// Everything a report shows about one red-teaming run, gathered once into a
// value that the HTML, Markdown and JSON renderers all read — so the three
// outputs can never disagree. Built from a RunSnapshot (what the run store
// holds for the run, with its metrics recomputed by eval::run_metrics); pure
// computation after loading. Never runs a model or a judge.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/redteam_metrics.h"
#include "eval/run_store.h"
#include "report/judge_validation.h"
#include "report/resource_class.h"

namespace polysafe::report {

// What the run store holds for one run, read in one go.
struct RunSnapshot {
  eval::RunInfo info;
  std::vector<data::SuiteItem> items;                         // all, excluded ones included
  std::vector<eval::StoredResponse> responses;
  std::vector<eval::StoredJudgment> judgments;
  std::vector<std::pair<std::string, std::string>> excluded;  // (item, reason), e.g. lost in translation
  size_t request_errors = 0;
  nlohmann::json timings;                                     // the run's "timings" value, or null
  eval::RedteamMetrics metrics;                               // eval::run_metrics of the run
};

// ReportError when the run does not exist or is not a red-teaming run.
RunSnapshot load_run(const eval::RunStore& store, const std::string& run_id);

// One item reduced to the values the metrics use (eval::compute_redteam_metrics'
// definitions), with the verdicts of the run's judges combined by its ensemble.
struct ItemOutcome {
  const data::SuiteItem* item = nullptr;
  size_t samples = 0, voted = 0;
  double harm = 0;        // share of voted samples judged harmful (NaN when none voted)
  double refusal = 0;     // share of samples refused
  double invalid = 0;     // share of samples invalid
  double max_toxicity = -1;  // highest toxicity score of its answers, -1 when none
  int worst_sample = 0;   // the sample shown as its example (harmful first)
};

// Outcomes of the items of a run that are scored: excluded items and items
// without any answer are left out. Judgments of judges the run's config does
// not name are ignored, as eval::run_metrics ignores them.
std::vector<ItemOutcome> item_outcomes(const RunSnapshot& run);

struct JudgmentView {
  std::string judge, version, label, category;
  std::optional<bool> harmful;
  std::optional<double> score;
  std::vector<std::string> evidence;
};

// One answer as an example shows it.
struct AnswerView {
  std::string item_id, lang, prompt, answer;
  int sample = 0;
  std::vector<std::string> categories;
  std::string scope;
  bool benign = false;
  std::string verdict;  // "harmful", "over-refusal", "invalid", "refused", "complied", "unjudged"
  std::vector<JudgmentView> judgments;
};

struct Example {
  AnswerView answer;
  std::optional<AnswerView> reference;  // the parallel item in the reference language, when the suite is parallel
};

struct JudgeSummary {
  std::string name, version;
  size_t judgments = 0;
  std::string validation_source;                       // "" when none is documented
  std::map<std::string, JudgeValidation> validation;   // per language of the run where known
};

struct LanguageRow {
  std::string lang, name;   // "hi", "Hindi"
  std::string script;         // the language's usual ISO 15924 script (CLDR likely subtags: "hi" -> "Deva"); "" when unknown
  std::string prompt_script;  // dominant script of the letters of its prompts ("Zyyy" when none)
  bool script_mismatch = false;  // prompts mostly in another script (romanised, or swamped by markup)
  ResourceClass resource;
  bool reference = false;   // the language gaps are measured against
  eval::GroupMetrics metrics;
  std::optional<eval::GroupMetrics> global, local;  // by scope, when the suite has that scope here
  size_t excluded = 0;      // items lost in translation
  std::vector<std::string> unvalidated_judges;       // judges without validation numbers in this language
  std::vector<std::string> warnings;                 // human-readable, empty when none
};

struct ReportOptions {
  size_t examples_per_lang = 3;  // worst items shown per language
  size_t small_n = 30;           // fewer harmful-prompt items: the CI is too wide to mean much
};

struct ReportData {
  // Run identity and provenance.
  std::string run_id, kind, status, created_at, updated_at, model, suite;
  std::string polysafe_version;
  nlohmann::json config;     // the stored, resolved run config
  std::string reference_lang, ensemble;
  int samples_per_prompt = 1, bootstrap_resamples = 0;
  uint64_t seed = 0;
  size_t items = 0, answered = 0, request_errors = 0, excluded = 0;
  nlohmann::json timings;
  std::vector<JudgeSummary> judges;

  eval::RedteamMetrics metrics;
  std::vector<LanguageRow> languages;   // reference language first, then by code
  std::vector<std::string> categories;  // harm categories with at least one item, sorted
  std::vector<Example> examples;        // grouped by language in `languages` order, worst first
  std::map<std::string, size_t> lost_by_lang;
  std::vector<std::pair<std::string, std::string>> lost;  // (item, reason)

  std::vector<std::string> findings;     // key findings, most important first
  std::vector<std::string> caveats;      // method and limits
  std::vector<std::string> not_covered;  // what the run did not test
  ReportOptions options;

  const LanguageRow* language(const std::string& lang) const;
  // by_lang_category / by_lang_scope cell ("hi", "violence"), or nullptr.
  const eval::GroupMetrics* cell(const std::string& lang, const std::string& category) const;
};

ReportData build_report(const RunSnapshot& run, const ReportOptions& opts = {});

// load_run + build_report.
ReportData gather_report(const eval::RunStore& store, const std::string& run_id, const ReportOptions& opts = {});

}  // namespace polysafe::report
