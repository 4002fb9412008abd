// The per-language summary a red-teaming run prints (eval, runs show): items,
// harm / refusal / invalid rates with 95% intervals, over-refusal on benign
// controls, and the paired gap to the reference language; and the toxicity
// run's per-language table.
#pragma once

#include <ostream>

#include "eval/redteam_metrics.h"
#include "eval/toxicity_metrics.h"

namespace polysafe::cli {

void print_metrics_table(std::ostream& out, const eval::RedteamMetrics& m);
// A toxicity run's summary: EMT, toxicity probability, perplexity, distinct-n per language.
void print_toxicity_table(std::ostream& out, const eval::ToxicityMetrics& m);

}  // namespace polysafe::cli
