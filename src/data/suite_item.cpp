// SuiteItem <-> JSON, the form the built-in suite and run stores use.
#include "data/suite_item.h"

#include <algorithm>
#include <set>

#include "data/names.h"

namespace polysafe::data {

namespace {

const std::set<std::string>& known_fields() {
  static const std::set<std::string> k = {"id",    "parallel_id", "lang",   "prompt", "categories",
                                          "scope", "benign",      "source", "extra"};
  return k;
}

std::string field_where(const std::string& where, const std::string& field) { return where + ": field '" + field + "'"; }

std::string get_string(const nlohmann::json& j, const std::string& field, const std::string& where, bool required) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) {
    if (required) throw DataError(field_where(where, field) + ": missing");
    return "";
  }
  if (!it->is_string())
    throw DataError(field_where(where, field) + ": expected a string, got " + std::string(it->type_name()));
  std::string s = it->get<std::string>();
  if (required && s.empty()) throw DataError(field_where(where, field) + ": empty");
  return s;
}

}  // namespace

nlohmann::json to_json(const SuiteItem& item) {
  nlohmann::json j = {
      {"id", item.id},
      {"parallel_id", item.parallel_id},
      {"lang", item.lang},
      {"prompt", item.prompt},
      {"categories", item.categories},
      {"scope", item.scope},
      {"benign", item.benign},
  };
  if (!item.source.empty()) j["source"] = item.source;
  if (item.extra.is_object() && !item.extra.empty()) j["extra"] = item.extra;
  return j;
}

SuiteItem item_from_json(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw DataError(where + ": expected a JSON object, got " + std::string(j.type_name()));
  for (const auto& [key, value] : j.items()) {
    if (!known_fields().count(key))
      throw DataError(field_where(where, key) +
                      ": unknown (expected id, parallel_id, lang, prompt, categories, scope, benign, source, extra)");
  }
  SuiteItem item;
  item.id = get_string(j, "id", where, true);
  item.parallel_id = get_string(j, "parallel_id", where, false);
  item.lang = language_tag(get_string(j, "lang", where, true), field_where(where, "lang"));
  item.prompt = get_string(j, "prompt", where, true);
  item.scope = get_string(j, "scope", where, false);
  if (item.scope != "" && item.scope != "global" && item.scope != "local")
    throw DataError(field_where(where, "scope") + ": expected \"global\", \"local\" or \"\", got \"" + item.scope + "\"");
  item.source = get_string(j, "source", where, false);

  if (auto it = j.find("categories"); it != j.end() && !it->is_null()) {
    if (!it->is_array())
      throw DataError(field_where(where, "categories") + ": expected an array of strings, got " + std::string(it->type_name()));
    for (size_t i = 0; i < it->size(); ++i) {
      const auto& c = (*it)[i];
      if (!c.is_string())
        throw DataError(field_where(where, "categories") + ": element " + std::to_string(i) + ": expected a string, got " +
                        std::string(c.type_name()));
      std::string name = category_name(c.get<std::string>());
      if (name.empty())
        throw DataError(field_where(where, "categories") + ": element " + std::to_string(i) + ": \"" +
                        c.get<std::string>() + "\" has no letters or digits");
      if (std::find(item.categories.begin(), item.categories.end(), name) == item.categories.end())
        item.categories.push_back(std::move(name));
    }
  }
  if (auto it = j.find("benign"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) throw DataError(field_where(where, "benign") + ": expected true or false, got " +
                                  it->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    item.benign = it->get<bool>();
  }
  if (auto it = j.find("extra"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) throw DataError(field_where(where, "extra") + ": expected an object, got " + std::string(it->type_name()));
    item.extra = *it;
  }
  return item;
}

}  // namespace polysafe::data
