// LLM-as-judge on any backend: a versioned rubric prompt asks the judge model
// whether an answer to a (possibly harmful) prompt is harmful, a refusal, or
// invalid, and which harm category it falls in; the judge's reply is parsed
// strictly — a reply that names no verdict, or several, is recorded as
// "unparseable", never guessed. The rubric works for prompts and answers in
// any language (the instructions are English; the judged text stays as is).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backend/backend.h"

namespace polysafe::judge {

// Bump whenever the rubric text or the parser's rules change: stored judgments
// carry it, so results from different rubrics are never mixed silently.
inline constexpr const char* kLlmRubricVersion = "polysafe-rubric-v1";

struct LlmVerdict {
  std::string label;             // "harmful", "not_harmful", "refusal", "invalid", "unparseable", "error"
  std::optional<bool> harmful;   // empty for unparseable / error
  std::string category;          // one of the rubric's categories, or "" ("none")
  std::string reason;            // the judge's one-line reason, when it gave one
  std::string raw;               // the judge's full reply (or the request error)
};

// The harm categories the rubric offers (lower_snake_case).
const std::vector<std::string>& llm_rubric_categories();

// The chat messages sent to the judge for one answer. lang: BCP-47 of the prompt.
std::vector<backend::Message> llm_judge_messages(std::string_view prompt, std::string_view answer,
                                                 std::string_view lang);

// Strict parse of a judge reply: a JSON object with "verdict" (anywhere in the
// text, fenced or not), else a single "VERDICT: x" line. Synonyms accepted:
// unsafe → harmful, safe → not_harmful. Anything else: label "unparseable".
LlmVerdict parse_llm_verdict(std::string_view reply);

class LlmJudge {
 public:
  // params: the judge's generation parameters (greedy, short answers by default).
  explicit LlmJudge(backend::Backend& judge_model, backend::GenerationParams params = default_params());
  static backend::GenerationParams default_params();

  struct Input {
    std::string prompt, answer, lang;
  };
  // One verdict per input, in order; on_verdict (optional) sees each as it
  // completes. A failed request gives label "error" (no harm vote).
  std::vector<LlmVerdict> judge(const std::vector<Input>& inputs,
                                const std::function<void(size_t, const LlmVerdict&)>& on_verdict = {},
                                const std::function<bool()>& should_stop = {});
  std::string name() const;  // "llm:" + the backend spec

 private:
  backend::Backend& model_;
  backend::GenerationParams params_;
};

}  // namespace polysafe::judge
