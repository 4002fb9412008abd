#include "engine/stop_criteria.h"

#include <algorithm>

#include "util/error.h"
#include "util/utf8.h"

namespace polysafe::engine {

StopConfig StopConfig::for_model(const tokenizer::Tokenizer& tok, size_t max_new_tokens) {
  StopConfig c;
  if (tok.eos_id() >= 0) c.eos_ids.push_back(tok.eos_id());
  if (tok.eot_id() >= 0 && tok.eot_id() != tok.eos_id()) c.eos_ids.push_back(tok.eot_id());
  c.max_new_tokens = max_new_tokens;
  return c;
}

void StopConfig::validate() const {
  if (max_new_tokens == 0) throw UsageError("stop criteria: max new tokens must be >= 1, got 0");
  for (size_t i = 0; i < stop_strings.size(); ++i) {
    if (stop_strings[i].empty())
      throw UsageError("stop criteria: stop string " + std::to_string(i) + " is empty");
    if (auto bad = utf8::first_invalid(stop_strings[i]))
      throw UsageError("stop criteria: stop string " + std::to_string(i) + ": invalid UTF-8 at byte " +
                       std::to_string(*bad));
  }
}

const char* stop_reason_name(StopReason r) {
  switch (r) {
    case StopReason::none: return "none";
    case StopReason::eos: return "eos";
    case StopReason::stop_string: return "stop";
    case StopReason::max_new_tokens: return "length";
  }
  return "none";
}

StopCriteria::StopCriteria(const tokenizer::Tokenizer& tok, StopConfig config)
    : config_(std::move(config)), decoder_(tok, config_.skip_special) {
  config_.validate();
  for (const auto& s : config_.stop_strings) longest_stop_ = std::max(longest_stop_, s.size());
}

std::string StopCriteria::release_all() {
  std::string out = std::move(held_);
  held_.clear();
  text_ += out;
  return out;
}

std::string StopCriteria::take(const std::string& decoded, StopStep& step) {
  if (config_.stop_strings.empty()) {
    text_ += decoded;
    return decoded;
  }
  held_ += decoded;
  // held_ never contains a whole stop string before this call, and a match
  // cannot start before held_ (held_ is the longest suffix that could begin
  // one), so searching held_ from its start finds the earliest match.
  size_t best = std::string::npos;
  const std::string* best_s = nullptr;
  for (const auto& s : config_.stop_strings) {
    size_t pos = held_.find(s);
    if (pos != std::string::npos && (pos < best || (pos == best && s.size() > best_s->size()))) {
      best = pos;
      best_s = &s;
    }
  }
  if (best != std::string::npos) {
    std::string out = held_.substr(0, best);
    text_ += out;
    held_.clear();
    matched_ = *best_s;
    reason_ = StopReason::stop_string;
    step.stop = true;
    step.reason = reason_;
    return out;
  }
  // Keep back the longest suffix of held_ that is a proper prefix of a stop
  // string; release the rest. Byte-wise is safe: stop strings are valid UTF-8
  // and held_ holds only complete characters, so a byte match is a text match.
  size_t keep = 0;
  const size_t max_keep = std::min(held_.size(), longest_stop_ - 1);
  for (size_t len = max_keep; len > 0 && keep == 0; --len) {
    const char* suffix = held_.data() + held_.size() - len;
    for (const auto& s : config_.stop_strings)
      if (s.size() > len && s.compare(0, len, suffix, len) == 0) {
        keep = len;
        break;
      }
  }
  std::string out = held_.substr(0, held_.size() - keep);
  held_.erase(0, held_.size() - keep);
  text_ += out;
  return out;
}

size_t StopCriteria::invalid_utf8_sequences() const {
  // text_ is a prefix of everything the decoder returned (held_ is always its
  // suffix), so the replacements inside it are those before its end.
  const auto& at = decoder_.replaced_at();
  return size_t(std::lower_bound(at.begin(), at.end(), text_.size()) - at.begin());
}

StopStep StopCriteria::push(int32_t token) {
  StopStep step;
  if (stopped()) {
    step.stop = true;
    step.reason = reason_;
    return step;
  }
  ++n_tokens_;
  const bool is_eos = std::find(config_.eos_ids.begin(), config_.eos_ids.end(), token) != config_.eos_ids.end();
  if (!is_eos) step.text = take(decoder_.push(token), step);
  if (step.stop) return step;

  if (is_eos || n_tokens_ >= config_.max_new_tokens) {
    // The end. A character the sequence stopped inside is dropped, not shown
    // as U+FFFD: its bytes so far were well-formed, the budget or EOS cut it.
    // What is held back for a possible stop string is complete text.
    dropped_tail_ = decoder_.finish();
    step.text += release_all();
    reason_ = is_eos ? StopReason::eos : StopReason::max_new_tokens;
    step.stop = true;
    step.reason = reason_;
  }
  return step;
}

}  // namespace polysafe::engine
