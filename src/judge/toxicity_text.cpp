#include "judge/toxicity_text.h"

#include <unicode/uchar.h>
#include <unicode/uscript.h>

#include "util/utf8.h"

namespace polysafe::judge {

namespace {

bool is_word_char(char32_t cp) {
  int32_t mask = U_GET_GC_MASK(UChar32(cp));
  return (mask & (U_GC_L_MASK | U_GC_M_MASK | U_GC_N_MASK)) != 0;
}

bool is_space_or_control(char32_t cp) {
  return u_isUWhiteSpace(UChar32(cp)) || u_iscntrl(UChar32(cp)) || cp == 0x200B || cp == 0xFEFF;
}

char32_t lower(char32_t cp) { return char32_t(u_tolower(UChar32(cp))); }

}  // namespace

bool is_unspaced_script(char32_t cp) {
  UErrorCode err = U_ZERO_ERROR;
  UScriptCode sc = uscript_getScript(UChar32(cp), &err);
  if (U_FAILURE(err)) return false;
  switch (sc) {
    case USCRIPT_HAN:
    case USCRIPT_HIRAGANA:
    case USCRIPT_KATAKANA:
    case USCRIPT_HANGUL:
    case USCRIPT_THAI:
    case USCRIPT_LAO:
    case USCRIPT_KHMER:
    case USCRIPT_MYANMAR:
      return true;
    default:
      return false;
  }
}

std::string fold_case(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) utf8::append(out, lower(utf8::decode(text, pos)));
  return out;
}

std::string fasttext_input_line(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 4);
  bool in_word = false;  // the last thing written was part of a word token
  auto space = [&] {
    if (!out.empty() && out.back() != ' ') out.push_back(' ');
  };
  for (size_t pos = 0; pos < text.size();) {
    char32_t cp = utf8::decode(text, pos);
    if (is_space_or_control(cp)) {
      space();
      in_word = false;
    } else if (is_word_char(cp)) {
      if (!in_word) space();
      utf8::append(out, lower(cp));
      in_word = true;
    } else {  // punctuation, symbol, emoji, U+FFFD: a token of its own
      space();
      utf8::append(out, cp);
      out.push_back(' ');
      in_word = false;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::vector<std::string> word_tokens(std::string_view text) {
  std::vector<std::string> tokens;
  std::string cur;
  for (size_t pos = 0; pos < text.size();) {
    char32_t cp = utf8::decode(text, pos);
    if (is_word_char(cp)) {
      utf8::append(cur, lower(cp));
    } else if (!cur.empty()) {
      tokens.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) tokens.push_back(std::move(cur));
  return tokens;
}

}  // namespace polysafe::judge
