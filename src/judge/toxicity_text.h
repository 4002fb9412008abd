// How the toxicity judges see text: lower-cased code points, whitespace and
// control characters collapsed, punctuation and symbols (emoji included) split
// into tokens of their own. Shared by the fastText scorer (training and scoring
// must normalise identically) and the lexicon baseline. Never throws: invalid
// UTF-8 bytes become U+FFFD, empty input gives an empty result.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace polysafe::judge {

// One fastText input line: tokens separated by single spaces, no newline, and
// no token can start with fastText's "__label__" prefix ('_' is punctuation).
std::string fasttext_input_line(std::string_view text);

// Lower-cased UTF-8 (full-width forms kept; invalid bytes as U+FFFD).
std::string fold_case(std::string_view text);

// Maximal runs of letters, marks and digits (so Devanagari and Thai vowel signs
// stay inside their word), lower-cased; everything else separates.
std::vector<std::string> word_tokens(std::string_view text);

// True when the code point belongs to a script written without spaces between
// words (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar) or Hangul, whose
// particles attach to words: there lexicon terms are matched as substrings.
bool is_unspaced_script(char32_t cp);

}  // namespace polysafe::judge
