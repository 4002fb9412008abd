// English language names as BCP-47 tags (see language_tag.h).
#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "lang/language_tag.h"

namespace polysafe::lang {

namespace {

std::string lower_trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// English names of languages that multilingual safety suites use (Aya Red-teaming
// names its 8 languages this way; MultiJail, XSafety and RTP-LX cover the rest),
// plus common alternative spellings.
const std::unordered_map<std::string, std::string>& name_table() {
  static const std::unordered_map<std::string, std::string> m = {
      {"afrikaans", "af"}, {"amharic", "am"}, {"arabic", "ar"}, {"bengali", "bn"}, {"bangla", "bn"},
      {"bulgarian", "bg"}, {"burmese", "my"}, {"catalan", "ca"}, {"chinese", "zh"}, {"mandarin", "zh"},
      {"simplified chinese", "zh-Hans"}, {"traditional chinese", "zh-Hant"}, {"cantonese", "yue"},
      {"croatian", "hr"}, {"czech", "cs"}, {"danish", "da"}, {"dutch", "nl"}, {"english", "en"},
      {"estonian", "et"}, {"filipino", "fil"}, {"tagalog", "tl"}, {"finnish", "fi"}, {"french", "fr"},
      {"german", "de"}, {"greek", "el"}, {"gujarati", "gu"}, {"hausa", "ha"}, {"hebrew", "he"},
      {"hindi", "hi"}, {"hungarian", "hu"}, {"igbo", "ig"}, {"indonesian", "id"}, {"italian", "it"},
      {"japanese", "ja"}, {"javanese", "jv"}, {"kannada", "kn"}, {"kazakh", "kk"}, {"khmer", "km"},
      {"korean", "ko"}, {"lao", "lo"}, {"latvian", "lv"}, {"lithuanian", "lt"}, {"malay", "ms"},
      {"malayalam", "ml"}, {"marathi", "mr"}, {"nepali", "ne"}, {"norwegian", "no"},
      {"norwegian bokmal", "nb"}, {"norwegian bokmål", "nb"}, {"bokmal", "nb"}, {"bokmål", "nb"},
      {"persian", "fa"}, {"farsi", "fa"}, {"polish", "pl"}, {"portuguese", "pt"}, {"punjabi", "pa"},
      {"romanian", "ro"}, {"russian", "ru"}, {"serbian", "sr"}, {"serbo-croatian", "sh"},
      {"bosnian", "bs"}, {"slovak", "sk"}, {"slovenian", "sl"}, {"somali", "so"}, {"spanish", "es"},
      {"swahili", "sw"}, {"swedish", "sv"}, {"tamil", "ta"}, {"telugu", "te"}, {"thai", "th"},
      {"turkish", "tr"}, {"ukrainian", "uk"}, {"urdu", "ur"}, {"uzbek", "uz"}, {"vietnamese", "vi"},
      {"welsh", "cy"}, {"xhosa", "xh"}, {"yoruba", "yo"}, {"zulu", "zu"},
  };
  return m;
}

}  // namespace

std::optional<std::string> language_from_name(std::string_view name) {
  std::string key = lower_trimmed(name);
  // Collapse inner runs of spaces ("Simplified  Chinese").
  key.erase(std::unique(key.begin(), key.end(), [](char a, char b) { return a == ' ' && b == ' '; }), key.end());
  const auto& m = name_table();
  if (auto it = m.find(key); it != m.end()) return it->second;
  return std::nullopt;
}

}  // namespace polysafe::lang
