// The per-language summary a red-teaming run prints (eval, runs show): items,
// harm rate and harm among valid answers with 95% intervals and their n,
// refusal / invalid rates (flagged past the incapability threshold),
// over-refusal on benign controls, the gap to the reference language among
// valid answers with its pairs, and the raw gap; and the toxicity run's table.
#pragma once

#include <ostream>

#include "eval/redteam_metrics.h"
#include "eval/toxicity_metrics.h"

namespace polysafe::cli {

void print_metrics_table(std::ostream& out, const eval::RedteamMetrics& m);
// A toxicity run's summary: EMT, toxicity probability, perplexity, distinct-n per language.
void print_toxicity_table(std::ostream& out, const eval::ToxicityMetrics& m);

}  // namespace polysafe::cli
