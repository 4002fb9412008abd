#include "report/markdown_report.h"

#include <cstdio>

#include "util/html_escape.h"
#include "report/report_format.h"
#include "util/utf8.h"

namespace polysafe::report {

std::string markdown_escape(std::string_view text) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const size_t start = i;
    const char32_t c = utf8::decode(text, i);
    if (c == '\n' || c == '\r' || c == '\t') {
      out += ' ';
    } else if (c < 0x20 || (c >= 0x7F && c <= 0x9F) || is_bidi_control(c)) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "[U+%04X]", unsigned(c));
      out += buf;
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else if (c == '&') {
      out += "&amp;";
    } else if (c < 0x80 && std::string_view("|\\`*_[]#").find(char(c)) != std::string_view::npos) {
      out += '\\';
      out += char(c);
    } else if (c == 0xFFFD) {
      utf8::append(out, c);
    } else {
      out.append(text.substr(start, i - start));
    }
  }
  return out;
}

namespace {

std::string md(const std::string& s) { return markdown_escape(s); }

std::string short_notes(const LanguageRow& r, size_t small_n) {
  std::string s;
  auto add = [&](const std::string& x) { s += (s.empty() ? "" : "; ") + x; };
  if (r.reference) add("reference");
  if (r.metrics.incapable) add(std::string("\xE2\x80\xA0 ") + kIncapableLabel);
  if (r.metrics.items < small_n) add("n < " + std::to_string(small_n));
  for (const auto& j : r.unvalidated_judges) add(j + " judge unvalidated");
  if (r.excluded) add(std::to_string(r.excluded) + " lost in translation");
  return s;
}

std::string bullets(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += "- " + md(x) + "\n";
  return s;
}

}  // namespace

std::string render_markdown(const ReportData& d) {
  std::string judges;
  for (size_t i = 0; i < d.judges.size(); ++i)
    judges += (i ? ", " : "") + d.judges[i].name + (d.judges[i].version.empty() ? "" : " (" + d.judges[i].version + ")");
  std::string s = "## Multilingual safety\n\n";
  s += "Red-teamed in " + std::to_string(d.languages.size()) + (d.languages.size() == 1 ? " language" : " languages") +
       " with polysafe " + md(d.polysafe_version) + ": model `" + md(d.model) + "`, suite `" + md(d.suite) + "`, " +
       std::to_string(d.metrics.overall.items) + " harmful prompts and " +
       std::to_string(d.metrics.overall.benign_items) + " benign controls, judged by " + md(judges.empty() ? "no judge" : judges) +
       " (ensemble " + md(d.ensemble) + "). Run `" + md(d.run_id) + "` of " + md(d.created_at) +
       ". Rates are shares of prompts with 95% bootstrap intervals (B = " + std::to_string(d.bootstrap_resamples) +
       ").\n\n";
  s += "| Language | Resource class | Items | Harm rate (95% CI) | Harm among valid answers (95% CI, n) | Refusal | "
       "Invalid | Over-refusal | Gap to " +
       md(d.reference_lang) + " among valid answers (95% CI) | Raw gap to " + md(d.reference_lang) +
       " (95% CI) | Notes |\n";
  s += "|---|---|--:|---|---|--:|--:|--:|---|---|---|\n";
  const std::string dash = "\xE2\x80\x94";
  for (const auto& r : d.languages) {
    const auto& m = r.metrics;
    std::string gap = dash, raw = dash;
    if (m.valid_gap)
      gap = format_points_ci(m.valid_gap->difference) + (excludes_zero(m.valid_gap->difference) ? " \\*" : "") + " (" +
            describe_valid_gap(*m.valid_gap) + ")";
    if (m.has_gap)
      raw = format_points_ci(m.gap_to_reference) + (excludes_zero(m.gap_to_reference) ? " \\*" : "") + " (" +
            std::to_string(m.paired_items) + " pairs)";
    s += "| " + md(r.name) + " (" + md(r.lang) + ") | " + md(r.resource.label()) + " | " + std::to_string(m.items) +
         " | " + format_rate_ci(m.harm) + " | " + format_rate_ci(m.harm_valid) + " (n = " +
         std::to_string(m.valid_items) + ") | " + format_rate(m.refusal.value) + " | " + format_rate(m.invalid.value) +
         (m.incapable ? " \xE2\x80\xA0" : "") + " | " + format_rate(m.over_refusal.value) + " | " + gap + " | " + raw +
         " | " + md(short_notes(r, d.options.small_n)) + " |\n";
  }
  s += "\n\\* the 95% interval excludes 0. \xE2\x80\xA0 more than " + format_rate(d.metrics.incapable_invalid_rate) +
       " of the answers are invalid (gibberish, echoes, the wrong language): the row " + kIncapableLabel +
       ", and its raw harm rate and raw gap count those answers as safe. Harm among valid answers leaves invalid "
       "answers out; its gap pairs parallel prompts valid in both languages. Resource classes: Joshi et al. (2020), "
       "0 (The Left-Behinds) to 5 (The Winners).\n\n";
  s += "### Key findings\n\n" + bullets(d.findings) + "\n";
  s += "### Caveats\n\n" + bullets(d.caveats);
  if (!d.not_covered.empty()) {
    s += "- Not covered:\n";
    for (const auto& n : d.not_covered) s += "  - " + md(n) + "\n";
  }
  return s;
}

std::string render_comparison_markdown(const RunComparison& c) {
  std::string s = "## Multilingual safety: change from run `" + md(c.a.run_id) + "` to `" + md(c.b.run_id) + "`\n\n";
  s += "A: `" + md(c.a.model) + "` on `" + md(c.a.suite) + "`; B: `" + md(c.b.model) + "` on `" + md(c.b.suite) +
       "`. Deltas are B minus A in percentage points with 95% bootstrap intervals (B = " +
       std::to_string(c.bootstrap.resamples) + "); \\* marks a change whose interval excludes 0.\n\n";
  s += "| Language | Harm A | Harm B | \xCE\x94 harm | Refusal A | Refusal B | \xCE\x94 refusal | \xCE\x94 over-refusal | "
       "Method |\n|---|--:|--:|---|--:|--:|---|---|---|\n";
  auto delta = [](const MetricDelta& m) { return format_points_ci(m.delta) + (m.significant ? " \\*" : ""); };
  std::vector<const LanguageDelta*> rows;
  for (const auto& l : c.languages) rows.push_back(&l);
  rows.push_back(&c.overall);
  for (const auto* l : rows)
    s += "| " + md(l->name) + " (" + md(l->lang) + ") | " + format_rate(l->harm.a.value) + " | " +
         format_rate(l->harm.b.value) + " | " + delta(l->harm) + " | " + format_rate(l->refusal.a.value) + " | " +
         format_rate(l->refusal.b.value) + " | " + delta(l->refusal) + " | " + delta(l->over_refusal) + " | " +
         md(l->harm.method == "none" ? l->refusal.method : l->harm.method) + " |\n";
  s += "\n### Key findings\n\n" + bullets(c.findings);
  return s;
}

}  // namespace polysafe::report
