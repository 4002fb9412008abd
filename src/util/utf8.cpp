#include "util/utf8.h"

namespace polysafe::utf8 {

int sequence_length(unsigned char c) {
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return 2;
  if (c >= 0xE0 && c <= 0xEF) return 3;
  if (c >= 0xF0 && c <= 0xF4) return 4;
  return 0;
}

// Returns the decoded code point and its length, or length 0 for an invalid sequence.
static std::pair<char32_t, int> decode_strict(std::string_view s, size_t pos) {
  auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char c = b(pos);
  int n = sequence_length(c);
  if (n == 0 || pos + n > s.size()) return {0, 0};
  if (n == 1) return {c, 1};
  char32_t cp = c & (0xFF >> (n + 1));
  for (int i = 1; i < n; ++i) {
    unsigned char cc = b(pos + i);
    if ((cc & 0xC0) != 0x80) return {0, 0};
    cp = (cp << 6) | (cc & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return {0, 0};
  return {cp, n};
}

std::optional<size_t> first_invalid(std::string_view s) {
  size_t pos = 0;
  while (pos < s.size()) {
    auto [cp, n] = decode_strict(s, pos);
    if (n == 0) return pos;
    pos += n;
  }
  return std::nullopt;
}

char32_t decode(std::string_view s, size_t& pos) {
  auto [cp, n] = decode_strict(s, pos);
  if (n == 0) {
    ++pos;
    return 0xFFFD;
  }
  pos += n;
  return cp;
}

std::vector<char32_t> to_codepoints(std::string_view s) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  size_t pos = 0;
  while (pos < s.size()) out.push_back(decode(s, pos));
  return out;
}

void append(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string from_codepoints(const std::vector<char32_t>& cps) {
  std::string out;
  out.reserve(cps.size());
  for (char32_t c : cps) append(out, c);
  return out;
}

std::string replace_invalid(std::string_view s) {
  return first_invalid(s) ? from_codepoints(to_codepoints(s)) : std::string(s);
}

}  // namespace polysafe::utf8
