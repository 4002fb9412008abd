// MultiJail-style wide CSV loader, see suite_formats.h. MultiJail (DAMO-NLP-SG,
// multilingual-safety-for-LLMs, data/MultiJail.csv) ships 315 English prompts
// from Anthropic's red-teaming data and OpenAI's GPT-4 report with human
// translations into nine languages, one column per language, as pandas wrote it:
//   <BOM>id,source,tags,en,zh,it,vi,ar,ko,th,bn,sw,jv
// with `tags` a Python list literal ("['Violence, aiding and abetting, incitement',
// 'Hate speech & offensive language']").
#include <cctype>
#include <set>

#include "data/csv_table.h"
#include "data/names.h"
#include "data/prompt_text.h"
#include "data/suite_formats.h"
#include "lang/language_tag.h"
#include "util/strings.h"

namespace polysafe::data {

namespace {

// MultiJail's tags that contain commas themselves (Anthropic red-team tag set),
// for files whose tags are a bare comma-separated string rather than a list.
const std::vector<std::string>& tags_with_commas() {
  static const std::vector<std::string> k = {"Non-violent unethical behavior (e.g. lying, cheating, etc.)",
                                             "Violence, aiding and abetting, incitement"};
  return k;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The language a column header names, or "" when it names none: shaped like a
// tag is not enough ("url", "ref" are), ICU must know the language too.
std::string language_of_column(const std::string& name) {
  const std::string tag = lang::normalize_language_tag(name);
  if (!lang::is_language_tag(tag)) return "";
  if (lower(lang::language_display_name(tag)) == lower(tag)) return "";
  return tag;
}

}  // namespace

Suite load_multijail(const std::string& csv_path) {
  CsvTable t = read_csv_table(csv_path);
  Suite suite;
  suite.name = "multijail:" + csv_path;
  suite.warnings = std::move(t.warnings);
  int c_id = -1, c_source = -1, c_tags = -1;
  std::vector<std::pair<size_t, std::string>> lang_cols;  // column, BCP-47 tag
  std::set<std::string> langs;
  for (size_t i = 0; i < t.header.size(); ++i) {
    const std::string name = lower(t.header[i]);
    const std::string where = csv_path + ":1: column " + std::to_string(i + 1) + " '" + t.header[i] + "'";
    int* role = name == "id" ? &c_id : name == "source" ? &c_source : name == "tags" ? &c_tags : nullptr;
    if (role) {
      if (*role < 0) *role = int(i);
      continue;  // a repeated name: read_csv_table has warned
    }
    const std::string tag = language_of_column(t.header[i]);
    if (tag.empty()) {
      // An extra column (pandas' nameless index, notes, a URL) carries no prompt.
      suite.warnings.push_back(where + ": ignored (neither a language code nor one of id, source, tags)");
      continue;
    }
    if (!langs.insert(tag).second) {
      suite.warnings.push_back(where + ": ignored (a second column for language '" + tag + "')");
      continue;
    }
    lang_cols.emplace_back(i, tag);
  }
  if (lang_cols.empty()) throw DataError(csv_path + ":1: no language columns (have: " + join(t.header, ", ") + ")");

  std::set<std::string> seen;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    const auto& row = t.rows[r];
    const std::string where = t.where(row);
    const std::string key =
        t.unique_id(c_id >= 0 ? clean_prompt(row.fields[size_t(c_id)]) : std::to_string(r), row, seen, suite.warnings);
    std::vector<std::string> categories;
    if (c_tags >= 0)
      categories = categories_or_warn(row.fields[size_t(c_tags)], tags_with_commas(), where + ": field 'tags'", suite.warnings);
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
