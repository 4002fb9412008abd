// Where reports go and how they get there: the default paths inside a run
// directory, and writing each output atomically (a temporary file renamed into
// place, so a reader never sees half a report). The one entry point the
// evaluation commands need: write_run_report(run_dir, run_id), for a
// red-teaming or a toxicity run alike.
#pragma once

#include <string>
#include <vector>

#include "report/report_data.h"
#include "report/run_comparison.h"
#include "report/toxicity_report.h"

namespace polysafe::report {

struct ReportTargets {
  std::string html, markdown, json;  // empty: not written
};

// DIR/<run_id>/report.html
std::string default_html_path(const std::string& run_dir, const std::string& run_id);
// DIR/<run_a>/compare-<run_b>.html
std::string default_comparison_path(const std::string& run_dir, const std::string& run_a, const std::string& run_b);

// Creates parent directories; ReportError naming the path when it cannot.
void write_text_file(const std::string& path, const std::string& content);

// Writes each non-empty target; returns the paths written, in html, md, json order.
std::vector<std::string> write_report(const ReportData& d, const ReportTargets& t);
std::vector<std::string> write_comparison(const RunComparison& c, const ReportTargets& t);
std::vector<std::string> write_report(const ToxicityReport& r, const ReportTargets& t);
std::vector<std::string> write_comparison(const ToxicityComparison& c, const ReportTargets& t);

// The HTML report of a stored run (red-teaming or toxicity, by its kind) at its
// default path; returns the path.
std::string write_run_report(const std::string& run_dir, const std::string& run_id, const ReportOptions& opts = {});

}  // namespace polysafe::report
