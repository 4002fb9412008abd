// RTP-LX loader, see suite_formats.h. Files (microsoft/RTP-LX) are JSON Lines
// (a JSON array is read too) named RTP_LX_<LOCALE>.json, records like
//   {"Prompt": ..., "Completion": "", "Index": 12 or "12", "Locale": "FR", "Dialect": "",
//    "Annotations": {"Toxicity": 4.0, "IdentityAttack": 2.33, ...}, "AnnotationsRaw": {...}}
//
// Language. The file name and the record's Locale both name it, each
// imperfectly: Locale is "" in RTP_LX_UK.json, "ZH" in both Chinese files, "NO"
// in RTP_LX_NO-NB.json, "Pt-Br" or "PT" inside RTP_LX_PT.json, "SR" in
// RTP_LX_BCMS.json (not a language tag). So: whichever is empty or not a tag
// gives way to the other; when both name the same macrolanguage the one with more
// subtags wins (zh-Hans over zh, pt-BR over pt), the file on a tie (nb over no);
// when they name different languages the record wins.
//
// Alignment. Indices 0-998 are the transcreations of the same 999 English RTP
// prompts (RTP_LX_EN.json has exactly those); larger indices and non-numeric
// ones ("NA" in BCMS) are prompts written for one locale. Eight files (AR, CS,
// DE, ES, FR, IT, ZH-Hans of v0.2 and BCMS of v0.3) lack index 960 and number
// the rest one higher: their 961-999 are EN's 960-998 (checked by reading DE
// and EN side by side). A file that lacks exactly one index g below 999 and has
// index 999 is therefore shifted back by one above g. Shared prompts get
// parallel_id "rtplx/<aligned index>" and scope "global"; locale-written prompts
// no parallel_id and scope "local".
//
// Categories: the annotation dimensions whose annotator mean is >= 3, snake-cased
// ("IdentityAttack" -> "identity_attack"). Toxicity is scored 1-5, the others
// 1-3, so for them >= 3 means all three annotators gave the top score. The
// specific dimensions come first (highest mean first, then by name) and
// "toxicity" last, so the first category names the most specific harm.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "data/json_records.h"
#include "data/names.h"
#include "data/prompt_text.h"
#include "data/suite_files.h"
#include "data/suite_formats.h"
#include "lang/language_id.h"
#include "util/strings.h"

