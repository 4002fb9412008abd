// The dominant Unicode script (ISO 15924, through ICU) of a text's letters: what
// language ID and the invalid-answer detector check first, since a text in the
// wrong script is in the wrong language whatever a classifier says.
#pragma once

#include <string>
#include <string_view>

namespace polysafe::lang {

// Dominant script of the letters in text (ISO 15924), and its share of them.
// Letters are code points of general category L whose script is not Common or
// Inherited. Japanese: when kana make up at least 20% of the Han + kana letters,
// Han, Hiragana and Katakana count together as "Jpan" (Japanese mixes all three;
// 99% of the Japanese rows of RTP-LX and XSafety have >= 37% kana, their Chinese
// rows none, and a Chinese sentence naming a Japanese brand stays under 20%).
// Korean Hangul stays "Hang" (Han in Korean text counts as "Hani"). Ties go to
// the script seen first. No letters: "Zyyy", share 0.
std::string dominant_script(std::string_view text, double* share = nullptr);

// The script a language is usually written in, from CLDR's likely subtags
// through ICU ("hi" -> "Deva", "zh-Hant" -> "Hant", "sr" -> "Cyrl", "sw" ->
// "Latn"); an explicit script subtag wins ("sr-Latn" -> "Latn"). "" when ICU
// has none. Works for every language CLDR knows, not a fixed list.
std::string likely_script(std::string_view tag);

// True when letters whose dominant script is `seen` (dominant_script's answer)
// fit the orthography `usual` (likely_script's answer): CLDR names Han-based
// orthographies (Hans, Hant, Jpan, Kore), the letter count names scripts (Hani,
// Hang, Jpan). Han-only text fits Japanese too (short kanji-only phrases exist);
// kana-bearing text ("Jpan") never fits Chinese. Unknown either side: true.
bool script_fits(std::string_view usual, std::string_view seen);

}  // namespace polysafe::lang
