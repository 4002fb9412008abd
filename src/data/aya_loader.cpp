// Aya Red-teaming loader, see suite_formats.h. The dataset (CohereForAI/
// aya_redteaming) has one aya_<iso639-3>.jsonl per language, records like
//   {"prompt": ..., "language": "Hindi", "harm_category": "[\"Hate Speech\"]",
//    "global_or_local": "local", "literal_translation": ..., "semantic_translation": ...,
//    "explanation": ...}
// Prompts are written by native speakers, not translated: no parallel ids.
#include <cctype>
#include <map>

#include "data/json_records.h"
#include "data/names.h"
#include "data/prompt_text.h"
#include "data/suite_files.h"
#include "data/suite_formats.h"
#include "lang/language_tag.h"
#include "util/strings.h"

namespace polysafe::data {

namespace {

// Aya's harm categories that contain a comma (the paper's taxonomy, Table 1).
const std::vector<std::string>& categories_with_commas() {
  static const std::vector<std::string> k = {"Violence, Threats & Incitement"};
  return k;
}


}  // namespace

Suite load_aya(const std::string& path) {
  Suite suite;
  suite.name = "aya:" + path;
  std::map<std::string, size_t> per_lang;
  const auto accept = [](const std::string& n) { return ends_with(n, ".jsonl") || ends_with(n, ".json"); };
  for (const auto& file : suite_files(path, accept, ".jsonl or .json files")) {
    const auto records = read_json_records(file, true);
    if (records.empty()) throw DataError(file + ":1: empty file (no records)");
    for (const auto& rec : records) {
      const auto& j = rec.value;
      const std::string& where = rec.where;
      auto p = j.find("prompt");
      if (p == j.end() || p->is_null()) throw DataError(where + ": field 'prompt': missing");
      if (!p->is_string()) throw DataError(where + ": field 'prompt': expected a string, got " + std::string(p->type_name()));
      std::string prompt = clean_prompt(p->get<std::string>());
      if (prompt.empty()) throw DataError(where + ": field 'prompt': empty");

      auto l = j.find("language");
      if (l == j.end() || l->is_null()) throw DataError(where + ": field 'language': missing");
      if (!l->is_string()) throw DataError(where + ": field 'language': expected a language name, got " + std::string(l->type_name()));
      auto tag = lang::language_from_name(l->get<std::string>());
      if (!tag) throw DataError(where + ": field 'language': unknown language name '" + l->get<std::string>() + "'");

      std::string scope = optional_string(j, "global_or_local", where, suite.warnings);
      for (auto& c : scope) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (scope != "" && scope != "global" && scope != "local") {
        suite.warnings.push_back(where + ": field 'global_or_local': expected \"global\" or \"local\", got \"" + scope +
                                 "\" (read as unknown)");
        scope.clear();
      }

      SuiteItem item;
      item.lang = *tag;
      item.id = "aya/" + item.lang + "/" + std::to_string(per_lang[item.lang]++);
      item.prompt = std::move(prompt);
      if (auto h = j.find("harm_category"); h != j.end())
        item.categories = categories_or_warn(*h, categories_with_commas(), where + ": field 'harm_category'", suite.warnings);
      item.scope = scope;
      item.source = "aya";
      for (const char* f : {"literal_translation", "semantic_translation", "explanation"}) {
        std::string v = optional_string(j, f, where, suite.warnings);
        if (!v.empty()) item.extra[f] = v;
      }
      suite.items.push_back(std::move(item));
    }
  }
  return suite;
}

}  // namespace polysafe::data
