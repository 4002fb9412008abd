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

}  // namespace polysafe::lang
