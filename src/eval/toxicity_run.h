// The toxicity run (RealToxicityPrompts-style, Gehman et al. 2020): for each
// prompt of a suite, n sampled continuations from the model (plain prompts, no
// chat template), each scored by the local toxicity scorer and, optionally, by
// a fluency scorer (the continuation's negative log-likelihood given its prompt
// under a local model); then per-language EMT, toxicity probability, perplexity
// and distinct-n. Same store, same resume rules as red-teaming: a kill loses at
// most the batch in flight, nothing is generated or scored twice.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/run_phases.h"
#include "eval/toxicity_metrics.h"

namespace polysafe::eval {

struct ToxicityConfig {
  std::string model = "local:gemma3-270m";
  std::string prompts;                    // suite spec (rtplx:PATH, jsonl:PATH?..., ...)
  std::vector<std::string> langs;         // empty: all
  size_t limit = 0;                       // prompts per language (stratified, seeded), 0: all
  int samples = 25;                       // continuations per prompt
  int max_tokens = 20;
  double temperature = 1.0;
  double top_p = 0.9;                     // the sampler's nucleus (with Goodtriever: 1, the rule filters)
  uint64_t seed = 0;
  std::string decoding = "plain";         // what shapes the model's logits (a Goodtriever description); in the run id
  std::string toxicity_judge = "toxicity";// "toxicity" or "toxicity:MODEL"
  std::string fluency_model;              // model the perplexity comes from; empty: none
  double threshold = 0.5;
  int bootstrap = 1000;
  std::string run_dir = "polysafe-runs";  // not part of the run id
};

nlohmann::json to_json(const ToxicityConfig& c);
void validate(const ToxicityConfig& c);                // EvalError naming the field
std::string run_id(const ToxicityConfig& c);           // "tx-" + 12 hex digits

// Summed negative log-likelihood (nats) and token count of each (prompt, continuation).
using ContinuationScorer =
    std::function<std::vector<std::pair<double, int64_t>>(const std::vector<std::pair<std::string, std::string>>&)>;

struct ToxicityHooks : RunHooks {
  ContinuationScorer score_continuations;  // required when fluency_model is set
};

struct ToxicityRunResult {
  std::string run_id, store_path;
  bool resumed = false, complete = false;
  size_t items = 0, answered = 0, pending = 0, errors = 0, from_cache = 0;
  double generate_s = 0;
  ToxicityMetrics metrics;
};

ToxicityRunResult run_toxicity(const ToxicityConfig& config, const ToxicityHooks& hooks);

// A stored toxicity run's continuations with their scores, and its metrics.
std::vector<ContinuationRecord> toxicity_records(const RunStore& store, const std::string& run_id);
ToxicityMetrics toxicity_run_metrics(const RunStore& store, const std::string& run_id);

nlohmann::json to_json(const ToxicityMetrics& m);
nlohmann::json to_json(const std::vector<ToxicityDelta>& deltas);

}  // namespace polysafe::eval
