// Unicode character data and case algorithms exactly as CPython's str methods
// apply them (str.upper/lower/title/capitalize/isspace/isprintable), so that
// chat templates render byte-identically to jinja2 under Python.
// The tables are generated from Python itself (scripts/reference/gen_jinja_unicode.py);
// never hand-edit them, and never substitute a locale-dependent C library call.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace polysafe::chat_template::jinja {

struct CodeRange {
  char32_t lo, hi;
};
struct CaseMapping {
  char32_t cp;
  const char* utf8;  // full mapping (may be several code points)
};

namespace unicode_data {
extern const CodeRange kSpace[];
extern const size_t kSpace_size;
extern const CodeRange kCased[];
extern const size_t kCased_size;
extern const CodeRange kCaseIgnorable[];
extern const size_t kCaseIgnorable_size;
extern const CodeRange kNotPrintable[];
extern const size_t kNotPrintable_size;
extern const CaseMapping kUpper[];
extern const size_t kUpper_size;
extern const CaseMapping kLower[];
extern const size_t kLower_size;
extern const CaseMapping kTitle[];
extern const size_t kTitle_size;
}  // namespace unicode_data

namespace unicode {

bool is_space(char32_t c);        // str.isspace
bool is_cased(char32_t c);
bool is_case_ignorable(char32_t c);
bool is_printable(char32_t c);    // str.isprintable (repr escapes the others)
// Line boundaries of str.splitlines().
bool is_line_break(char32_t c);

// Whole-string operations on UTF-8 (invalid bytes pass through as U+FFFD).
std::string upper(std::string_view s);       // str.upper
std::string lower(std::string_view s);       // str.lower (with the final-sigma rule)
std::string title(std::string_view s);       // str.title
std::string capitalize(std::string_view s);  // str.capitalize (Python >= 3.8)

}  // namespace unicode
}  // namespace polysafe::chat_template::jinja
