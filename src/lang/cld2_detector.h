// Google's Compact Language Detector 2 (Debian libcld2, the "full" tables: 160+
// languages), as a second opinion beside fastText's lid.176. CLD2 scores
// quadgrams of Latin/Cyrillic/... text and words of CJK text with a different
// training corpus, so its errors are largely independent of lid.176's; it is
// strong on short Latin-script text of African and Austronesian languages
// (Swahili, Yoruba, Javanese) where lid.176 is weak. Tags come out as BCP-47
// (CLD2's legacy "iw", "jw", "zh-Hant" become "he", "jv", "zh-Hant").
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace polysafe::lang {

struct Cld2Guess {
  std::string lang;         // BCP-47
  int percent = 0;          // share of the text's letters CLD2 gave this language, 0..100
  double normalized_score = 0;  // CLD2's score relative to typical text of the language (~1 = typical)
};

struct Cld2Result {
  std::vector<Cld2Guess> top;  // up to 3, largest share first; empty when CLD2 knows none
  bool reliable = false;       // CLD2's own "clearly ahead of the second best"
  int text_bytes = 0;          // letters-only bytes CLD2 scored
};

// The languages CLD2's full tables can detect (165, CLD2's DETECTED_LANGUAGES
// list), as BCP-47 primary subtags: an ensemble must know which languages a
// model could have voted for at all.
bool cld2_knows(std::string_view primary_tag);

// Detects the languages of valid UTF-8 text (the caller cleans invalid bytes;
// invalid input gives an empty result). hint: a BCP-47 tag CLD2 should favour
// ("sw"), or empty. Without best_effort CLD2 abstains (empty top) on text too
// short or ambiguous to call; with it, it guesses, and its guesses on short
// text lean to English. Thread-safe: CLD2's tables are static and read-only.
Cld2Result cld2_detect(std::string_view text, std::string_view hint = "", bool best_effort = false);

}  // namespace polysafe::lang
