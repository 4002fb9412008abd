// Choosing which items of a suite a run evaluates: filter by language and harm
// category, then keep at most `limit` items per language, stratified so each
// category keeps its share, and aligned so that on a parallel suite every
// language gets the same prompts (paired comparisons across languages stay
// paired). Deterministic for a seed; never reorders or alters the items it keeps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "data/suite_item.h"

namespace polysafe::data {

struct SelectOptions {
  std::vector<std::string> langs;       // empty: all. Codes are normalised ("sp" = "es"); "zh" also takes zh-Hans, zh-Hant
  std::vector<std::string> categories;  // empty: all. Snake-cased before matching; an item matches if any category does
  size_t limit = 0;                     // per language, 0 = all
  uint64_t seed = 0;
  bool include_benign = true;
};

// The algorithm:
//  1. Filter: items whose language is requested (equal to a requested tag, or
//     extending it: "zh" takes "zh-Hant"), with a requested category, and not
//     benign unless include_benign. A requested language or category that no
//     item of the suite has is a DataError naming it and listing those present.
//  2. With limit 0, that is the result. Otherwise items are grouped into sampling
//     units: the items sharing a parallel_id (translations of one prompt) form a
//     group, an item without one is its own group; a group's items in one
//     language are one unit of that language (normally a single item).
//  3. Strata: an item's stratum is its scope and primary category (the first
//     of its categories that was requested, or its first; "" when none), written
//     "scope/category". A group's stratum is the most common one among its items
//     (ties: the smallest name), so all translations of a prompt share a stratum
//     even when per-language labels differ (RTP-LX annotates each language).
//     Scope is part of the stratum so culture-specific (local) prompts keep their
//     share beside translated (global) ones.
//  4. Per language, with N units of which n_s in stratum s: when limit >= N all
//     are kept; otherwise stratum s gets floor(limit * n_s / N) units and the
//     units left over go one each to the strata with the largest remainders
//     (limit * n_s mod N; ties: stratum name order) - Hamilton's largest
//     remainder method.
//  5. Within a stratum units are taken in one order shared by all languages:
//     first the groups present in every selected language ("complete"), then
//     the rest; each part ordered by splitmix64(seed XOR fnv1a64(group key)),
//     ties by key. So languages with equal quotas take exactly the same
//     parallel ids, and in any case one language's complete groups in a
//     stratum are a prefix of the other's. The order of a group never depends
//     on which other items exist, so adding a prompt does not reshuffle others.
//  6. The kept items come back in suite order; the suite name gains nothing.
Suite select_items(const Suite& suite, const SelectOptions& options);

}  // namespace polysafe::data
