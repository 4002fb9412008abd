#include "chat_template/jinja_unicode.h"

#include <algorithm>
#include <vector>

#include "util/utf8.h"

namespace polysafe::chat_template::jinja::unicode {
namespace {

bool in_ranges(const CodeRange* r, size_t n, char32_t c) {
  const CodeRange* end = r + n;
  const CodeRange* it =
      std::upper_bound(r, end, c, [](char32_t v, const CodeRange& x) { return v < x.lo; });
  if (it == r) return false;
  --it;
  return c >= it->lo && c <= it->hi;
}

const char* find_mapping(const CaseMapping* m, size_t n, char32_t c) {
  const CaseMapping* end = m + n;
  const CaseMapping* it =
      std::lower_bound(m, end, c, [](const CaseMapping& x, char32_t v) { return x.cp < v; });
  if (it != end && it->cp == c) return it->utf8;
  return nullptr;
}

void append_mapped(std::string& out, const CaseMapping* m, size_t n, char32_t c) {
  if (const char* s = find_mapping(m, n, c))
    out += s;
  else
    utf8::append(out, c);
}

// CPython unicodeobject.c handle_capital_sigma: U+03A3 lowers to final sigma
// when preceded by a cased letter and not followed by one, skipping
// case-ignorable characters in both directions.
bool final_sigma(const std::vector<char32_t>& cps, size_t i) {
  size_t j = i;
  bool before = false;
  while (j > 0) {
    char32_t c = cps[j - 1];
    if (!is_case_ignorable(c)) {
      before = is_cased(c);
      break;
    }
    --j;
  }
  if (!before) return false;
  for (size_t k = i + 1; k < cps.size(); ++k) {
    if (!is_case_ignorable(cps[k])) return !is_cased(cps[k]);
  }
  return true;
}

void lower_at(std::string& out, const std::vector<char32_t>& cps, size_t i) {
  if (cps[i] == 0x3A3) {
    utf8::append(out, final_sigma(cps, i) ? 0x3C2 : 0x3C3);
    return;
  }
  append_mapped(out, unicode_data::kLower, unicode_data::kLower_size, cps[i]);
}

}  // namespace

bool is_space(char32_t c) {
  if (c < 0x80) return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
  return in_ranges(unicode_data::kSpace, unicode_data::kSpace_size, c);
}
bool is_cased(char32_t c) { return in_ranges(unicode_data::kCased, unicode_data::kCased_size, c); }
bool is_case_ignorable(char32_t c) {
  return in_ranges(unicode_data::kCaseIgnorable, unicode_data::kCaseIgnorable_size, c);
}
bool is_printable(char32_t c) {
  if (c >= 0x20 && c < 0x7F) return true;
  return !in_ranges(unicode_data::kNotPrintable, unicode_data::kNotPrintable_size, c);
}
bool is_line_break(char32_t c) {
  return c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x1C || c == 0x1D ||
         c == 0x1E || c == 0x85 || c == 0x2028 || c == 0x2029;
}

std::string upper(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t pos = 0;
  while (pos < s.size()) {
    char32_t c = utf8::decode(s, pos);
    append_mapped(out, unicode_data::kUpper, unicode_data::kUpper_size, c);
  }
  return out;
}

std::string lower(std::string_view s) {
  std::vector<char32_t> cps = utf8::to_codepoints(s);
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < cps.size(); ++i) lower_at(out, cps, i);
  return out;
}

std::string title(std::string_view s) {
  std::vector<char32_t> cps = utf8::to_codepoints(s);
  std::string out;
  out.reserve(s.size());
  bool previous_cased = false;
  for (size_t i = 0; i < cps.size(); ++i) {
    if (previous_cased)
      lower_at(out, cps, i);
    else
      append_mapped(out, unicode_data::kTitle, unicode_data::kTitle_size, cps[i]);
    previous_cased = is_cased(cps[i]);
  }
  return out;
}

std::string capitalize(std::string_view s) {
  std::vector<char32_t> cps = utf8::to_codepoints(s);
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < cps.size(); ++i) {
    if (i == 0)
      append_mapped(out, unicode_data::kTitle, unicode_data::kTitle_size, cps[i]);
    else
      lower_at(out, cps, i);
  }
  return out;
}

}  // namespace polysafe::chat_template::jinja::unicode
