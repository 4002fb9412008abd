// Prompt edge cleaning, see prompt_text.h.
#include "data/prompt_text.h"

#include "util/utf8.h"

namespace polysafe::data {

namespace {

bool is_edge_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200B) ||
         c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

std::string_view trim(std::string_view s) {
  // Leading: decode forward.
  size_t pos = 0;
  while (pos < s.size()) {
    size_t next = pos;
    char32_t c = utf8::decode(s, next);
    if (!is_edge_space(c)) break;
    pos = next;
  }
  s.remove_prefix(pos);
  // Trailing: step back to the start of each UTF-8 sequence.
  while (!s.empty()) {
    size_t start = s.size() - 1;
    while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80 && s.size() - start < 4) --start;
    size_t p = start;
    char32_t c = utf8::decode(s, p);
    if (p != s.size() || !is_edge_space(c)) break;
    s.remove_suffix(s.size() - start);
  }
  return s;
}

}  // namespace

std::string clean_prompt(std::string_view text) {
  std::string_view s = trim(text);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"' && s.substr(1, s.size() - 2).find('"') == std::string_view::npos)
    s = trim(s.substr(1, s.size() - 2));
  return std::string(s);
}

std::string trim_prompt_space(std::string_view text) { return std::string(trim(text)); }

}  // namespace polysafe::data
