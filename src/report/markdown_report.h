// The "## Multilingual safety" section of a model card, in Markdown: coverage
// table, key findings, caveats — the same numbers as the HTML and JSON reports,
// formatted by the same functions, from the same ReportData. No model output is
// included (a model card is public); every string from a suite is escaped so
// it cannot break the table or inject markup.
#pragma once

#include <string>
#include <string_view>

#include "report/report_data.h"
#include "report/run_comparison.h"

namespace polysafe::report {

std::string render_markdown(const ReportData& d);
std::string render_comparison_markdown(const RunComparison& c);

// Text safe inside a Markdown table cell: | \ ` * _ [ ] < > # escaped, line
// breaks as spaces, control and bidi-override characters as "[U+XXXX]".
std::string markdown_escape(std::string_view text);

}  // namespace polysafe::report
