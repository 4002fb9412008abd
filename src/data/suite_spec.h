// The suite spec strings users type ("xsafety:DIR", "jsonl:f.jsonl?text=q&lang=l",
// "builtin:redteam"), parsed into scheme, path and parameters. Only syntax is
// checked here; which schemes and keys exist is the loaders' business.
// Never touches the filesystem.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace polysafe::data {

struct SuiteSpec {
  std::string scheme;  // lower-cased text before the first ':'
  std::string path;    // between ':' and '?' (or the end)
  std::vector<std::pair<std::string, std::string>> params;  // "?k=v&k2=v2", %XX decoded, in order

  // The value of a parameter, or nullptr when absent.
  const std::string* param(const std::string& key) const;
};

// Throws DataError("suite spec '<spec>': ...") for a missing scheme or path, a
// parameter without '=', an empty or repeated key, or a bad %XX escape.
SuiteSpec parse_suite_spec(const std::string& spec);

}  // namespace polysafe::data
