// JSON in and out of the template world: context variables from nlohmann::json
// (keeping object key order when given ordered_json), and the `tojson` filter as
// HF transformers overrides it: json.dumps(x, ensure_ascii=False, indent=...,
// separators=..., sort_keys=False), byte-identical to Python's json module.
// Values JSON cannot represent (Undefined, namespaces, functions) throw JinjaError.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "chat_template/jinja_value.h"

namespace polysafe::chat_template::jinja {

Value from_json(const nlohmann::json& j);
Value from_json(const nlohmann::ordered_json& j);

struct JsonDumpOptions {
  bool ensure_ascii = false;
  std::optional<std::string> indent;  // nullopt: single line
  std::optional<std::pair<std::string, std::string>> separators;  // (item, key)
  bool sort_keys = false;
};
std::string to_json(const Value& v, const JsonDumpOptions& opt);

}  // namespace polysafe::chat_template::jinja
