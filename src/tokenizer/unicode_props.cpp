#include "tokenizer/unicode_props.h"

#include <unicode/uchar.h>

#include <array>

#include "util/error.h"
#include "util/utf8.h"

namespace polysafe::tokenizer {

namespace {

// Unicode 15.1 additions that ICU 72 (Unicode 15.0) still reports as unassigned;
// llama.cpp's generated tables (scripts/gen-unicode-data.py, Unicode 15.1) know them.
// UCD 15.1 DerivedGeneralCategory: U+2FFC..2FFF and U+31EF are So (ideographic
// description characters), U+2EBF0..2EE5D is Lo (CJK Unified Ideographs Extension I).
uint16_t unicode_15_1_patch(char32_t cp) {
  if ((cp >= 0x2FFC && cp <= 0x2FFF) || cp == 0x31EF) return CpFlags::SYMBOL;
  if (cp >= 0x2EBF0 && cp <= 0x2EE5D) return CpFlags::LETTER;
  return 0;
}

uint16_t category_bits(char32_t cp) {
  switch (u_charType(static_cast<UChar32>(cp))) {
    case U_UNASSIGNED: {
      uint16_t p = unicode_15_1_patch(cp);
      return p ? p : static_cast<uint16_t>(CpFlags::UNDEFINED);
    }
    case U_UPPERCASE_LETTER: case U_LOWERCASE_LETTER: case U_TITLECASE_LETTER:
    case U_MODIFIER_LETTER: case U_OTHER_LETTER:
      return CpFlags::LETTER;
    case U_NON_SPACING_MARK: case U_ENCLOSING_MARK: case U_COMBINING_SPACING_MARK:
      return CpFlags::MARK;
    case U_DECIMAL_DIGIT_NUMBER: case U_LETTER_NUMBER: case U_OTHER_NUMBER:
      return CpFlags::NUMBER;
    case U_SPACE_SEPARATOR: case U_LINE_SEPARATOR: case U_PARAGRAPH_SEPARATOR:
      return CpFlags::SEPARATOR;
    case U_CONTROL_CHAR: case U_FORMAT_CHAR: case U_PRIVATE_USE_CHAR: case U_SURROGATE:
      return CpFlags::CONTROL;
    case U_DASH_PUNCTUATION: case U_START_PUNCTUATION: case U_END_PUNCTUATION:
    case U_CONNECTOR_PUNCTUATION: case U_OTHER_PUNCTUATION: case U_INITIAL_PUNCTUATION:
    case U_FINAL_PUNCTUATION:
      return CpFlags::PUNCTUATION;
    default:
      return CpFlags::SYMBOL;
  }
}

CpFlags compute(char32_t cp) {
  if (cp > 0x10FFFF) return CpFlags{CpFlags::UNDEFINED};
  uint16_t bits = category_bits(cp);
  if (u_hasBinaryProperty(static_cast<UChar32>(cp), UCHAR_WHITE_SPACE)) bits |= CpFlags::WHITESPACE;
  return CpFlags{bits};
}

// ASCII and Latin-1 dominate; a small table avoids ICU calls for them.
const std::array<uint16_t, 256>& latin1_table() {
  static const std::array<uint16_t, 256> t = [] {
    std::array<uint16_t, 256> a{};
    for (int i = 0; i < 256; ++i) a[i] = compute(static_cast<char32_t>(i)).bits;
    return a;
  }();
  return t;
}

}  // namespace

CpFlags cp_flags(char32_t cp) {
  if (cp < 256) return CpFlags{latin1_table()[cp]};
  return compute(cp);
}

std::vector<char32_t> decode_valid_utf8(std::string_view s, std::vector<size_t>* byte_at) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  if (byte_at) { byte_at->clear(); byte_at->reserve(s.size() + 1); }
  size_t i = 0;
  while (i < s.size()) {
    if (byte_at) byte_at->push_back(i);
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) { out.push_back(c); ++i; continue; }
    out.push_back(utf8::decode(s, i));  // bounds-checked; invalid bytes read as U+FFFD
  }
  if (byte_at) byte_at->push_back(s.size());
  return out;
}

void append_utf8(std::string& out, char32_t cp) { utf8::append(out, cp); }

void validate_utf8(std::string_view s, std::string_view what) {
  if (auto bad = utf8::first_invalid(s)) {
    throw TokenizerError(std::string(what) + ": invalid UTF-8 at byte " + std::to_string(*bad) +
                         " (byte 0x" + [&] {
                           static const char* hex = "0123456789ABCDEF";
                           unsigned char c = static_cast<unsigned char>(s[*bad]);
                           return std::string{hex[c >> 4], hex[c & 15]};
                         }() + ")");
  }
}

}  // namespace polysafe::tokenizer
