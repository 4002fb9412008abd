// Reading labelled texts for training and evaluating judges: JSON Lines, one
// object per line, with configurable field names. Every error names
// file:line and the field ("data.jsonl:12: field 'label': expected 0/1/true/false,
// got \"maybe\""); blank lines are skipped. Never returns a half-read file.
#pragma once

#include <string>
#include <vector>

namespace polysafe::judge {

struct LabeledText {
  std::string text;
  int label = -1;                   // 0/1; -1 when labels were not requested
  std::vector<std::string> extra;   // values of JsonlFields::extra, "" when absent
};

struct JsonlFields {
  std::string text = "text";
  std::string label = "label";      // empty: labels not read
  std::vector<std::string> extra;   // optional string-ish fields (lang, source...)
};

// Labels accepted: 0, 1, true, false, 0.0, 1.0, "0", "1", "true", "false".
std::vector<LabeledText> read_labeled_jsonl(const std::string& path, const JsonlFields& fields);

}  // namespace polysafe::judge
