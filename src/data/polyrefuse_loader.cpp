// PolyRefuse loader, see suite_formats.h. The dataset (mainlp/Multilingual-
// Refusal, folder PolyRefuse/) is one JSON array per kind, split and language:
//   harmful_<split>_translated_<lang>.json, harmless_<split>_translated_<lang>.json
// Two layouts exist:
//  - train and val: {"instruction": <prompt in the file's language>, "category": null or a label};
//    no English file, no English source column;
//  - test: {"instruction": <English source>, "instruction_translated": <prompt>,
//    "category": ...}, plus an `en` file whose records have `instruction` only
//    (the harmful one) or an `instruction_translated` equal to it (the harmless one).
// Rows are index-aligned across the languages of one kind and split, except
// the harmless zh train and val files, which hold other prompts than the rest
// (checked against the shared copy: their rows are not translations of the
// other languages' rows at the same index). Where the English source is in the
// records (test), alignment is checked row by row against the en file instead.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "data/json_records.h"
#include "data/names.h"
#include "data/prompt_text.h"
#include "data/suite_formats.h"
#include "util/strings.h"

namespace polysafe::data {

namespace {

namespace fs = std::filesystem;

// Files known to be out of step with the other languages (see the top of this file).
struct Unaligned {
  const char* kind;
  const char* split;
  const char* lang;
};
// val, not train: train is what refusal-direction papers fit on; val is the
// held-out split these files share, and test is not in every copy.
constexpr const char* kDefaultSplit = "val";

constexpr Unaligned kUnaligned[] = {{"harmless", "train", "zh"}, {"harmless", "val", "zh"}};

struct PolyFile {
  fs::path path;
  std::string kind, split, lang;  // lang as in the file name
};

// "harmful_val_translated_de.json" -> {harmful, val, de}; nullopt for other names.
std::optional<PolyFile> parse_name(const fs::path& p) {
  const std::string name = p.filename().string();
  std::string stem;
  for (const char* ext : {".json", ".jsonl"})
    if (ends_with(name, ext)) stem = name.substr(0, name.size() - std::string_view(ext).size());
  if (stem.empty()) return std::nullopt;
  PolyFile f{p, "", "", ""};
  for (const char* kind : {"harmful_", "harmless_"})
    if (starts_with(stem, kind)) f.kind = std::string(kind, std::string_view(kind).size() - 1);
  if (f.kind.empty()) return std::nullopt;
  const std::string rest = stem.substr(f.kind.size() + 1);
  const size_t t = rest.find("_translated_");
  if (t == std::string::npos || t == 0) return std::nullopt;
  f.split = rest.substr(0, t);
  f.lang = rest.substr(t + std::string_view("_translated_").size());
  if (f.lang.empty()) return std::nullopt;
  return f;
}



}  // namespace

Suite load_polyrefuse(const std::string& path, const std::string& split_wanted) {
  std::vector<PolyFile> files;
  std::set<std::string> splits;
  std::error_code ec;
  const bool single_file = fs::is_regular_file(path, ec);
  if (single_file) {
    auto f = parse_name(path);
    if (!f) throw DataError(path + ": not a PolyRefuse file name (expected harmful|harmless_<split>_translated_<lang>.json)");
    splits.insert(f->split);
    files.push_back(*f);
  } else if (fs::is_directory(path, ec)) {
    for (auto it = fs::directory_iterator(path, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
      std::error_code ec2;
      if (!it->is_regular_file(ec2)) continue;
      if (auto f = parse_name(it->path())) {
        splits.insert(f->split);
        files.push_back(*f);
      }
    }
    if (ec) throw DataError(path + ": cannot list: " + ec.message());
  } else {
    throw DataError(path + ": no such file or directory");
  }
  std::vector<std::string> have(splits.begin(), splits.end());
  // One file is its own split unless the spec says otherwise.
  const std::string split = !split_wanted.empty() ? split_wanted : single_file ? files[0].split : kDefaultSplit;
  if (files.empty())
    throw DataError(path + ": no PolyRefuse files (expected harmful|harmless_<split>_translated_<lang>.json)");
  files.erase(std::remove_if(files.begin(), files.end(), [&](const PolyFile& f) { return f.split != split; }), files.end());
  if (files.empty())
    throw DataError(path + ": no PolyRefuse files for split '" + split + "' (has: " + join(have, ", ") + ")");
  // en first, so the translated files can be checked against it; then by name.
  std::sort(files.begin(), files.end(), [](const PolyFile& a, const PolyFile& b) {
    if (a.kind != b.kind) return a.kind < b.kind;
    if ((a.lang == "en") != (b.lang == "en")) return a.lang == "en";
    return a.path.filename() < b.path.filename();
  });

  Suite suite;
  suite.name = "polyrefuse:" + path;
  std::map<std::string, std::vector<std::string>> english;  // kind -> the en file's instructions, by index
  for (const auto& f : files) {
    const std::string file = f.path.string();
    const std::string lang = language_tag(f.lang, file + ": language in the file name");
    const bool unaligned = std::any_of(std::begin(kUnaligned), std::end(kUnaligned), [&](const Unaligned& u) {
      return f.kind == u.kind && f.split == u.split && lang == u.lang;
    });
    const auto records = read_json_records(file, true);
    if (records.empty()) throw DataError(file + ":1: empty file (no records)");
    // The test layout: the prompt is instruction_translated, instruction its English source.
    const bool translated_layout = std::any_of(records.begin(), records.end(), [](const JsonRecord& r) {
      return r.value.contains("instruction_translated");
    });
    const auto en = english.find(f.kind);
    std::vector<std::string> instructions;
    for (size_t i = 0; i < records.size(); ++i) {
      const auto& j = records[i].value;
      const std::string& where = records[i].where;
      const char* prompt_field = translated_layout ? "instruction_translated" : "instruction";
      auto p = j.find(prompt_field);
      if (p == j.end() || p->is_null()) throw DataError(where + ": field '" + prompt_field + "': missing");
      if (!p->is_string()) throw DataError(where + ": field '" + prompt_field + "': expected a string, got " + std::string(p->type_name()));
      std::string prompt = clean_prompt(p->get<std::string>());
      if (prompt.empty()) throw DataError(where + ": field '" + prompt_field + "': empty");
      const std::string source = translated_layout ? optional_string(j, "instruction", where, suite.warnings) : "";
      instructions.push_back(translated_layout ? clean_prompt(source) : prompt);

      SuiteItem item;
      const std::string group = "polyrefuse/" + f.kind + "/" + f.split + "/" + std::to_string(i);
      item.id = group + "/" + lang;
      bool paired = !unaligned;
      if (paired && translated_layout && en != english.end() && lang != "en") {
        if (i >= en->second.size() || en->second[i] != clean_prompt(source)) {
          paired = false;
          suite.warnings.push_back(where + ": field 'instruction': not the English source at this index in the en file"
                                   " (the item is not paired with other languages)");
        }
      }
      if (paired) item.parallel_id = group;
      item.lang = lang;
      item.prompt = std::move(prompt);
      item.benign = f.kind == "harmless";
      // PolyRefuse's categories are single labels ("Harassment/Discrimination"), never lists.
      if (auto c = j.find("category"); c != j.end() && !c->is_null()) {
        if (!c->is_string())
          suite.warnings.push_back(where + ": field 'category': expected a string, got " + std::string(c->type_name()) +
                                   " (read as no category)");
        else if (std::string name = category_name(c->get<std::string>()); !name.empty())
          item.categories = {name};
      }
      item.source = "polyrefuse";
      item.extra = {{"file", f.path.filename().string()}, {"index", i}, {"split", f.split}};
      if (!source.empty() && lang != "en") item.extra["instruction_en"] = source;
      suite.items.push_back(std::move(item));
    }
    if (lang == "en") english[f.kind] = std::move(instructions);
  }
  return suite;
}

}  // namespace polysafe::data
