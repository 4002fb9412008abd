#include "judge/labeled_text.h"

#include <nlohmann/json.hpp>

#include "judge/judge_error.h"
#include "util/jsonl.h"

namespace polysafe::judge {

namespace {

int parse_label(const nlohmann::json& v, const std::string& where) {
  if (v.is_boolean()) return v.get<bool>() ? 1 : 0;
  if (v.is_number_integer() || v.is_number_unsigned()) {
    auto i = v.get<long long>();
    if (i == 0 || i == 1) return int(i);
  } else if (v.is_number_float()) {
    double d = v.get<double>();
    if (d == 0.0 || d == 1.0) return int(d);
  } else if (v.is_string()) {
    auto s = v.get<std::string>();
    if (s == "0" || s == "false") return 0;
    if (s == "1" || s == "true") return 1;
  }
  throw JudgeError(where + ": expected 0/1/true/false, got " + v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::string scalar_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

}  // namespace

std::vector<LabeledText> read_labeled_jsonl(const std::string& path, const JsonlFields& fields) {
  std::vector<LabeledText> rows;
  jsonl::for_each_record<JudgeError>(path, true, [&](const nlohmann::json& j, const std::string& where, size_t) {
    LabeledText row;
    auto t = j.find(fields.text);
    if (t == j.end()) throw JudgeError(where + ": field '" + fields.text + "': missing");
    if (!t->is_string()) throw JudgeError(where + ": field '" + fields.text + "': expected string, got " + t->type_name());
    row.text = t->get<std::string>();
    if (!fields.label.empty()) {
      auto l = j.find(fields.label);
      if (l == j.end()) throw JudgeError(where + ": field '" + fields.label + "': missing");
      row.label = parse_label(*l, where + ": field '" + fields.label + "'");
    }
    for (const auto& name : fields.extra) {
      auto e = j.find(name);
      row.extra.push_back(e == j.end() ? "" : scalar_text(*e));
    }
    rows.push_back(std::move(row));
  });
  return rows;
}

}  // namespace polysafe::judge
