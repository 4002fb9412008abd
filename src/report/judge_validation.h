// What is known about a judge's agreement with human labels, per language: the
// held-out numbers the judges' own documentation reports (docs/judges/*.md),
// so a report can say where a verdict was validated and warn where it was not.
// A table, not a measurement: it never runs a judge, and a judge or version it
// does not know is "unvalidated" everywhere.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace polysafe::report {

struct JudgeValidation {
  std::string metric;   // "accuracy" / "ROC-AUC"
  double value = 0;     // on the held-out set of that language
  double kappa = -1;    // Cohen's kappa where reported, else -1
  size_t n = 0;         // held-out examples in that language
  std::string source;   // "docs/judges/refusal.md (validation set)"
  std::string summary() const;  // "accuracy 0.902, κ 0.853 (n = 51)"
};

// judge as stored in judgments.judge ("refusal", "toxicity", "llm:..."), its
// stored version, and a BCP-47 tag. Empty when the judge was not validated in
// that language (or at all, or the version is not the validated one).
std::optional<JudgeValidation> judge_validation(std::string_view judge, std::string_view version,
                                                std::string_view lang);

// Where a judge's validation is documented, or "" when it has none.
std::string judge_validation_source(std::string_view judge);

}  // namespace polysafe::report
