// A red-teaming or toxicity suite as the evaluation sees it: prompts with their
// language, harm categories, global/local scope, source and the id that links
// translations of the same prompt (parallel suites). Loaders for every format
// produce these; nothing downstream knows which file an item came from.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace polysafe::data {

// Unreadable or malformed suite files and specs; messages name file:line:field.
class DataError : public Error {
 public:
  using Error::Error;
};

struct SuiteItem {
  std::string id;                       // unique within the suite, stable across runs
  std::string parallel_id;              // same for all translations of one prompt; empty when not parallel
  std::string lang;                     // BCP-47, normalised ("es", "zh-Hant", "sr-Latn")
  std::string prompt;                   // the user turn sent to the model
  std::vector<std::string> categories;  // harm categories, lower_snake_case ("violence", "self_harm")
  std::string scope;                    // "global", "local" (culture-specific) or "" when unknown
  bool benign = false;                  // a control prompt that should be answered, not refused
  std::string source;                   // "builtin:redteam", "xsafety", "aya", ...
  nlohmann::json extra = nlohmann::json::object();  // format-specific fields kept for reports
};

struct Suite {
  std::string name;  // the spec it was loaded from
  std::vector<SuiteItem> items;
  // What the loader could not read but did not need: "file:line: field 'x': ..."
  // for an optional cell left empty (its row kept), a column ignored, a row
  // padded. Errors are thrown instead; these never stop a load.
  std::vector<std::string> warnings;
};

nlohmann::json to_json(const SuiteItem& item);
SuiteItem item_from_json(const nlohmann::json& j, const std::string& where);  // DataError naming where:field

}  // namespace polysafe::data
