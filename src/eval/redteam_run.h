// The red-teaming run, end to end: resolve the suite (and its translations),
// store the items, ask the model for every pending answer, judge every
// unjudged answer, compute metrics. Every step reads what the run store already
// holds first, so the same call after a kill or Ctrl-C resumes where the last
// one stopped; nothing is asked or judged twice. No printing: progress goes to
// a callback the CLI draws.
#pragma once

#include <functional>
#include <string>

#include "eval/answer_judge.h"
#include "eval/redteam_metrics.h"
#include "eval/run_config.h"
#include "eval/run_phases.h"

namespace polysafe::eval {

struct RunResult {
  std::string run_id, store_path;
  bool resumed = false;      // the run existed before this call
  bool complete = false;     // every item answered and judged by every judge
  size_t items = 0, answered = 0, pending = 0, errors = 0, lost_in_translation = 0, from_cache = 0;
  double generate_s = 0;
  RedteamMetrics metrics;
};

RunResult run_redteam(const RedteamConfig& config, const RunHooks& hooks);

// Metrics of a stored run, recomputed from its judgments (the run's own config
// names the judges, ensemble, reference language and bootstrap).
RedteamMetrics run_metrics(const RunStore& store, const std::string& run_id);

}  // namespace polysafe::eval
