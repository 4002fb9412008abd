// MultiJail-style wide CSV loader, see suite_formats.h. MultiJail (DAMO-NLP-SG)
// ships 315 English prompts from Anthropic's red-teaming data and OpenAI's GPT-4
// report with human translations into nine languages, one column per language:
//   id,source,tags,en,zh,it,vi,ar,ko,th,bn,sw,jv
#include <cctype>
#include <set>

#include "data/csv_table.h"
#include "data/names.h"
#include "data/prompt_text.h"
#include "data/suite_formats.h"
#include "util/strings.h"

namespace polysafe::data {

namespace {

// MultiJail's tags that contain commas themselves (Anthropic red-team tag set).
const std::vector<std::string>& tags_with_commas() {
  static const std::vector<std::string> k = {"Non-violent unethical behavior (e.g. lying, cheating, etc.)"};
  return k;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

Suite load_multijail(const std::string& csv_path) {
  CsvTable t = read_csv_table(csv_path);
  int c_id = -1, c_source = -1, c_tags = -1;
  std::vector<std::pair<size_t, std::string>> lang_cols;  // column, BCP-47 tag
  std::set<std::string> langs;
  for (size_t i = 0; i < t.header.size(); ++i) {
    const std::string name = lower(t.header[i]);
    if (name == "id") c_id = int(i);
    else if (name == "source") c_source = int(i);
    else if (name == "tags") c_tags = int(i);
    else {
      const std::string where = csv_path + ":1: column '" + t.header[i] + "'";
      std::string tag;
      try {
        tag = language_tag(t.header[i], where);
      } catch (const DataError&) {
        throw DataError(where + ": neither a language code nor one of id, source, tags");
      }
      if (!langs.insert(tag).second) throw DataError(where + ": language '" + tag + "' has two columns");
      lang_cols.emplace_back(i, tag);
    }
  }
  if (lang_cols.empty()) throw DataError(csv_path + ":1: no language columns (have: " + join(t.header, ", ") + ")");

  Suite suite;
  suite.name = "multijail:" + csv_path;
  std::set<std::string> seen;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    const auto& row = t.rows[r];
    const std::string where = t.where(row);
    std::string key = c_id >= 0 ? clean_prompt(row.fields[size_t(c_id)]) : std::to_string(r);
    if (key.empty()) throw DataError(where + ": field 'id': empty");
    if (!seen.insert(key).second) throw DataError(where + ": field 'id': '" + key + "' repeated");
    std::vector<std::string> categories;
    if (c_tags >= 0)
      categories = categories_from(row.fields[size_t(c_tags)], tags_with_commas(), where + ": field 'tags'");
    for (const auto& [col, lang] : lang_cols) {
      std::string prompt = clean_prompt(row.fields[col]);
      if (prompt.empty()) continue;  // this language lacks the prompt; the others keep the id
      SuiteItem item;
      item.parallel_id = "multijail/" + key;
      item.id = item.parallel_id + "/" + lang;
      item.lang = lang;
      item.prompt = std::move(prompt);
      item.categories = categories;
      item.source = "multijail";
      if (c_source >= 0) item.extra["origin"] = row.fields[size_t(c_source)];
      if (c_id >= 0) item.extra["multijail_id"] = key;
      suite.items.push_back(std::move(item));
    }
  }
  if (suite.items.empty()) throw DataError(csv_path + ":2: no prompts after the header");
  return suite;
}

}  // namespace polysafe::data
