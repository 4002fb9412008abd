// Language and category names, see names.h.
#include "data/names.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "data/suite_item.h"
#include "judge/language_id.h"
#include "util/strings.h"

namespace polysafe::data {

namespace {

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trim_ascii(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

bool is_tag_shaped(const std::string& tag) {
  auto parts = split(tag, '-');
  if (parts.empty()) return false;
  const std::string& p = parts[0];
  const bool alpha = std::all_of(p.begin(), p.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
  // BCP-47 also allows 5-8 letter primary subtags, but IANA has registered none:
  // accepting them would let words ("elvish") pass as languages.
  if (!alpha || p.size() < 2 || p.size() > 3) return false;
  for (size_t i = 1; i < parts.size(); ++i) {
    const auto& s = parts[i];
    if (s.empty() || s.size() > 8) return false;
    if (!std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); })) return false;
  }
  return tag != "und";
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

std::string language_tag(std::string_view code, const std::string& where) {
  std::string tag = judge::normalize_language_tag(code);
  if (!is_tag_shaped(tag)) throw DataError(where + ": '" + std::string(code) + "' is not a language tag");
  return tag;
}

std::optional<std::string> language_from_name(std::string_view name) {
  std::string key = lower_ascii(trim_ascii(name));
  // Collapse inner runs of spaces ("Simplified  Chinese").
  key.erase(std::unique(key.begin(), key.end(), [](char a, char b) { return a == ' ' && b == ' '; }), key.end());
  const auto& m = name_table();
  if (auto it = m.find(key); it != m.end()) return it->second;
  return std::nullopt;
}

std::string language_from_name_or_code(std::string_view value, const std::string& where) {
  if (auto tag = language_from_name(value)) return *tag;
  return language_tag(value, where);
}

std::string category_name(std::string_view label) {
  std::string out;
  bool pending_break = false;
  char prev = 0;  // previous ASCII letter/digit, 0 after a separator
  for (char ch : label) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80) {  // part of a non-ASCII character: kept verbatim
      if (pending_break && !out.empty()) out.push_back('_');
      pending_break = false;
      out.push_back(ch);
      prev = 'x';
      continue;
    }
    if (std::isalnum(c)) {
      const bool upper = std::isupper(c);
      if (upper && prev && (std::islower(static_cast<unsigned char>(prev)) || std::isdigit(static_cast<unsigned char>(prev))))
        pending_break = true;
      if (pending_break && !out.empty()) out.push_back('_');
      pending_break = false;
      out.push_back(static_cast<char>(std::tolower(c)));
      prev = ch;
    } else {
      pending_break = true;
      prev = 0;
    }
  }
  return out;
}

std::vector<std::string> split_category_list(std::string_view text, const std::vector<std::string>& known_with_commas) {
  std::vector<std::string> tokens;
  for (auto& part : split(text, ',')) tokens.push_back(trim_ascii(part));
  std::vector<std::vector<std::string>> known;  // each known label as its lower-cased comma parts
  for (const auto& k : known_with_commas) {
    std::vector<std::string> parts;
    for (auto& p : split(k, ',')) parts.push_back(lower_ascii(trim_ascii(p)));
    known.push_back(std::move(parts));
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < tokens.size();) {
    size_t take = 1;
    for (const auto& parts : known) {
      if (parts.size() < 2 || i + parts.size() > tokens.size()) continue;
      bool match = true;
      for (size_t j = 0; j < parts.size() && match; ++j) match = lower_ascii(tokens[i + j]) == parts[j];
      if (match) {
        take = parts.size();
        break;
      }
    }
    std::string label = tokens[i];
    for (size_t j = 1; j < take; ++j) label += ", " + tokens[i + j];
    if (!label.empty()) out.push_back(std::move(label));
    i += take;
  }
  return out;
}

std::vector<std::string> categories_from(const nlohmann::json& value, const std::vector<std::string>& known_with_commas,
                                         const std::string& where) {
  std::vector<std::string> labels;
  if (value.is_null()) return {};
  if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) {
      if (!value[i].is_string())
        throw DataError(where + ": element " + std::to_string(i) + ": expected a string, got " +
                        std::string(value[i].type_name()));
      labels.push_back(value[i].get<std::string>());
    }
  } else if (value.is_string()) {
    const std::string s = trim_ascii(value.get<std::string>());
    if (!s.empty() && s.front() == '[') {
      nlohmann::json inner;
      try {
        inner = nlohmann::json::parse(s);
      } catch (const nlohmann::json::exception&) {
        throw DataError(where + ": starts with '[' but is not a JSON list: " + s);
      }
      if (!inner.is_array()) throw DataError(where + ": starts with '[' but is not a JSON list: " + s);
      return categories_from(inner, known_with_commas, where);
    }
    labels = split_category_list(s, known_with_commas);
  } else {
    throw DataError(where + ": expected a list of categories or a string, got " + std::string(value.type_name()));
  }
  std::vector<std::string> out;
  for (const auto& label : labels) {
    if (trim_ascii(label).empty()) continue;
    std::string name = category_name(label);
    if (name.empty()) throw DataError(where + ": category \"" + label + "\" has no letters or digits");
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
  }
  return out;
}

}  // namespace polysafe::data
