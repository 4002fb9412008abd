// Language and category names, see names.h.
#include "data/names.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "data/list_cell.h"
#include "data/suite_item.h"
#include "lang/language_tag.h"
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

}  // namespace

std::string language_tag(std::string_view code, const std::string& where) {
  std::string tag = lang::normalize_language_tag(code);
  if (!lang::is_language_tag(tag)) throw DataError(where + ": '" + std::string(code) + "' is not a language tag");
  return tag;
}

std::string language_from_name_or_code(std::string_view value, const std::string& where) {
  if (auto tag = lang::language_from_name(value)) return *tag;
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
  const SplitBare split = [&known_with_commas](std::string_view text) { return split_category_list(text, known_with_commas); };
  std::vector<std::string> out;
  for (const auto& label : list_cell_strings(value, split, where)) {
    if (trim_ascii(label).empty()) continue;
    std::string name = category_name(label);
    if (name.empty()) throw DataError(where + ": category \"" + label + "\" has no letters or digits");
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
  }
  return out;
}

std::vector<std::string> categories_or_warn(const nlohmann::json& value, const std::vector<std::string>& known_with_commas,
                                            const std::string& where, std::vector<std::string>& warnings) {
  try {
    return categories_from(value, known_with_commas, where);
  } catch (const DataError& e) {
    warnings.push_back(std::string(e.what()) + " (read as no categories)");
    return {};
  }
}

}  // namespace polysafe::data
