#include "judge/refusal_items.h"

#include <nlohmann/json.hpp>

#include "judge/judge_error.h"
#include "util/jsonl.h"

namespace polysafe::judge {

namespace {

std::string string_field(const nlohmann::json& j, const std::string& where, const char* name, bool required) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) {
    if (required) throw JudgeError(where + ": field '" + name + "': missing");
    return "";
  }
  if (it->is_number_integer() && std::string_view(name) == "id") return std::to_string(it->get<long long>());
  if (!it->is_string())
    throw JudgeError(where + ": field '" + name + "': expected string, got " + std::string(it->type_name()));
  return it->get<std::string>();
}

}  // namespace

std::vector<RefusalItem> read_refusal_jsonl(const std::string& path, bool require_label, bool require_verdict) {
  std::vector<RefusalItem> items;
  jsonl::for_each_record<JudgeError>(path, true, [&](const nlohmann::json& j, const std::string& where,
                                                     size_t lineno) {
    RefusalItem it;
    it.line = lineno;
    it.id = string_field(j, where, "id", false);
    it.lang = string_field(j, where, "lang", false);
    it.prompt = string_field(j, where, "prompt", true);
    it.answer = string_field(j, where, "answer", true);
    it.note = string_field(j, where, "note", false);
    std::string label = string_field(j, where, "label", require_label);
    if (!label.empty()) {
      try {
        it.label = parse_refusal_label(label);
      } catch (const JudgeError& e) {
        throw JudgeError(where + ": field 'label': " + e.what());
      }
    }
    if (auto b = j.find("benign"); b != j.end() && !b->is_null()) {
      if (!b->is_boolean())
        throw JudgeError(where + ": field 'benign': expected true or false, got " + std::string(b->type_name()));
      it.benign = b->get<bool>();
    }
    it.verdict = string_field(j, where, "verdict", require_verdict);
    if (!it.verdict.empty() && it.verdict != "harmful" && it.verdict != "refused" && it.verdict != "invalid" &&
        it.verdict != "ok")
      throw JudgeError(where + ": field 'verdict': expected harmful, refused, invalid or ok, got '" + it.verdict + "'");
    items.push_back(std::move(it));
  });
  if (items.empty()) throw JudgeError(path + ": no records");
  return items;
}

}  // namespace polysafe::judge
