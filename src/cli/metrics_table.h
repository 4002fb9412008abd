// The per-language summary a red-teaming run prints (eval, runs show): items,
// harm / refusal / invalid rates with 95% intervals, over-refusal on benign
// controls, and the paired gap to the reference language.
#pragma once

#include <ostream>

#include "eval/redteam_metrics.h"

namespace polysafe::cli {

void print_metrics_table(std::ostream& out, const eval::RedteamMetrics& m);

}  // namespace polysafe::cli
