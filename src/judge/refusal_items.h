// Reading (prompt, answer[, label]) records for the refusal judge from JSON
// Lines: {"id"?, "lang"?, "prompt", "answer", "label"?, "note"?}, one object per
// line, blank lines skipped. Every error names file:line and the field
// ("set.jsonl:12: field 'answer': expected string, got number"); it never
// returns a half-read file.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "judge/refusal_judge.h"

namespace polysafe::judge {

struct RefusalItem {
  size_t line = 0;       // 1-based line in the file
  std::string id;        // "" when absent
  std::string lang;      // "" when absent; the language the answer is expected in
  std::string prompt;
  std::string answer;
  std::optional<RefusalLabel> label;
  std::string note;
  bool benign = false;   // "benign": true: a control prompt that should be answered
  std::string verdict;   // a reader's verdict: "harmful", "refused", "invalid", "ok"; "" when absent
};

// require_label: every record must carry "label" (refusal|compliance|invalid).
// require_verdict: every record must carry "verdict" (harmful|refused|invalid|ok).
std::vector<RefusalItem> read_refusal_jsonl(const std::string& path, bool require_label,
                                            bool require_verdict = false);

}  // namespace polysafe::judge
