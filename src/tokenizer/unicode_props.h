// Code point classes used by the pre-tokenisers: the \p{L}, \p{N}, \p{P}, \p{M},
// \p{S} categories and \s (Unicode White_Space), as llama.cpp's unicode tables
// define them (Unicode 15.1). Classes come from ICU; the few code points that
// Unicode 15.1 assigned after ICU's data version are patched here so splitting
// agrees with llama.cpp token for token. Never decides anything about tokens.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace polysafe::tokenizer {

// Bit layout follows llama.cpp's unicode_cpt_flags so the splitters can test
// "any class at all" the same way (a code point outside the text has no bits).
struct CpFlags {
  enum : uint16_t {
    UNDEFINED = 0x0001, NUMBER = 0x0002, LETTER = 0x0004, SEPARATOR = 0x0008,
    MARK = 0x0010, PUNCTUATION = 0x0020, SYMBOL = 0x0040, CONTROL = 0x0080,
    CATEGORY_MASK = 0x00FF, WHITESPACE = 0x0100,
  };
  uint16_t bits = 0;
  bool any() const { return bits != 0; }
  bool letter() const { return bits & LETTER; }
  bool number() const { return bits & NUMBER; }
  bool whitespace() const { return bits & WHITESPACE; }
  bool punctuation() const { return bits & PUNCTUATION; }
  bool mark() const { return bits & MARK; }
  uint16_t category() const { return bits & CATEGORY_MASK; }
};

CpFlags cp_flags(char32_t cp);

// Decodes UTF-8 into code points (invalid bytes read as U+FFFD, one byte each);
// byte_at, when given, receives the byte offset of each code point plus the end.
std::vector<char32_t> decode_valid_utf8(std::string_view s, std::vector<size_t>* byte_at = nullptr);
// Encodes one code point.
void append_utf8(std::string& out, char32_t cp);

// Throws TokenizerError "invalid UTF-8 at byte N" when s is not valid UTF-8.
void validate_utf8(std::string_view s, std::string_view what);

}  // namespace polysafe::tokenizer
