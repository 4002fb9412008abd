// When one generated sequence stops, and which of its text to keep: end-of-
// sequence token ids, stop strings matched on the decoded text across token
// boundaries (including characters split over tokens), and a token budget.
// Text is released as soon as it can no longer be the start of a stop string,
// so it can be streamed; a stop string or part of a character is never released,
// so every released piece, and the final text, is valid UTF-8. Plain C++ (no
// libtorch); it must never look at logits or change what the model samples.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace polysafe::engine {

struct StopConfig {
  std::vector<int32_t> eos_ids;           // any of these ends the sequence; never part of the text
  std::vector<std::string> stop_strings;  // non-empty, valid UTF-8; the earliest match ends the text
  size_t max_new_tokens = 256;            // >= 1; counts every generated token, EOS included
  bool skip_special = true;               // control tokens decode to "" (llama.cpp special=false)

  // The model's EOS and end-of-turn ids (tokenizer eos_id / eot_id, when they
  // exist) and no stop strings.
  static StopConfig for_model(const tokenizer::Tokenizer& tok, size_t max_new_tokens);
  // Throws polysafe::UsageError naming the bad field.
  void validate() const;
};

enum class StopReason { none, eos, stop_string, max_new_tokens };
const char* stop_reason_name(StopReason r);  // "none", "eos", "stop", "length"

struct StopStep {
  bool stop = false;
  StopReason reason = StopReason::none;
  std::string text;  // text released by this token (may be empty while a possible stop string is held back)
};

class StopCriteria {
 public:
  // tok must outlive this object.
  StopCriteria(const tokenizer::Tokenizer& tok, StopConfig config);

  // Feeds one generated token. After the step that returns stop == true, the
  // sequence is finished: further calls return {true, reason, ""} and change nothing.
  StopStep push(int32_t token);

  bool stopped() const { return reason_ != StopReason::none; }
  StopReason reason() const { return reason_; }
  // Everything released so far; after a stop, the final text (stop string and
  // anything after it removed, a character the sequence stopped inside dropped).
  const std::string& text() const { return text_; }
  // Bytes of that dropped character: what the token budget or EOS cut off
  // (0 after a stop string, whose tail is removed anyway).
  size_t dropped_tail_bytes() const { return dropped_tail_; }
  // Ill-formed byte sequences the model produced inside text(), each shown as
  // one U+FFFD: the model's doing, unlike the dropped tail.
  size_t invalid_utf8_sequences() const;
  size_t n_tokens() const { return n_tokens_; }
  // The stop string that matched (empty unless reason() == stop_string).
  const std::string& matched_stop_string() const { return matched_; }

 private:
  // Adds decoded text to the held-back buffer, then stops at the earliest stop
  // string or releases what can no longer begin one. Returns the released text.
  std::string take(const std::string& decoded, StopStep& step);
  std::string release_all();

  StopConfig config_;
  tokenizer::StreamingDecoder decoder_;
  size_t longest_stop_ = 0;
  std::string held_;   // decoded, not yet released: a suffix that may start a stop string
  std::string text_;
  std::string matched_;
  size_t n_tokens_ = 0;
  size_t dropped_tail_ = 0;
  StopReason reason_ = StopReason::none;
};

}  // namespace polysafe::engine