namespace polysafe::data {

namespace {

constexpr long long kSharedPrompts = 999;  // indices 0..998 are parallel across locales
constexpr double kCategoryThreshold = 3.0;

size_t subtag_count(const std::string& tag) { return size_t(std::count(tag.begin(), tag.end(), '-')) + 1; }

std::string pick_language(const std::string& file_tag, const std::string& row_tag) {
  if (row_tag.empty()) return file_tag;
  if (file_tag.empty()) return row_tag;
  if (!lang::same_language(file_tag, row_tag)) return row_tag;
  return subtag_count(row_tag) > subtag_count(file_tag) ? row_tag : file_tag;
}

// A tag from text that may not be one ("BCMS", ""): empty when it is not.
std::string tag_or_empty(const std::string& code) {
  if (code.empty()) return "";
  try {
    return language_tag(code, "");
  } catch (const DataError&) {
    return "";
  }
}

struct Record {
  std::string where;
  size_t line = 0;
  std::string prompt;
  std::optional<long long> index;  // nullopt: not numeric ("NA")
  nlohmann::json raw_index;
  std::string locale, dialect;
  nlohmann::json annotations, annotations_raw, original_metadata;
};


// The prompt is the one field a record cannot do without; the others cost it
// its alignment (Index) or its categories (Annotations) when unreadable.
Record read_record(const nlohmann::json& j, const std::string& where, size_t line, std::vector<std::string>& warnings) {
  Record r;
  r.where = where;
  r.line = line;
  auto p = j.find("Prompt");
  if (p == j.end() || p->is_null()) throw DataError(where + ": field 'Prompt': missing");
  if (!p->is_string()) throw DataError(where + ": field 'Prompt': expected a string, got " + std::string(p->type_name()));
  r.prompt = trim_prompt_space(p->get<std::string>());
  auto ix = j.find("Index");
  if (ix == j.end() || ix->is_null()) {
    warnings.push_back(where + ": field 'Index': missing (the record is not aligned with other locales)");
  } else {
    r.raw_index = *ix;
    if (ix->is_number_integer() || ix->is_number_unsigned()) {
      if (ix->get<long long>() < 0) warnings.push_back(where + ": field 'Index': negative (the record is not aligned with other locales)");
      else r.index = ix->get<long long>();
    } else if (ix->is_string()) {
      const std::string s = ix->get<std::string>();
      if (!s.empty() && s.size() <= 12 && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
        r.index = std::stoll(s);
    } else {
      warnings.push_back(where + ": field 'Index': expected a number or a string, got " + std::string(ix->type_name()) +
                         " (the record is not aligned with other locales)");
    }
  }
  r.locale = optional_string(j, "Locale", where, warnings);
  r.dialect = optional_string(j, "Dialect", where, warnings);
  r.annotations = nlohmann::json::object();
  auto a = j.find("Annotations");
  if (a == j.end() || a->is_null()) {
    warnings.push_back(where + ": field 'Annotations': missing (read as no categories)");
  } else if (!a->is_object()) {
    warnings.push_back(where + ": field 'Annotations': expected an object, got " + std::string(a->type_name()) +
                       " (read as no categories)");
  } else {
    for (const auto& [k, v] : a->items()) {
      if (v.is_number()) r.annotations[k] = v;
      else
        warnings.push_back(where + ": field 'Annotations': '" + k + "': expected a number, got " + std::string(v.type_name()) +
                           " (dimension left out)");
    }
  }
  if (auto ar = j.find("AnnotationsRaw"); ar != j.end()) r.annotations_raw = *ar;
  if (auto om = j.find("OriginalMetadata"); om != j.end()) r.original_metadata = *om;
  return r;
}

std::vector<std::string> categories_of(const nlohmann::json& annotations) {
  std::vector<std::pair<double, std::string>> hits;
  bool toxic = false;
  for (const auto& [k, v] : annotations.items()) {
    if (v.get<double>() < kCategoryThreshold) continue;
    std::string name = category_name(k);
    if (name.empty()) continue;
    if (name == "toxicity") toxic = true;
    else hits.emplace_back(v.get<double>(), std::move(name));
  }
  std::sort(hits.begin(), hits.end(), [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  std::vector<std::string> out;
  for (auto& h : hits) out.push_back(std::move(h.second));
  if (toxic) out.push_back("toxicity");
  return out;
}

}  // namespace

Suite load_rtplx(const std::string& path) {
  Suite suite;
  suite.name = "rtplx:" + path;
  const auto files = suite_files(
      path, [](const std::string& n) { return starts_with(n, "RTP_LX_") && (ends_with(n, ".json") || ends_with(n, ".jsonl")); },
      "RTP_LX_*.json files");
  for (const auto& file : files) {
    const std::string filename = std::filesystem::path(file).filename().string();
    std::string file_tag;
    if (starts_with(filename, "RTP_LX_")) {
      const std::string stem = std::filesystem::path(filename).stem().string();
      file_tag = tag_or_empty(stem.substr(7));
    }

    std::vector<Record> records;
    for (const auto& rec : read_json_records(file, true)) records.push_back(read_record(rec.value, rec.where, rec.line, suite.warnings));
    if (records.empty()) throw DataError(file + ":1: empty file (no records)");

    // The one-index gap below kSharedPrompts that shifts the rest (see the top of this file).
    std::set<long long> shared;
    for (const auto& r : records)
      if (r.index && *r.index <= kSharedPrompts) shared.insert(*r.index);
    std::optional<long long> gap;
    if (shared.count(kSharedPrompts) && shared.size() == size_t(kSharedPrompts))
      for (long long i = 0; i < kSharedPrompts; ++i)
        if (!shared.count(i)) {
          gap = i;
          break;
        }

    std::set<long long> seen;
    for (auto& r : records) {
      if (r.prompt.empty()) continue;  // one record in RTP_LX_HE.json: nothing to send
      const std::string row_tag = r.locale.empty() ? "" : tag_or_empty(r.locale);
      if (!r.locale.empty() && row_tag.empty() && file_tag.empty())
        throw DataError(r.where + ": field 'Locale': '" + r.locale + "' is not a language tag");
      const std::string lang = pick_language(file_tag, row_tag);
      if (lang.empty())
        throw DataError(r.where + ": field 'Locale': empty, and the file name names no locale (expected RTP_LX_<LOCALE>.json)");
      if (r.index && !seen.insert(*r.index).second) {
        suite.warnings.push_back(r.where + ": field 'Index': " + std::to_string(*r.index) +
                                 " repeated in this file (the record is not aligned with other locales)");
        r.index.reset();
      }

      SuiteItem item;
      item.lang = lang;
      if (r.index) {
        long long aligned = *r.index;
        if (gap && aligned > *gap && aligned <= kSharedPrompts) --aligned;
        item.id = "rtplx/" + lang + "/" + std::to_string(*r.index);
        if (aligned < kSharedPrompts) {
          item.parallel_id = "rtplx/" + std::to_string(aligned);
          item.scope = "global";
        } else {
          item.scope = "local";
        }
      } else {
        item.id = "rtplx/" + lang + "/line" + std::to_string(r.line);
        item.scope = "local";
      }
      item.prompt = std::move(r.prompt);
      item.categories = categories_of(r.annotations);
      item.source = "rtplx";
      item.extra["file"] = filename;
      item.extra["index"] = std::move(r.raw_index);
      item.extra["annotations"] = std::move(r.annotations);
      if (!r.locale.empty()) item.extra["locale"] = r.locale;
      if (!r.dialect.empty()) item.extra["dialect"] = r.dialect;
      if (!r.annotations_raw.is_null()) item.extra["annotations_raw"] = std::move(r.annotations_raw);
      if (!r.original_metadata.is_null()) item.extra["original_metadata"] = std::move(r.original_metadata);
      suite.items.push_back(std::move(item));
    }
  }
  return suite;
}

}  // namespace polysafe::data
