// The HTML report: one self-contained file (inline CSS and SVG, no script, no
// external reference of any kind, a Content-Security-Policy that forbids both)
// that reads well on a phone, a wide screen and paper. Every string that came
// from a model, a prompt, a judge or a suite file is escaped (html_escape) and
// isolated (dir="auto" / <bdi>), so answers render as inert text. Rendering
// only: it reads a ReportData or RunComparison, never a run store or a model.
#pragma once

#include <string>

#include "report/report_data.h"
#include "report/run_comparison.h"

namespace polysafe::report {

std::string render_html(const ReportData& d);
std::string render_comparison_html(const RunComparison& c);

// The frame every polysafe HTML page shares (head with the style sheet and the
// Content-Security-Policy, footer), and a block of untrusted text (escaped,
// clipped, its own direction and language), for the other report kinds.
std::string html_page_start(const std::string& title);
std::string html_page_end(const std::string& what);
std::string html_text_block(const std::string& text, const std::string& lang);

}  // namespace polysafe::report
