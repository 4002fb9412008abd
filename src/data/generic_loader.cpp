// The generic loaders: any JSON Lines or CSV file (or directory of them) whose
// fields are named in the spec:
//   jsonl:PATH?text=FIELD&lang=FIELD&category=FIELD&id=FIELD&parallel=FIELD&scope=FIELD&benign=FIELD&default_lang=CODE
//   csv:PATH?...   (same keys; FIELD is a column of the header row)
// text is required, and lang or default_lang. A JSON FIELD may be a dotted path
// into nested objects ("meta.lang") when no key has that literal name.
// Values: lang a code or an English language name; category a JSON list, a
// string holding one, or a comma-separated string; id and parallel strings or
// numbers, used as given; scope "global"/"local"/""; benign true/false, 1/0,
// "yes"/"no". Without an id field an item is "<file stem>/<record number from 0>".
#include <cctype>
#include <filesystem>

#include "data/csv_table.h"
#include "data/names.h"
#include "data/prompt_text.h"
#include "data/suite_files.h"
#include "data/suite_formats.h"
#include "util/jsonl.h"
#include "util/strings.h"

namespace polysafe::data {

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// One record's raw values, whichever format it came from.
struct RawRecord {
  std::string where;  // "file:line"
  std::string stem;
  size_t ordinal = 0;
  // nullptr-equivalent: a null json when the field is absent.
  nlohmann::json text, lang, category, id, parallel, scope, benign;
};

std::string scalar_string(const nlohmann::json& v, const std::string& where, const std::string& field) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
  throw DataError(where + ": field '" + field + "': expected a string or an integer, got " + std::string(v.type_name()));
}

SuiteItem make_item(const RawRecord& r, const FieldMapping& m, const std::string& source) {
  SuiteItem item;
  if (r.text.is_null()) throw DataError(r.where + ": field '" + m.text + "': missing");
  if (!r.text.is_string())
    throw DataError(r.where + ": field '" + m.text + "': expected a string, got " + std::string(r.text.type_name()));
  item.prompt = clean_prompt(r.text.get<std::string>());
  if (item.prompt.empty()) throw DataError(r.where + ": field '" + m.text + "': empty");

  std::string lang_value;
  if (!m.lang.empty() && !r.lang.is_null()) {
    if (!r.lang.is_string())
      throw DataError(r.where + ": field '" + m.lang + "': expected a string, got " + std::string(r.lang.type_name()));
    lang_value = r.lang.get<std::string>();
  }
  if (lang_value.find_first_not_of(" \t") == std::string::npos) {
    if (m.default_lang.empty())
      throw DataError(r.where + ": field '" + m.lang + "': " + (r.lang.is_null() ? "missing" : "empty") +
                      " (give default_lang=CODE in the spec for records without one)");
    lang_value = m.default_lang;
  }
  item.lang = language_from_name_or_code(lang_value, r.where + ": field '" + (m.lang.empty() ? "default_lang" : m.lang) + "'");

  if (!m.category.empty()) item.categories = categories_from(r.category, {}, r.where + ": field '" + m.category + "'");
  if (!m.id.empty() && !r.id.is_null()) {
    item.id = clean_prompt(scalar_string(r.id, r.where, m.id));
    if (item.id.empty()) throw DataError(r.where + ": field '" + m.id + "': empty");
  } else {
    if (!m.id.empty()) throw DataError(r.where + ": field '" + m.id + "': missing");
    item.id = r.stem + "/" + std::to_string(r.ordinal);
  }
  if (!m.parallel.empty() && !r.parallel.is_null()) item.parallel_id = clean_prompt(scalar_string(r.parallel, r.where, m.parallel));
  if (!m.scope.empty() && !r.scope.is_null()) {
    if (!r.scope.is_string())
      throw DataError(r.where + ": field '" + m.scope + "': expected a string, got " + std::string(r.scope.type_name()));
    item.scope = lower(clean_prompt(r.scope.get<std::string>()));
    if (item.scope != "" && item.scope != "global" && item.scope != "local")
      throw DataError(r.where + ": field '" + m.scope + "': expected \"global\", \"local\" or \"\", got \"" + item.scope + "\"");
  }
  if (!m.benign.empty() && !r.benign.is_null()) {
    const auto& b = r.benign;
    if (b.is_boolean()) item.benign = b.get<bool>();
    else if ((b.is_number_integer() || b.is_number_unsigned()) && (b.get<long long>() == 0 || b.get<long long>() == 1))
      item.benign = b.get<long long>() == 1;
    else if (b.is_string()) {
      const std::string s = lower(clean_prompt(b.get<std::string>()));
      if (s == "true" || s == "1" || s == "yes") item.benign = true;
      else if (s == "false" || s == "0" || s == "no" || s.empty()) item.benign = false;
      else throw DataError(r.where + ": field '" + m.benign + "': expected true/false, 1/0 or yes/no, got \"" + s + "\"");
    } else {
      throw DataError(r.where + ": field '" + m.benign + "': expected true/false, 1/0 or yes/no, got " + std::string(b.type_name()));
    }
  }
  item.source = source;
  item.extra["file"] = r.stem;
  item.extra["line"] = std::stoul(r.where.substr(r.where.rfind(':') + 1));
  return item;
}

