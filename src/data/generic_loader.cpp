// The generic loaders: any JSON Lines, JSON array or CSV file (or directory of
// them) whose fields are named in the spec:
//   jsonl:PATH?text=FIELD&lang=FIELD&category=FIELD&id=FIELD&parallel=FIELD&scope=FIELD&benign=FIELD&default_lang=CODE
//   csv:PATH?...   (same keys; FIELD is a column of the header row)
// text is required, and lang or default_lang. A JSON FIELD may be a dotted path
// into nested objects ("meta.lang") when no key has that literal name.
// Values: lang a code or an English language name; category a list-valued cell
// (list_cell.h: JSON list, a string holding a JSON or Python list, or a
// comma-separated string); id and parallel strings or numbers, used as given;
// scope "global"/"local"/""; benign true/false, 1/0, "yes"/"no". Without an id
// (no id field, or the record lacks it) an item is "<file stem>/<record number
// from 0>". A missing text or language is an error; an unreadable optional
// value is a warning on the suite and the item goes without it.
#include <cctype>
#include <filesystem>
#include <optional>

#include "data/csv_table.h"
#include "data/json_records.h"
#include "data/names.h"
#include "data/prompt_text.h"
#include "data/suite_files.h"
#include "data/suite_formats.h"
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
  size_t line = 0;
  std::string stem;
  size_t ordinal = 0;
  // nullptr-equivalent: a null json when the field is absent.
  nlohmann::json text, lang, category, id, parallel, scope, benign;
};

// An id or parallel value: a string or an integer, used as given; nullopt (with
// a warning) for any other type.
std::optional<std::string> scalar_string(const nlohmann::json& v, const std::string& where, const std::string& field,
                                         std::vector<std::string>& warnings) {
  if (v.is_string()) return clean_prompt(v.get<std::string>());
  if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
  warnings.push_back(where + ": field '" + field + "': expected a string or an integer, got " + std::string(v.type_name()) +
                     " (read as empty)");
  return std::nullopt;
}

// Text and language are what an item cannot do without: errors. Every other
// field is optional: unreadable, it is a warning and the item goes without it.
SuiteItem make_item(const RawRecord& r, const FieldMapping& m, const std::string& source, std::vector<std::string>& warnings) {
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

  if (!m.category.empty()) item.categories = categories_or_warn(r.category, {}, r.where + ": field '" + m.category + "'", warnings);
  std::optional<std::string> id;
  if (!m.id.empty()) {
    if (r.id.is_null()) warnings.push_back(r.where + ": field '" + m.id + "': missing (the item is numbered instead)");
    else if ((id = scalar_string(r.id, r.where, m.id, warnings)) && id->empty())
      warnings.push_back(r.where + ": field '" + m.id + "': empty (the item is numbered instead)");
  }
  item.id = id && !id->empty() ? *id : r.stem + "/" + std::to_string(r.ordinal);
  if (!m.parallel.empty() && !r.parallel.is_null())
    item.parallel_id = scalar_string(r.parallel, r.where, m.parallel, warnings).value_or("");
  if (!m.scope.empty() && !r.scope.is_null()) {
    std::string scope = r.scope.is_string() ? lower(clean_prompt(r.scope.get<std::string>())) : r.scope.dump();
    if (scope == "global" || scope == "local" || scope.empty()) item.scope = scope;
    else
      warnings.push_back(r.where + ": field '" + m.scope + "': expected \"global\", \"local\" or \"\", got " + scope +
                         " (read as unknown)");
  }
  if (!m.benign.empty() && !r.benign.is_null()) {
    const auto& b = r.benign;
    std::optional<bool> v;
    if (b.is_boolean()) v = b.get<bool>();
    else if ((b.is_number_integer() || b.is_number_unsigned()) && (b.get<long long>() == 0 || b.get<long long>() == 1))
      v = b.get<long long>() == 1;
    else if (b.is_string()) {
      const std::string s = lower(clean_prompt(b.get<std::string>()));
      if (s == "true" || s == "1" || s == "yes") v = true;
      else if (s == "false" || s == "0" || s == "no" || s.empty()) v = false;
    }
    if (v) item.benign = *v;
    else
      warnings.push_back(r.where + ": field '" + m.benign + "': expected true/false, 1/0 or yes/no, got " +
                         b.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + " (read as not benign)");
  }
  item.source = source;
  item.extra["file"] = r.stem;
  item.extra["line"] = r.line;
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
  const auto accept = [](const std::string& n) { return ends_with(n, ".jsonl") || ends_with(n, ".json"); };
  for (const auto& file : suite_files(path, accept, ".jsonl or .json files")) {
    const auto records = read_json_records(file, true);
    if (records.empty()) throw DataError(file + ":1: empty file (no records)");
    for (size_t i = 0; i < records.size(); ++i) {
      const auto& j = records[i].value;
      RawRecord r{records[i].where, records[i].line, stem_of(file), i, lookup(j, m.text), lookup(j, m.lang),
                  lookup(j, m.category), lookup(j, m.id), lookup(j, m.parallel), lookup(j, m.scope), lookup(j, m.benign)};
      suite.items.push_back(make_item(r, m, "jsonl", suite.warnings));
    }
  }
  return suite;
}

Suite load_mapped_csv(const std::string& path, const FieldMapping& m) {
  Suite suite;
  suite.name = "csv:" + path;
  for (const auto& file : suite_files(path, [](const std::string& n) { return ends_with(n, ".csv"); }, ".csv files")) {
    CsvTable t = read_csv_table(file);
    for (auto& w : t.warnings) suite.warnings.push_back(std::move(w));
    auto col = [&](const std::string& name) -> int { return name.empty() ? -1 : int(t.require(name)); };
    const int c_text = col(m.text), c_lang = col(m.lang), c_cat = col(m.category), c_id = col(m.id),
              c_par = col(m.parallel), c_scope = col(m.scope), c_benign = col(m.benign);
    if (t.rows.empty()) throw DataError(file + ":2: no rows after the header");
    for (size_t i = 0; i < t.rows.size(); ++i) {
      const auto& row = t.rows[i];
      auto get = [&](int c) -> nlohmann::json { return c < 0 ? nlohmann::json() : nlohmann::json(row.fields[size_t(c)]); };
      RawRecord r{t.where(row), row.line, stem_of(file), i,           get(c_text),  get(c_lang),
                  get(c_cat),   get(c_id), get(c_par),    get(c_scope), get(c_benign)};
      // An empty cell is an absent value, as a missing JSON field is.
      for (auto* v : {&r.lang, &r.parallel, &r.scope, &r.benign})
        if (v->is_string() && clean_prompt(v->get<std::string>()).empty()) *v = nullptr;
      suite.items.push_back(make_item(r, m, "csv", suite.warnings));
    }
  }
  return suite;
}

}  // namespace polysafe::data
