// XSafety loader, see suite_formats.h. Layout of the data (repo
// Jarviswang94/Multilingual_safety_benchmark): one folder per language code
// (sp = Spanish), one headerless file per category, 200 rows each, row i of a
// category being the same prompt in every language.
#include <algorithm>
#include <filesystem>
#include <map>

#include "data/names.h"
#include "data/prompt_text.h"
#include "data/suite_formats.h"
#include "data/text_file.h"
#include "data/xlsx_reader.h"
#include "util/csv.h"
#include "util/strings.h"

namespace polysafe::data {

namespace {

namespace fs = std::filesystem;

// File stems that differ from the category's usual name, and whether the usual
// file wins when both are present (see suite_formats.h).
struct Alias {
  const char* stem;
  const char* category;
};
constexpr Alias kAliases[] = {
    {"crimes_and_illegal_activitie", "crimes_and_illegal_activities"},  // ru: truncated name
    {"commen_sense", "commonsense"},                                    // hi: earlier draft beside commonsense.csv
};

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct CategoryFile {
  fs::path path;
  std::string category;
  bool alias = false;
};

// The prompt of one headerless row: a row with an unquoted comma arrives as
// several fields, so trailing empty fields are dropped and the rest re-joined
// with the comma they were split on.
std::string row_text(std::vector<std::string> fields) {
  while (!fields.empty() && fields.back().find_first_not_of(" \t\r\n") == std::string::npos) fields.pop_back();
  return clean_prompt(join(fields, ","));
}

// (row index, prompt) of every row of one category file.
std::vector<std::pair<size_t, std::string>> read_rows(const fs::path& file) {
  std::vector<std::pair<size_t, std::string>> rows;
  const std::string ext = lower(file.extension().string());
  if (ext == ".xlsx") {
    for (auto& r : read_xlsx_first_sheet(file.string())) rows.emplace_back(r.number - 1, row_text(std::move(r.cells)));
  } else {
    std::vector<csv::Record> recs;
    try {
      recs = csv::parse(read_text_file(file.string()), file.string());
    } catch (const FormatError& e) {
      throw DataError(e.what());
    }
    for (size_t i = 0; i < recs.size(); ++i) rows.emplace_back(i, row_text(std::move(recs[i].fields)));
  }
  if (rows.empty()) throw DataError(file.string() + ":1: empty file (no prompts)");
  return rows;
}

std::vector<fs::path> sorted_entries(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
    out.push_back(it->path());
  if (ec) throw DataError(dir.string() + ": cannot list: " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

Suite load_xsafety(const std::string& dir) {
  if (!fs::is_directory(dir))
    throw DataError(dir + ": not a directory (xsafety: expects DIR/<lang>/<Category>.csv or .xlsx)");
  Suite suite;
  suite.name = "xsafety:" + dir;
  for (const auto& lang_dir : sorted_entries(dir)) {
    const std::string dirname = lang_dir.filename().string();
    if (dirname.empty() || dirname[0] == '.' || !fs::is_directory(lang_dir)) continue;

    std::map<std::string, CategoryFile> by_category;
    for (const auto& file : sorted_entries(lang_dir)) {
      const std::string ext = lower(file.extension().string());
      if ((ext != ".csv" && ext != ".xlsx") || !fs::is_regular_file(file)) continue;
      std::string stem = category_name(file.stem().string());
      for (const char* suffix : {"_n", "_en"})
        if (ends_with(stem, suffix) && stem.size() > std::string_view(suffix).size()) {
          stem.resize(stem.size() - std::string_view(suffix).size());
          break;
        }
      if (stem.empty()) throw DataError(file.string() + ": cannot name a category from this file name");
      CategoryFile cf{file, stem, false};
      for (const auto& a : kAliases)
        if (stem == a.stem) cf = {file, a.category, true};
      auto [it, fresh] = by_category.emplace(cf.category, cf);
      if (fresh) continue;
      if (it->second.alias && !cf.alias) it->second = cf;  // the usual name wins over an alias
      else if (it->second.alias == cf.alias)
        throw DataError(file.string() + ": a second file for category '" + cf.category + "' (first: " +
                        it->second.path.string() + ")");
    }
    if (by_category.empty()) continue;  // not a language folder (e.g. the repo's paper/ figures)
    const std::string lang = language_tag(dirname, lang_dir.string());

    for (const auto& [category, cf] : by_category) {
      const std::string rel = (fs::path(dirname) / cf.path.filename()).string();
      for (auto& [row, prompt] : read_rows(cf.path)) {
        if (prompt.empty()) continue;  // a blank row: no item, the others keep their positions
        SuiteItem item;
        item.parallel_id = "xsafety/" + category + "/" + std::to_string(row);
        item.id = item.parallel_id + "/" + lang;
        item.lang = lang;
        item.prompt = std::move(prompt);
        item.categories = {category};
        item.source = "xsafety";
        item.extra = {{"file", rel}, {"row", row}};
        suite.items.push_back(std::move(item));
      }
    }
  }
  if (suite.items.empty()) throw DataError(dir + ": no XSafety files (expected <lang>/<Category>.csv or .xlsx)");
  return suite;
}

}  // namespace polysafe::data
