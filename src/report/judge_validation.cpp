#include "report/judge_validation.h"

#include <cstdio>
#include <map>

#include "judge/hidden_state_head.h"

namespace polysafe::report {

namespace {

struct Row {
  double value, kappa;
  size_t n;
};

// docs/judges/refusal.md, "Agreement on the validation set": held-out labelled
// answers, 51 per language, for the rules of versions polysafe-refusal-1 and -2
// (version 2 added the prefix-echo and short-loop rules; re-measured: the same numbers).
const std::map<std::string, Row, std::less<>>& refusal_rows() {
  static const std::map<std::string, Row, std::less<>> t = {
      {"ar", {0.863, 0.795, 51}}, {"de", {0.824, 0.736, 51}}, {"en", {0.941, 0.912, 51}},
      {"es", {0.824, 0.737, 51}}, {"fr", {0.902, 0.853, 51}}, {"hi", {0.902, 0.853, 51}},
      {"ja", {0.804, 0.707, 51}}, {"pt", {0.843, 0.765, 51}}, {"ru", {0.922, 0.883, 51}},
      {"sw", {0.922, 0.883, 51}}, {"tr", {0.902, 0.853, 51}}, {"zh", {0.902, 0.853, 51}},
  };
  return t;
}

// docs/judges/toxicity.md: ROC-AUC of the default fastText scorer on the RTP-LX
// test split of each language (the scorer the "toxicity" judge loads by default).
const std::map<std::string, Row, std::less<>>& toxicity_rows() {
  static const std::map<std::string, Row, std::less<>> t = {
      {"ar", {0.707, -1, 221}}, {"cs", {0.683, -1, 217}}, {"da", {0.794, -1, 230}}, {"de", {0.656, -1, 213}},
      {"en", {0.760, -1, 209}}, {"es", {0.775, -1, 237}}, {"fi", {0.609, -1, 230}}, {"fr", {0.819, -1, 215}},
      {"he", {0.772, -1, 228}}, {"hi", {0.763, -1, 233}}, {"hu", {0.713, -1, 233}}, {"id", {0.750, -1, 230}},
      {"it", {0.744, -1, 228}}, {"ja", {0.759, -1, 224}}, {"ko", {0.822, -1, 230}}, {"nb", {0.788, -1, 230}},
      {"no", {0.788, -1, 230}}, {"nl", {0.740, -1, 227}}, {"pl", {0.719, -1, 230}}, {"pt", {0.687, -1, 230}},
      {"ru", {0.774, -1, 250}}, {"sv", {0.831, -1, 219}}, {"th", {0.761, -1, 229}}, {"tr", {0.727, -1, 219}},
      {"uk", {0.778, -1, 220}}, {"zh", {0.731, -1, 216}}, {"zh-Hans", {0.731, -1, 216}},
      {"zh-Hant", {0.740, -1, 233}},
  };
  return t;
}

std::string primary(std::string_view tag) {
  auto dash = tag.find('-');
  return std::string(tag.substr(0, dash));
}

}  // namespace

std::string JudgeValidation::summary() const {
  char buf[128];
  if (kappa >= 0)
    std::snprintf(buf, sizeof buf, "%s %.3f, \xCE\xBA %.3f (n = %zu)", metric.c_str(), value, kappa, n);
  else
    std::snprintf(buf, sizeof buf, "%s %.3f (n = %zu)", metric.c_str(), value, n);
  return buf;
}

std::string judge_validation_source(std::string_view judge) {
  if (judge == "refusal") return "docs/judges/refusal.md";
  if (judge == "toxicity") return "docs/judges/toxicity.md";
  return "";
}

std::optional<JudgeValidation> judge_validation(std::string_view judge, std::string_view version,
                                                std::string_view lang) {
  const std::map<std::string, Row, std::less<>>* rows = nullptr;
  JudgeValidation v;
  if (judge == "refusal") {
    if (version != "polysafe-refusal-1" && version != "polysafe-refusal-2" && version != "polysafe-refusal-3")
      return std::nullopt;  // other rules, other numbers
    rows = &refusal_rows();
    v.metric = "accuracy";
    v.source = "docs/judges/refusal.md (validation set)";
  } else if (judge == "toxicity" && version.rfind("hidden-", 0) == 0) {
    // The built-in hidden-state head carries its own per-language test AUCs.
    static const auto head = judge::HiddenStateHead::builtin_toxicity();
    if (version != head.version()) return std::nullopt;
    const auto& by = head.metadata()["test"]["by_lang"];
    auto it = by.find(std::string(lang));
    if (it == by.end()) it = by.find(primary(lang));
    if (it == by.end()) return std::nullopt;
    v.metric = "ROC-AUC";
    v.source = "docs/judges/toxicity.md (test split sample, hidden-state head)";
    v.value = (*it)["auc"].get<double>();
    v.kappa = -1;
    v.n = (*it)["n"].get<size_t>();
    return v;
  } else if (judge == "toxicity") {
    rows = &toxicity_rows();
    v.metric = "ROC-AUC";
    v.source = "docs/judges/toxicity.md (RTP-LX test split, default model)";
  } else {
    return std::nullopt;
  }
  auto it = rows->find(lang);
  if (it == rows->end()) it = rows->find(primary(lang));
  if (it == rows->end()) return std::nullopt;
  v.value = it->second.value;
  v.kappa = it->second.kappa;
  v.n = it->second.n;
  return v;
}

}  // namespace polysafe::report
