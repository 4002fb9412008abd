// The dominant Unicode script of a text's letters (ISO 15924 code via ICU).
#include <unicode/locid.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>

#include <string>
#include <string_view>
#include <vector>

#include "lang/script.h"
#include "util/utf8.h"

namespace polysafe::lang {

std::string dominant_script(std::string_view text, double* share) {
  struct Count {
    UScriptCode script;
    size_t n;
  };
  std::vector<Count> counts;  // in order of first appearance, which breaks ties
  size_t letters = 0;
  for (size_t pos = 0; pos < text.size();) {
    char32_t cp = utf8::decode(text, pos);  // invalid bytes decode as U+FFFD, not a letter
    if (!u_isalpha(static_cast<UChar32>(cp))) continue;
    UErrorCode err = U_ZERO_ERROR;
    UScriptCode sc = uscript_getScript(static_cast<UChar32>(cp), &err);
    if (U_FAILURE(err) || sc == USCRIPT_COMMON || sc == USCRIPT_INHERITED || sc == USCRIPT_UNKNOWN) continue;
    ++letters;
    bool found = false;
    for (auto& c : counts)
      if (c.script == sc) {
        ++c.n;
        found = true;
        break;
      }
    if (!found) counts.push_back({sc, 1});
  }
  if (share) *share = 0;
  if (letters == 0) return "Zyyy";

  // Japanese writing mixes Han with Hiragana and Katakana; one script per text
  // would otherwise call a kanji-heavy Japanese sentence "Hani".
  size_t han = 0, kana = 0;
  for (const auto& c : counts) {
    if (c.script == USCRIPT_HAN) han += c.n;
    if (c.script == USCRIPT_HIRAGANA || c.script == USCRIPT_KATAKANA || c.script == USCRIPT_KATAKANA_OR_HIRAGANA)
      kana += c.n;
  }
  if (kana > 0 && kana * 5 >= han + kana) {
    std::vector<Count> merged;
    bool placed = false;
    for (const auto& c : counts) {
      bool cjk = c.script == USCRIPT_HAN || c.script == USCRIPT_HIRAGANA || c.script == USCRIPT_KATAKANA ||
                 c.script == USCRIPT_KATAKANA_OR_HIRAGANA;
      if (!cjk) {
        merged.push_back(c);
      } else if (!placed) {
        merged.push_back({USCRIPT_JAPANESE, han + kana});
        placed = true;
      }
    }
    counts.swap(merged);
  }

  const Count* best = &counts.front();
  for (const auto& c : counts)
    if (c.n > best->n) best = &c;
  if (share) *share = static_cast<double>(best->n) / static_cast<double>(letters);
  return uscript_getShortName(best->script);
}

std::string likely_script(std::string_view tag) {
  if (tag.empty() || tag == "und") return "";
  UErrorCode status = U_ZERO_ERROR;
  icu::Locale loc = icu::Locale::forLanguageTag(icu::StringPiece(tag.data(), static_cast<int32_t>(tag.size())), status);
  if (U_FAILURE(status) || loc.isBogus()) return "";
  loc.addLikelySubtags(status);
  if (U_FAILURE(status)) return "";
  return loc.getScript();
}

bool script_fits(std::string_view usual, std::string_view seen) {
  if (usual.empty() || seen.empty() || seen == "Zyyy" || usual == seen) return true;
  if (usual == "Hans" || usual == "Hant" || usual == "Hani") return seen == "Hani";
  if (usual == "Jpan") return seen == "Hani" || seen == "Hira" || seen == "Kana";
  if (usual == "Kore") return seen == "Hang" || seen == "Hani";
  return false;
}

}  // namespace polysafe::lang
