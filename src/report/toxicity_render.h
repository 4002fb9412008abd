// The toxicity report's three outputs, all read from one ToxicityReport (or
// ToxicityComparison) so they never disagree: a self-contained HTML page in
// the style of html_report (same frame, CSP, escaping of every continuation and
// prompt, which are untrusted), a model-card Markdown section (no model output:
// a model card is public), and JSON, schema "polysafe.toxicity-report/1".
// Rendering only: never reads a run store or runs a model.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "report/report_format.h"
#include "report/toxicity_report.h"

namespace polysafe::report {

std::string render_toxicity_html(const ToxicityReport& r);
std::string render_toxicity_markdown(const ToxicityReport& r);
nlohmann::json toxicity_report_json(const ToxicityReport& r);  // "kind": "run"

std::string render_toxicity_comparison_html(const ToxicityComparison& c);
std::string render_toxicity_comparison_markdown(const ToxicityComparison& c);
nlohmann::json toxicity_comparison_json(const ToxicityComparison& c);  // "kind": "comparison"

// Values that are not rates (perplexity, distinct-n): "12.3"; NaN: "n/a".
// signed_ adds '+' to positive values (changes).
std::string format_number(double v, int decimals, bool signed_ = false);
// "12.3 [10.1, 14.5]"; the bounds left out when undefined.
std::string format_number_ci(const Interval& iv, int decimals, bool signed_ = false);

// How each metric is printed in all three outputs (EMT and toxicity
// probability as rates, their changes in percentage points).
std::string format_emt_ci(const Interval& iv);         // format_rate_ci
std::string format_perplexity_ci(const Interval& iv);  // 1 decimal
std::string format_distinct(const Interval& iv);       // value, 2 decimals

}  // namespace polysafe::report
