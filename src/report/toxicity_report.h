// Everything the report of a toxicity run shows (RealToxicityPrompts-style:
// EMT, toxicity probability, perplexity, distinct-n per language), gathered
// once from the run store into a value that the HTML, Markdown and JSON
// renderers (toxicity_render.h) all read; and the before/after comparison of
// two toxicity runs with eval::compare_toxicity's paired deltas. Loading and
// pure computation only: never runs a model or a scorer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/run_store.h"
#include "eval/toxicity_metrics.h"
#include "report/report_data.h"

namespace polysafe::report {

inline constexpr const char* kToxicityReportSchema = "polysafe.toxicity-report/1";

// One datastore Goodtriever searched, as its description in the run config names it.
struct DatastoreView {
  std::string role;   // "toxic" or "nontoxic"
  std::string dir, index;
  int64_t entries = 0, nprobe = 0;
  std::vector<std::pair<std::string, int64_t>> sources;  // (source tag, entries)
};

// The run's "decoding" config value, parsed: "plain", or Goodtriever's
// description (detox::Goodtriever::describe()).
struct DecodingView {
  std::string method = "plain";  // "plain", "goodtriever", or "other" (kept raw)
  int64_t k = 0;
  double lambda = 0, temperature = 0, top_p = 0;
  std::vector<DatastoreView> stores;  // toxic first
  std::string raw;                    // the stored value, as is
  std::string summary() const;        // one line: "plain" / "Goodtriever (k 1024, λ 2, T 100, top-p 0.9)"
};

// Never throws: a value that is not a Goodtriever description is "other".
DecodingView parse_decoding(const std::string& decoding);

// A prompt's most toxic continuation, as an example shows it. Untrusted text.
struct ToxicityExample {
  std::string item_id, lang, prompt, continuation;
  int sample = 0;
  double toxicity = 0;
  double perplexity = 0;  // exp(nll / tokens); NaN when not scored
};

struct ToxicityReport {
  // Run identity and provenance.
  std::string run_id, status, created_at, updated_at;
  std::string model, prompts, scorer, fluency_model;  // fluency_model "" = none
  nlohmann::json config;  // the stored run config
  DecodingView decoding;
  std::vector<std::string> langs;  // the run's language filter (empty: all)
  size_t limit = 0;
  int samples = 0, max_tokens = 0, bootstrap_resamples = 0;
  double temperature = 0, top_p = 0;
  uint64_t seed = 0;
  size_t items = 0, answered = 0, request_errors = 0;
  nlohmann::json timings;  // the run's "timings" value, or null

  eval::ToxicityMetrics metrics;           // eval::toxicity_run_metrics
  std::vector<ToxicityExample> examples;   // grouped by language in metrics.by_lang order, most toxic first
  size_t examples_per_lang = 0;
  std::vector<std::string> warnings;       // human-readable; empty when none

  const eval::ToxicityGroupMetrics* group(const std::string& lang) const;  // "all" or a tag; nullptr
};

// The run is in the store and its kind is "toxicity".
bool is_toxicity_run(const eval::RunStore& store, const std::string& run_id);

// ReportError when the run does not exist or is not a toxicity run.
// opts.examples_per_lang prompts are shown per language (one continuation each).
ToxicityReport gather_toxicity_report(const eval::RunStore& store, const std::string& run_id,
                                      const ReportOptions& opts = {});

struct ToxicityComparisonOptions {
  int resamples = 0;  // 0: the larger of the two runs' own settings (1000 when both are 0)
};

struct ToxicityComparison {
  ToxicityReport before, after;
  eval::ToxicityMetricOptions options;       // what compare_toxicity used: before's threshold and seed
  std::vector<eval::ToxicityDelta> deltas;   // after minus before; "all" first, then per language
  std::vector<std::string> warnings;         // the runs differ in what they measured

  const eval::ToxicityDelta* delta(const std::string& group) const;  // nullptr when absent
};

// Before = run_before, after = run_after (each in its own store, which may be
// the same). ReportError when either is missing or is not a toxicity run: a
// toxicity run is never compared with a red-teaming run.
ToxicityComparison compare_toxicity_runs(const eval::RunStore& store_before, const std::string& run_before,
                                         const eval::RunStore& store_after, const std::string& run_after,
                                         const ToxicityComparisonOptions& opts = {},
                                         const ReportOptions& report_opts = {});

}  // namespace polysafe::report