// A field of a JSON object by name, or by dotted path when no key has that name.
nlohmann::json lookup(const nlohmann::json& j, const std::string& field) {
  if (field.empty()) return nullptr;
  if (auto it = j.find(field); it != j.end()) return *it;
  const nlohmann::json* cur = &j;
  for (const auto& part : split(field, '.')) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(part);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return *cur;
}

std::string stem_of(const std::string& file) { return std::filesystem::path(file).stem().string(); }

}  // namespace

FieldMapping field_mapping(const std::vector<std::pair<std::string, std::string>>& params, const std::string& spec) {
  FieldMapping m;
  for (const auto& [k, v] : params) {
    std::string* slot = k == "text" ? &m.text
                        : k == "lang" ? &m.lang
                        : k == "category" ? &m.category
                        : k == "id" ? &m.id
                        : k == "parallel" ? &m.parallel
                        : k == "scope" ? &m.scope
                        : k == "benign" ? &m.benign
                        : k == "default_lang" ? &m.default_lang
                                              : nullptr;
    if (!slot)
      throw DataError("suite spec '" + spec + "': unknown key '" + k +
                      "' (known: text, lang, category, id, parallel, scope, benign, default_lang)");
    if (v.empty()) throw DataError("suite spec '" + spec + "': key '" + k + "' has an empty value");
    *slot = v;
  }
  if (m.text.empty()) throw DataError("suite spec '" + spec + "': text=FIELD is required");
  if (m.lang.empty() && m.default_lang.empty())
    throw DataError("suite spec '" + spec + "': lang=FIELD or default_lang=CODE is required");
  if (!m.default_lang.empty()) m.default_lang = language_from_name_or_code(m.default_lang, "suite spec '" + spec + "': default_lang");
  return m;
}

Suite load_mapped_jsonl(const std::string& path, const FieldMapping& m) {
  Suite suite;
  suite.name = "jsonl:" + path;
  for (const auto& file : suite_files(path, [](const std::string& n) { return ends_with(n, ".jsonl"); }, ".jsonl files")) {
    size_t ordinal = 0;
    jsonl::for_each_record<DataError>(file, true, [&](const nlohmann::json& j, const std::string& where, size_t) {
      RawRecord r{where, stem_of(file), ordinal++, lookup(j, m.text), lookup(j, m.lang), lookup(j, m.category),
                  lookup(j, m.id), lookup(j, m.parallel), lookup(j, m.scope), lookup(j, m.benign)};
      suite.items.push_back(make_item(r, m, "jsonl"));
    });
    if (ordinal == 0) throw DataError(file + ":1: empty file (no records)");
  }
  return suite;
}

Suite load_mapped_csv(const std::string& path, const FieldMapping& m) {
  Suite suite;
  suite.name = "csv:" + path;
  for (const auto& file : suite_files(path, [](const std::string& n) { return ends_with(n, ".csv"); }, ".csv files")) {
    CsvTable t = read_csv_table(file);
    auto col = [&](const std::string& name) -> int { return name.empty() ? -1 : int(t.require(name)); };
    const int c_text = col(m.text), c_lang = col(m.lang), c_cat = col(m.category), c_id = col(m.id),
              c_par = col(m.parallel), c_scope = col(m.scope), c_benign = col(m.benign);
    if (t.rows.empty()) throw DataError(file + ":2: no rows after the header");
    for (size_t i = 0; i < t.rows.size(); ++i) {
      const auto& row = t.rows[i];
      auto get = [&](int c) -> nlohmann::json { return c < 0 ? nlohmann::json() : nlohmann::json(row.fields[size_t(c)]); };
      RawRecord r{t.where(row), stem_of(file), i,         get(c_text),  get(c_lang),
                  get(c_cat),   get(c_id),     get(c_par), get(c_scope), get(c_benign)};
      // An empty cell is an absent value, as a missing JSON field is.
      for (auto* v : {&r.lang, &r.id, &r.parallel, &r.scope, &r.benign})
        if (v->is_string() && clean_prompt(v->get<std::string>()).empty()) *v = nullptr;
      suite.items.push_back(make_item(r, m, "csv"));
    }
  }
  return suite;
}

}  // namespace polysafe::data
