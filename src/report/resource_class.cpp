#include "report/resource_class.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace polysafe::report {

namespace {

// Joshi et al. (2020) published their taxonomy as a list of language names with
// a class each (lang2tax.txt, https://microsoft.github.io/linguisticdiversity/);
// these are its classes for the languages safety suites use most, keyed here by
// ISO 639-1 code (ISO 639-3 where there is none). Notes on the mapping:
//  - "zh" is the paper's Mandarin; Cantonese ("yue") and Wu ("wuu") are their own rows.
//  - "no"/"nb" is Norwegian (Bokmål), "nn" Nynorsk; "pnb" Western Punjabi.
//    Eastern Punjabi ("pa") has no row in the list, so it stays unclassified.
//  - "ms" is the paper's Malay, "tl"/"fil" its Tagalog, "fa" Persian.
const std::map<std::string, int, std::less<>>& table() {
  static const std::map<std::string, int, std::less<>> t = {
      // 5 The Winners
      {"ar", 5}, {"de", 5}, {"en", 5}, {"es", 5}, {"fr", 5}, {"ja", 5}, {"zh", 5},
      // 4 The Underdogs
      {"ca", 4}, {"cs", 4}, {"eu", 4}, {"fa", 4}, {"fi", 4}, {"hi", 4}, {"hr", 4}, {"hu", 4}, {"it", 4},
      {"ko", 4}, {"nl", 4}, {"pl", 4}, {"pt", 4}, {"ru", 4}, {"sr", 4}, {"sv", 4}, {"tr", 4}, {"vi", 4},
      // 3 The Rising Stars
      {"af", 3}, {"arz", 3}, {"be", 3}, {"bg", 3}, {"bn", 3}, {"bs", 3}, {"ceb", 3}, {"da", 3}, {"el", 3},
      {"et", 3}, {"fil", 3}, {"gl", 3}, {"he", 3}, {"id", 3}, {"ka", 3}, {"kk", 3}, {"la", 3}, {"lt", 3},
      {"lv", 3}, {"ms", 3}, {"ro", 3}, {"sk", 3}, {"sl", 3}, {"ta", 3}, {"th", 3}, {"tl", 3}, {"uk", 3},
      {"ur", 3}, {"uz", 3},
      // 2 The Hopefuls
      {"am", 2}, {"ga", 2}, {"ha", 2}, {"is", 2}, {"kok", 2}, {"lo", 2}, {"mr", 2}, {"mt", 2}, {"pnb", 2},
      {"sa", 2}, {"sw", 2}, {"ti", 2}, {"tn", 2}, {"wo", 2}, {"xh", 2}, {"yo", 2}, {"zu", 2},
      // 1 The Scraping-Bys
      {"az", 1}, {"cy", 1}, {"gu", 1}, {"hy", 1}, {"ig", 1}, {"jv", 1}, {"km", 1}, {"kn", 1}, {"ky", 1},
      {"mg", 1}, {"mk", 1}, {"ml", 1}, {"mn", 1}, {"mi", 1}, {"my", 1}, {"nb", 1}, {"ne", 1}, {"nn", 1},
      {"no", 1}, {"ny", 1}, {"om", 1}, {"or", 1}, {"ps", 1}, {"qu", 1}, {"rw", 1}, {"sd", 1}, {"si", 1},
      {"sn", 1}, {"so", 1}, {"sq", 1}, {"st", 1}, {"su", 1}, {"te", 1}, {"tg", 1}, {"tk", 1}, {"tt", 1},
      {"ug", 1}, {"wuu", 1}, {"yi", 1}, {"yue", 1},
  };
  return t;
}

}  // namespace

const std::vector<std::string>& resource_class_names() {
  static const std::vector<std::string> names = {"The Left-Behinds", "The Scraping-Bys", "The Hopefuls",
                                                 "The Rising Stars", "The Underdogs",    "The Winners"};
  return names;
}

std::string ResourceClass::label() const {
  if (level < 0) return "unclassified";
  return std::to_string(level) + " \xC2\xB7 " + name;
}

ResourceClass resource_class(std::string_view lang_tag) {
  std::string primary;
  for (char c : lang_tag) {
    if (c == '-' || c == '_') break;
    primary.push_back(char(std::tolower(static_cast<unsigned char>(c))));
  }
  ResourceClass rc;
  rc.name = "unclassified";
  const auto& t = table();
  auto it = t.find(primary);
  if (it == t.end()) return rc;
  rc.level = it->second;
  rc.name = resource_class_names()[size_t(rc.level)];
  return rc;
}

std::vector<std::string> classified_languages() {
  std::vector<std::string> out;
  for (const auto& [k, v] : table()) out.push_back(k);
  return out;
}

}  // namespace polysafe::report
