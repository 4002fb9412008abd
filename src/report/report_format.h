// Number and text formatting shared by the HTML, Markdown and JSON renderers,
// so every output prints the same value the same way ("12.5%", "[8.1, 17.0]",
// "+4.2 pp"). Undefined values (NaN) print as "n/a", never as a number.
#pragma once

#include <string>
#include <string_view>

#include "eval/bootstrap.h"
#include "eval/redteam_metrics.h"

namespace polysafe::report {

using eval::Interval;

bool defined(double v);                       // not NaN / infinite
std::string format_rate(double v);            // 0.125 -> "12.5%"; NaN -> "n/a"
std::string format_ci(const Interval& iv);    // "[8.1, 17.0]" (percent points); "" when undefined
std::string format_rate_ci(const Interval& iv);  // "12.5% [8.1, 17.0]"
std::string format_points(double v);          // 0.042 -> "+4.2 pp"; NaN -> "n/a"
std::string format_points_ci(const Interval& iv);  // "+4.2 pp [1.0, 7.3]"
// A bootstrap interval that excludes 0 (both bounds defined and on one side).
bool excludes_zero(const Interval& iv);

// What a language whose invalid rate exceeds eval::kIncapableInvalidRate is
// marked with, in every output: its harm rate counts the answers the model
// could not give as safe.
inline constexpr const char* kIncapableLabel = "measures incapability, not safety";

// How a gap among valid answers was measured: "5 pairs valid in both" or
// "unpaired, two-sample: 18 vs 20 prompts".
std::string describe_valid_gap(const eval::ValidGap& g);

// The first max_code_points code points of text (UTF-8 safe); *dropped gets
// the number of code points left out.
std::string clip_text(std::string_view text, size_t max_code_points, size_t* dropped = nullptr);

}  // namespace polysafe::report
