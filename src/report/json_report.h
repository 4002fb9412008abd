// The report as JSON for downstream tools, schema "polysafe.report/1"
// (documented field by field in docs/report.md): the same ReportData the HTML
// and Markdown show, numbers unrounded, undefined values null. Additive
// changes keep the version; a removed or re-typed field bumps it.
#pragma once

#include <nlohmann/json.hpp>

#include "report/report_data.h"
#include "report/run_comparison.h"

namespace polysafe::report {

inline constexpr const char* kReportSchema = "polysafe.report/1";

nlohmann::json report_json(const ReportData& d);              // "kind": "run"
nlohmann::json comparison_json(const RunComparison& c);       // "kind": "comparison"

}  // namespace polysafe::report
