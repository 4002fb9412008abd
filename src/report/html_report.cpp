#include "report/html_report.h"

#include <cmath>

#include "util/html_escape.h"
#include "report/report_format.h"
#include "report/svg_chart.h"

namespace polysafe::report {

namespace {

// Longest prompt / answer an example shows; the full text is in `polysafe runs export`.
constexpr size_t kMaxShownChars = 2000;

const char* kCss = R"CSS(
:root{--fg:#1d2329;--muted:#5b6570;--line:#d8dde3;--soft:#f5f7f9;--harm:#b3261e;--warn:#8a4b00;--ok:#1e6b3a;--ref:#2c6fad}
*{box-sizing:border-box}
body{margin:0;color:var(--fg);background:#fff;font:15px/1.5 system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Sans Arabic","Noto Sans Hebrew","Noto Sans Devanagari","Noto Sans Thai","Noto Sans CJK SC","DejaVu Sans",sans-serif}
main{max-width:1200px;margin:0 auto;padding:12px 20px 40px}
header.top{border-bottom:3px solid var(--fg);padding:14px 0 8px;margin-bottom:8px}
h1{font-size:1.5em;margin:0 0 4px}h2{font-size:1.25em;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:1.05em;margin:18px 0 6px}h4{font-size:.85em;margin:8px 0 2px;color:var(--muted);text-transform:uppercase;letter-spacing:.03em}
.sub{color:var(--muted);margin:0}
header.top,.sub,h1,h2,h3,li,dd{overflow-wrap:anywhere}td{overflow-wrap:break-word}
nav.toc{display:flex;flex-wrap:wrap;gap:6px 14px;font-size:.9em;margin:8px 0}
nav.toc a,.langnav a{color:var(--ref);text-decoration:none}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:8px;margin:10px 0}
.card{border:1px solid var(--line);border-radius:6px;padding:8px 10px;background:var(--soft)}
.card .k{font-size:.8em;color:var(--muted)}.card .v{font-size:1.15em;font-weight:600;overflow-wrap:anywhere}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:6px 0}
dl.kv dt{color:var(--muted)}dl.kv dd{margin:0;overflow-wrap:anywhere}
.tablewrap{overflow-x:auto;-webkit-overflow-scrolling:touch;border:1px solid var(--line);border-radius:6px}
table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{background:var(--soft);position:sticky;top:0;white-space:nowrap}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.num small,.ci{color:var(--muted);font-size:.85em}
tr.ref td{background:#eef5fc}
tr.incapable td{background:#fbf3e6}td.incapable{color:var(--warn);font-weight:700}
.incap{display:block;font-weight:400;white-space:normal;min-width:7em;max-width:9em;margin-left:auto}
td.gap small{white-space:normal}td.gap{min-width:9em;max-width:13em}
.sig{font-weight:700;color:var(--harm)}.sig.down{color:var(--ok)}
ul.warn{margin:0;padding-left:1.1em;color:var(--warn);font-size:.88em;min-width:14em}
code{font-size:.9em;background:var(--soft);padding:0 3px;border-radius:3px;overflow-wrap:anywhere}
figure{margin:12px 0 18px;break-inside:avoid}figcaption{font-size:.9em;color:var(--muted);margin-bottom:4px}
svg.chart{width:100%;height:auto;display:block}
svg .label{font-size:12px;fill:#222}svg .tick,svg .value{font-size:11px;fill:#444}
svg .grid{stroke:#e6e6e6}svg .axis{stroke:#888}
svg .bar{fill:var(--harm)}svg .bar.flagged{fill:#e3a19b}
svg .bar.up{fill:#ecb3ad}svg .bar.down{fill:#b4d0ec}svg .bar.up.sig{fill:var(--harm)}svg .bar.down.sig{fill:var(--ref)}
svg .whisker{stroke:#222;stroke-width:1.2}svg .whisker.a{stroke:var(--ref)}svg .whisker.b{stroke:#c25400}
svg .cell.empty{fill:#f1f1f1}svg .celltext{font-size:10px;fill:#222}svg .celltext.dark{fill:#fff}
svg .dot-a{fill:var(--ref)}svg .dot-b{fill:#c25400}svg .link{stroke:#bbb;stroke-width:2}
.langnav{display:flex;flex-wrap:wrap;gap:4px 10px;font-size:.9em}
article.ex{border:1px solid var(--line);border-radius:6px;padding:8px 12px;margin:10px 0;break-inside:avoid}
.meta{font-size:.85em;color:var(--muted)}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:14px}
.pair.single{grid-template-columns:1fr}
.txt{white-space:pre-wrap;overflow-wrap:anywhere;background:var(--soft);border:1px solid #e7eaee;border-radius:4px;padding:6px 8px;margin:2px 0 6px;max-height:24em;overflow-y:auto}
.clip{color:var(--muted);font-size:.8em}
ul.judg{margin:2px 0;padding-left:1.1em;font-size:.88em}
.badge{display:inline-block;padding:0 7px;border-radius:10px;font-size:.8em;font-weight:600;background:#ddd;color:#222}
.badge.harmful{background:var(--harm);color:#fff}.badge.over-refusal{background:#c25400;color:#fff}
.badge.invalid{background:#6b5b95;color:#fff}.badge.refused{background:var(--ok);color:#fff}
ul.findings li{margin:3px 0}
footer{margin-top:30px;font-size:.8em;color:var(--muted);border-top:1px solid var(--line);padding-top:8px}
@media (max-width:720px){main{padding:8px 10px 30px}body{font-size:14px}.pair{grid-template-columns:1fr}dl.kv{grid-template-columns:1fr}dl.kv dt{margin-top:4px}h1{font-size:1.25em}}
@media print{nav.toc,.langnav{display:none}body{font-size:10pt}main{max-width:none;padding:0}.tablewrap{overflow:visible;border:0}
thead th{position:static}.txt{max-height:none;overflow:visible}h2{break-after:avoid}tr,figure,article.ex{break-inside:avoid}a{color:inherit;text-decoration:none}}
)CSS";

std::string esc(const std::string& s) { return html_escape(s); }

// Untrusted text as an isolated block: its own direction, its own language.
std::string text_block(const std::string& text, const std::string& lang) {
  size_t dropped = 0;
  std::string shown = clip_text(text, kMaxShownChars, &dropped);
  std::string s = "<div class=\"txt\" dir=\"auto\"";
  if (!lang.empty()) s += " lang=\"" + esc(lang) + "\"";
  s += ">" + esc(shown) + "</div>";
  if (dropped)
    s += "<div class=\"clip\">\xE2\x80\xA6 " + std::to_string(dropped) +
         " more characters (full text: polysafe runs export)</div>";
  return s;
}

std::string bdi(const std::string& s) { return "<bdi>" + esc(s) + "</bdi>"; }

std::string head(const std::string& title) {
  return std::string("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n") +
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         // Defence in depth: even if some text escaped its escaping, the page may
         // run no script and fetch nothing.
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
         "img-src data:; base-uri 'none'; form-action 'none'\">\n"
         "<meta name=\"referrer\" content=\"no-referrer\">\n"
         "<meta name=\"generator\" content=\"polysafe " POLYSAFE_VERSION "\">\n<title>" +
         esc(title) + "</title>\n<style>" + kCss + "</style>\n</head>\n<body>\n<main>\n";
}

std::string foot(const std::string& what) {
  return "<footer>" + esc(what) +
         " Generated by polysafe " POLYSAFE_VERSION
         ". This file is self-contained: no script, no external resource, no network request.</footer>\n</main>\n</body>\n</html>\n";
}

std::string card(const std::string& k, const std::string& v) {
  return "<div class=\"card\"><div class=\"k\">" + esc(k) + "</div><div class=\"v\">" + esc(v) + "</div></div>";
}

std::string rate_cell(const eval::Interval& iv, size_t n = 0, bool show_n = false) {
  std::string s = "<td class=\"num\">" + esc(format_rate(iv.value));
  const std::string ci = format_ci(iv);
  if (!ci.empty() && defined(iv.value)) s += "<br><small>" + esc(ci) + "</small>";
  if (show_n) s += "<br><small>n = " + std::to_string(n) + "</small>";
  return s + "</td>";
}

std::string judges_line(const ReportData& d) {
  std::string s;
  for (size_t i = 0; i < d.judges.size(); ++i)
    s += (i ? ", " : "") + d.judges[i].name + (d.judges[i].version.empty() ? "" : " (" + d.judges[i].version + ")");
  return s.empty() ? "none" : s;
}

std::string lang_title(const LanguageRow& r) { return r.name + " (" + r.lang + ")"; }

std::string cfg_str(const nlohmann::json& c, const char* key) {
  if (!c.is_object() || !c.contains(key)) return "";
  const auto& v = c[key];
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

std::string summary_section(const ReportData& d) {
  std::string s = "<section id=\"summary\"><h2>Summary</h2>\n<div class=\"cards\">";
  s += card("Model", d.model) + card("Languages", std::to_string(d.languages.size())) +
       card("Harmful prompts", std::to_string(d.metrics.overall.items)) +
       card("Harm rate", format_rate_ci(d.metrics.overall.harm)) +
       card("Harm among valid answers", format_rate_ci(d.metrics.overall.harm_valid)) +
       card("Refusal rate", format_rate(d.metrics.overall.refusal.value)) +
       card("Over-refusal", d.metrics.overall.benign_items ? format_rate(d.metrics.overall.over_refusal.value) : "n/a");
  s += "</div>\n<dl class=\"kv\">";
  auto kv = [&](const std::string& k, const std::string& v) { s += "<dt>" + esc(k) + "</dt><dd>" + bdi(v) + "</dd>"; };
  kv("Run", d.run_id + " (" + d.status + ")");
  kv("Created / updated", d.created_at + " / " + d.updated_at);
  kv("Model", d.model);
  kv("Suite", d.suite);
  kv("Items", std::to_string(d.items) + " (" + std::to_string(d.metrics.overall.items) + " harmful prompts, " +
                  std::to_string(d.metrics.overall.benign_items) + " benign controls, " + std::to_string(d.excluded) +
                  " excluded), " + std::to_string(d.answered) + " answered, " + std::to_string(d.request_errors) +
                  " request errors");
  kv("Judges", judges_line(d) + "; ensemble " + d.ensemble);
  kv("Generation", "samples " + std::to_string(d.samples_per_prompt) + ", temperature " +
                       cfg_str(d.config, "temperature") + ", top_p " + cfg_str(d.config, "top_p") + ", max tokens " +
                       cfg_str(d.config, "max_tokens") + ", seed " + std::to_string(d.seed));
  kv("Statistics", "95% percentile bootstrap over prompts, B = " + std::to_string(d.bootstrap_resamples) +
                       "; reference language " + d.reference_lang);
  if (d.timings.is_object() && d.timings.contains("generate_s") && d.timings["generate_s"].is_number()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1f s generating", d.timings["generate_s"].get<double>());
    kv("Timings", buf);
  }
  kv("Versions", "polysafe " + d.polysafe_version + ", run store schema " + std::to_string(eval::kRunStoreSchemaVersion));
  s += "</dl>\n<p class=\"sub\">To reproduce: save the config below as <code>run.json</code> and run "
       "<code>polysafe eval redteam --config run.json</code>; the same config gives the same run id.</p>\n";
  s += "<details><summary>Run config (JSON)</summary><pre class=\"txt\" dir=\"ltr\">" + esc(d.config.dump(2, ' ', false, nlohmann::json::error_handler_t::replace)) +
       "</pre></details>\n";
  // Judges and what is known of them per language.
  s += "<h3>Judges</h3><div class=\"tablewrap\"><table><thead><tr><th>Judge</th><th>Version</th><th>Judgments</th>"
       "<th>Validated in (held-out agreement)</th></tr></thead><tbody>";
  for (const auto& j : d.judges) {
    std::string v;
    for (const auto& [lang, val] : j.validation) v += (v.empty() ? "" : "; ") + lang + ": " + val.summary();
    if (v.empty()) v = "not validated in any language of this run";
    else if (!j.validation_source.empty()) v += " \xE2\x80\x94 " + j.validation_source;
    s += "<tr><td>" + bdi(j.name) + "</td><td>" + bdi(j.version) + "</td><td class=\"num\">" +
         std::to_string(j.judgments) + "</td><td>" + esc(v) + "</td></tr>";
  }
  s += "</tbody></table></div></section>\n";
  return s;
}

std::string findings_section(const std::vector<std::string>& findings) {
  std::string s = "<section id=\"findings\"><h2>Key findings</h2><ul class=\"findings\">";
  for (const auto& f : findings) s += "<li>" + esc(f) + "</li>";
  return s + "</ul></section>\n";
}

// A gap cell: the value with its interval and n; coloured (red worse, green
// better) only when the interval excludes 0 — and never green for a language
// whose answers are mostly invalid, where "lower" means "could not answer".
std::string gap_cell(const eval::Interval& gap, const std::string& n_text, bool incapable, const std::string& raw) {
  const bool sig = excludes_zero(gap);
  std::string cls;
  if (sig && gap.value > 0) cls = "sig";
  else if (sig && !incapable) cls = "sig down";
  std::string s = "<td class=\"num gap\"><span class=\"" + cls + "\">" + esc(format_points(gap.value)) + (sig ? " *" : "") +
                  "</span>";
  const std::string ci = format_ci(gap);
  s += "<br><small>" + esc(ci.empty() ? n_text : ci + ", " + n_text) + "</small>";
  if (!raw.empty()) s += "<br><small class=\"raw\">" + esc(raw) + "</small>";
  return s + "</td>";
}

std::string coverage_section(const ReportData& d) {
  const std::string ref = d.reference_lang;
  const std::string threshold = format_rate(d.metrics.incapable_invalid_rate);
  std::string s = "<section id=\"coverage\"><h2>Coverage</h2>\n<p class=\"sub\">One row per language. Rates are "
                  "shares of prompts, with 95% bootstrap intervals below; harm among valid answers leaves invalid "
                  "answers (gibberish, echoes, the wrong language) out, and n is the prompts left; over-refusal is "
                  "the refusal rate on benign control prompts; the gap is this language's harm rate among valid "
                  "answers minus " +
                  esc(ref) + "'s on the same (parallel) prompts valid in both, with the raw gap below.</p>\n";
  s += "<div class=\"tablewrap\"><table id=\"coverage-table\"><thead><tr><th>Language</th><th>Script</th>"
       "<th>Resource class</th><th>Items</th><th>Harm rate</th><th>Harm among valid answers</th><th>Refusal</th>"
       "<th>Invalid</th><th>Over-refusal</th><th>Gap to " +
       esc(ref) + " (valid answers)</th><th>Notes</th></tr></thead><tbody>\n";
  for (const auto& r : d.languages) {
    const auto& m = r.metrics;
    s += "<tr class=\"lang-row" + std::string(r.reference ? " ref" : "") + (m.incapable ? " incapable" : "") +
         "\" id=\"cov-" + html_id(r.lang) + "\" data-lang=\"" + esc(r.lang) + "\"><td>" + bdi(r.name) + " <code>" +
         esc(r.lang) + "</code>" + (r.reference ? " <small>(reference)</small>" : "") + "</td><td><code>" +
         esc(r.script.empty() ? r.prompt_script : r.script) + "</code>" +
         (r.script_mismatch
              ? "<br><small>prompts: " + esc(r.prompt_script) + "</small>"
              : std::string()) +
         "</td><td>" +
         esc(r.resource.label()) + "</td><td class=\"num\">" + std::to_string(m.items) + "<br><small>+" +
         std::to_string(m.benign_items) + " benign</small></td>";
    s += rate_cell(m.harm) + rate_cell(m.harm_valid, m.valid_items, true) + rate_cell(m.refusal);
    if (m.incapable) {
      s += "<td class=\"num incapable\">" + esc(format_rate(m.invalid.value)) + "<br><small>" + esc(format_ci(m.invalid)) +
           "</small><small class=\"incap\">&gt; " + esc(threshold) + ": " + esc(kIncapableLabel) + "</small></td>";
    } else {
      s += rate_cell(m.invalid);
    }
    s += rate_cell(m.over_refusal);
    const std::string raw =
        m.has_gap ? "raw " + format_points_ci(m.gap_to_reference) + ", " + std::to_string(m.paired_items) + " pairs" : "";
    if (m.valid_gap)
      s += gap_cell(m.valid_gap->difference, describe_valid_gap(*m.valid_gap), m.incapable, raw);
    else
      s += "<td class=\"num\">" + std::string(r.reference ? "\xE2\x80\x94" : "n/a") + "</td>";
    s += "<td>";
    if (!r.warnings.empty()) {
      s += "<ul class=\"warn\">";
      for (const auto& w : r.warnings) s += "<li>" + esc(w) + "</li>";
      s += "</ul>";
    }
    s += "</td></tr>\n";
  }
  s += "</tbody></table></div>\n<p class=\"sub\">* the 95% interval excludes 0 (red: more harmful than " + esc(ref) +
       ", green: less harmful; a language with more than " + esc(threshold) + " invalid answers is never shown as less "
       "harmful: its rates " + esc(kIncapableLabel) + "). Resource classes after Joshi et "
       "al. (2020), 0 (The Left-Behinds) to 5 (The Winners).</p></section>\n";
  return s;
}

std::string charts_section(const ReportData& d) {
  std::string s = "<section id=\"charts\"><h2>Charts</h2>\n";
  // The dagger leads the label so that clipping a long name never drops it.
  auto chart_label = [](const LanguageRow& r) { return (r.metrics.incapable ? "\xE2\x80\xA0 " : "") + lang_title(r); };
  bool any_incapable = false;
  for (const auto& r : d.languages) any_incapable = any_incapable || r.metrics.incapable;
  const std::string dagger =
      any_incapable ? "; \xE2\x80\xA0: more than " + format_rate(d.metrics.incapable_invalid_rate) + " invalid answers, " +
                          kIncapableLabel
                    : "";
  std::vector<IntervalBar> harm, harm_valid;
  for (const auto& r : d.languages) {
    harm.push_back({chart_label(r), r.metrics.harm, r.metrics.items < d.options.small_n});
    harm_valid.push_back({chart_label(r), r.metrics.harm_valid, r.metrics.valid_items < d.options.small_n});
  }
  s += "<figure><figcaption>Harm rate per language with 95% intervals, highest first (pale bars: fewer than " +
       std::to_string(d.options.small_n) + " prompts" + esc(dagger) + ")</figcaption>" +
       svg_interval_bars("Harm rate per language", harm) + "</figure>\n";
  s += "<figure><figcaption>Harm rate among valid answers (invalid answers left out) per language with 95% "
       "intervals, highest first (pale bars: fewer than " +
       std::to_string(d.options.small_n) + " prompts with a valid answer" + esc(dagger) + ")</figcaption>" +
       svg_interval_bars("Harm rate among valid answers per language", harm_valid) + "</figure>\n";
  if (!d.categories.empty()) {
    std::vector<std::string> rows, cols = d.categories;
    std::vector<std::vector<std::optional<HeatCell>>> cells;
    for (const auto& r : d.languages) {
      rows.push_back(lang_title(r));
      std::vector<std::optional<HeatCell>> line;
      for (const auto& c : cols) {
        const auto* g = d.cell(r.lang, c);
        if (g && g->items > 0) line.push_back(HeatCell{g->harm.value, g->items});
        else line.push_back(std::nullopt);
      }
      cells.push_back(std::move(line));
    }
    s += "<figure><figcaption>Harm rate (%) by language and harm category; \xE2\x80\x93: no harmful prompts in that "
         "cell</figcaption>" +
         svg_heatmap("Harm rate by language and category", rows, cols, cells) + "</figure>\n";
  }
  bool scoped = false;
  std::vector<DotPair> dots;
  for (const auto& r : d.languages) {
    DotPair p{lang_title(r), std::nullopt, std::nullopt};
    if (r.global) p.a = r.global->harm;
    if (r.local) p.b = r.local->harm;
    scoped = scoped || r.local.has_value();
    dots.push_back(p);
  }
  if (scoped)
    s += "<figure><figcaption>Global vs local (culture-specific) prompts: harm rate per language</figcaption>" +
         svg_paired_dots("Global vs local harm rate", dots, "global", "local") + "</figure>\n";
  // Solid only where the interval excludes 0 and the language answered
  // validly often enough for a lower rate to mean anything.
  std::vector<IntervalBar> gaps;
  for (const auto& r : d.languages)
    if (r.metrics.valid_gap)
      gaps.push_back({chart_label(r), r.metrics.valid_gap->difference,
                      excludes_zero(r.metrics.valid_gap->difference) &&
                          (!r.metrics.incapable || r.metrics.valid_gap->difference.value > 0)});
  if (!gaps.empty())
    s += "<figure><figcaption>Gap to " + esc(d.reference_lang) +
         " among valid answers: harm rate minus the reference's on the same prompts, both answers valid, percentage "
         "points (solid, *: the 95% interval excludes 0" +
         esc(dagger.empty() ? "" : dagger + ", never drawn solid below 0") + ")</figcaption>" +
         svg_diverging_bars("Harm-rate gap to " + d.reference_lang + " among valid answers", gaps) + "</figure>\n";
  return s + "</section>\n";
}

std::string answer_html(const AnswerView& a, const std::string& heading) {
  std::string s = "<div><h4>" + esc(heading) + "</h4>" + text_block(a.prompt, a.lang) + "<h4>Answer" +
                  (a.sample ? " (sample " + std::to_string(a.sample) + ")" : std::string()) + "</h4>" +
                  (a.answer.empty() ? std::string("<div class=\"clip\">(no stored answer)</div>")
                                    : text_block(a.answer, a.lang));
  s += "<ul class=\"judg\">";
  for (const auto& j : a.judgments) {
    s += "<li><b>" + bdi(j.judge) + "</b>: " + bdi(j.label);
    if (j.score) {
      char buf[32];
      std::snprintf(buf, sizeof buf, " (%.2f)", *j.score);
      s += buf;
    }
    if (j.harmful) s += *j.harmful ? " \xE2\x80\x94 harm vote" : "";
    if (!j.category.empty()) s += ", category " + bdi(j.category);
    for (const auto& e : j.evidence) s += "<br><span class=\"meta\">evidence:</span> <bdi>" + esc(clip_text(e, 300)) + "</bdi>";
    s += "</li>";
  }
  return s + "</ul></div>";
}

std::string examples_section(const ReportData& d) {
  std::string s = "<section id=\"examples\"><h2>Examples</h2>\n<p class=\"sub\">For each language, up to " +
                  std::to_string(d.options.examples_per_lang) +
                  " worst items: harmful answers first, then refused benign controls, then invalid answers. Model "
                  "output is shown as inert text, exactly as stored (bidi controls shown as [U+...]).</p>\n";
  s += "<div class=\"langnav\">";
  for (const auto& r : d.languages) s += "<a href=\"#ex-" + html_id(r.lang) + "\">" + esc(r.lang) + "</a>";
  s += "</div>\n";
  size_t k = 0;
  for (const auto& r : d.languages) {
    s += "<section id=\"ex-" + html_id(r.lang) + "\"><h3>" + bdi(r.name) + " <code>" + esc(r.lang) + "</code></h3>";
    size_t shown = 0;
    while (k < d.examples.size() && d.examples[k].answer.lang == r.lang) {
      const auto& e = d.examples[k++];
      ++shown;
      std::string cats;
      for (size_t i = 0; i < e.answer.categories.size(); ++i) cats += (i ? ", " : "") + e.answer.categories[i];
      s += "<article class=\"ex\"><div class=\"meta\"><span class=\"badge " + html_id(e.answer.verdict) + "\">" +
           esc(e.answer.verdict) + "</span> <code>" + esc(e.answer.item_id) + "</code>" +
           (cats.empty() ? "" : " \xC2\xB7 " + bdi(cats)) +
           (e.answer.scope.empty() ? "" : " \xC2\xB7 " + bdi(e.answer.scope)) +
           (e.answer.benign ? " \xC2\xB7 benign control" : "") + "</div>";
      s += std::string("<div class=\"pair") + (e.reference ? "" : " single") + "\">" +
           answer_html(e.answer, "Prompt (" + e.answer.lang + ")");
      if (e.reference)
        s += answer_html(*e.reference, "Reference version (" + e.reference->lang + "), verdict " + e.reference->verdict);
      s += "</div></article>\n";
    }
    if (shown == 0) s += "<p class=\"sub\">No harmful, over-refused or invalid answers.</p>";
    s += "</section>\n";
  }
  return s + "</section>\n";
}

std::string method_section(const ReportData& d) {
  std::string s = "<section id=\"method\"><h2>Method and caveats</h2><ul>";
  for (const auto& c : d.caveats) s += "<li>" + esc(c) + "</li>";
  s += "<li>Resource classes follow Joshi et al. (2020), &ldquo;The State and Fate of Linguistic Diversity and "
       "Inclusion in the NLP World&rdquo; (ACL 2020): 0 The Left-Behinds, 1 The Scraping-Bys, 2 The Hopefuls, 3 The "
       "Rising Stars, 4 The Underdogs, 5 The Winners; languages outside polysafe's table are "
       "&ldquo;unclassified&rdquo;.</li></ul>\n";
  s += "<h3>Translation provenance</h3>";
  if (d.lost.empty()) {
    s += "<p>No items lost in translation.</p>";
  } else {
    s += "<p>" + std::to_string(d.lost.size()) + " items lost in translation (excluded from every rate): ";
    bool first = true;
    for (const auto& [lang, n] : d.lost_by_lang) {
      s += (first ? "" : ", ") + esc(lang) + " " + std::to_string(n);
      first = false;
    }
    s += ".</p><div class=\"tablewrap\"><table><thead><tr><th>Item</th><th>Reason</th></tr></thead><tbody>";
    for (size_t i = 0; i < d.lost.size() && i < 100; ++i)
      s += "<tr><td><code>" + esc(d.lost[i].first) + "</code></td><td>" + bdi(d.lost[i].second) + "</td></tr>";
    s += "</tbody></table></div>";
    if (d.lost.size() > 100) s += "<p class=\"sub\">(first 100 shown)</p>";
  }
  s += "<h3>Not covered</h3>";
  if (d.not_covered.empty()) {
    s += "<p>Every language has items in every category of the run.</p>";
  } else {
    s += "<ul>";
    for (const auto& n : d.not_covered) s += "<li>" + esc(n) + "</li>";
    s += "</ul>";
  }
  return s + "</section>\n";
}

}  // namespace

std::string html_page_start(const std::string& title) { return head(title); }
std::string html_page_end(const std::string& what) { return foot(what); }
std::string html_text_block(const std::string& text, const std::string& lang) { return text_block(text, lang); }

std::string render_html(const ReportData& d) {
  std::string s = head("polysafe report \xE2\x80\x94 " + d.model + " \xE2\x80\x94 " + d.run_id);
  s.reserve(64 * 1024 + d.examples.size() * 2048);
  s += "<header class=\"top\"><h1>Multilingual safety report</h1><p class=\"sub\">" + bdi(d.model) + " on " +
       bdi(d.suite) + " \xC2\xB7 run <code>" + esc(d.run_id) + "</code> \xC2\xB7 " + esc(d.created_at) + "</p>" +
       "<nav class=\"toc\"><a href=\"#summary\">Summary</a><a href=\"#findings\">Key findings</a>"
       "<a href=\"#coverage\">Coverage</a><a href=\"#charts\">Charts</a><a href=\"#examples\">Examples</a>"
       "<a href=\"#method\">Method and caveats</a></nav></header>\n";
  s += summary_section(d);
  s += findings_section(d.findings);
  s += coverage_section(d);
  s += charts_section(d);
  s += examples_section(d);
  s += method_section(d);
  s += foot("Report schema polysafe.report/1.");
  return s;
}

std::string render_comparison_html(const RunComparison& c) {
  std::string s = head("polysafe comparison \xE2\x80\x94 " + c.a.run_id + " vs " + c.b.run_id);
  s += "<header class=\"top\"><h1>Run comparison</h1><p class=\"sub\">B minus A, per language, with 95% bootstrap "
       "intervals (B = " +
       std::to_string(c.bootstrap.resamples) +
       ").</p><nav class=\"toc\"><a href=\"#runs\">Runs</a><a href=\"#findings\">Key findings</a><a "
       "href=\"#deltas\">Deltas</a><a href=\"#charts\">Charts</a></nav></header>\n";
  s += "<section id=\"runs\"><h2>Runs</h2><div class=\"tablewrap\"><table><thead><tr><th></th><th>Run</th><th>Model</th>"
       "<th>Suite</th><th>Created</th><th>Judges</th><th>Harmful prompts</th><th>Harm rate</th></tr></thead><tbody>";
  for (const auto* p : {&c.a, &c.b}) {
    s += "<tr><td><b>" + std::string(p == &c.a ? "A" : "B") + "</b></td><td><code>" + esc(p->run_id) + "</code></td><td>" +
         bdi(p->model) + "</td><td>" + bdi(p->suite) + "</td><td>" + esc(p->created_at) + "</td><td>" +
         esc(judges_line(*p)) + "</td><td class=\"num\">" + std::to_string(p->metrics.overall.items) + "</td>" +
         rate_cell(p->metrics.overall.harm) + "</tr>";
  }
  s += "</tbody></table></div></section>\n";
  s += findings_section(c.findings);
  s += "<section id=\"deltas\"><h2>Per-language deltas</h2><p class=\"sub\">Paired: the same prompts in both runs "
       "(difference resampled by prompt). Independent: the runs share too few prompts, so each run is resampled "
       "on its own. * the 95% interval of the change excludes 0.</p>";
  s += "<div class=\"tablewrap\"><table id=\"delta-table\"><thead><tr><th>Language</th><th>Harm A</th><th>Harm B</th>"
       "<th>\xCE\x94 harm</th><th>Refusal A</th><th>Refusal B</th><th>\xCE\x94 refusal</th><th>Over-refusal A</th>"
       "<th>Over-refusal B</th><th>\xCE\x94 over-refusal</th><th>Method</th></tr></thead><tbody>";
  auto delta_cell = [](const MetricDelta& m, bool higher_is_worse) {
    const bool worse = m.significant && ((m.delta.value > 0) == higher_is_worse);
    std::string cls = m.significant ? (worse ? "sig" : "sig down") : "";
    return "<td class=\"num\"><span class=\"" + cls + "\">" + esc(format_points(m.delta.value)) +
           (m.significant ? " *" : "") + "</span><br><small>" + esc(format_ci(m.delta)) + "</small></td>";
  };
  for (const LanguageDelta* l : [&] {
         std::vector<const LanguageDelta*> v;
         for (const auto& x : c.languages) v.push_back(&x);
         v.push_back(&c.overall);
         return v;
       }()) {
    s += "<tr class=\"lang-row\" data-lang=\"" + esc(l->lang) + "\"><td>" + bdi(l->name) + " <code>" + esc(l->lang) +
         "</code></td>" + rate_cell(l->harm.a, l->harm.n_a, true) + rate_cell(l->harm.b, l->harm.n_b, true) +
         delta_cell(l->harm, true) + rate_cell(l->refusal.a) + rate_cell(l->refusal.b) + delta_cell(l->refusal, false) +
         rate_cell(l->over_refusal.a) + rate_cell(l->over_refusal.b) + delta_cell(l->over_refusal, true) + "<td>" +
         esc(l->harm.method == "none" ? l->refusal.method : l->harm.method) + "</td></tr>\n";
  }
  s += "</tbody></table></div></section>\n<section id=\"charts\"><h2>Charts</h2>";
  struct Metric {
    const char* title;
    MetricDelta LanguageDelta::*m;
  };
  for (const Metric& m : {Metric{"Change in harm rate (B \xE2\x88\x92 A)", &LanguageDelta::harm},
                          Metric{"Change in refusal rate (B \xE2\x88\x92 A)", &LanguageDelta::refusal},
                          Metric{"Change in over-refusal on benign controls (B \xE2\x88\x92 A)", &LanguageDelta::over_refusal}}) {
    std::vector<IntervalBar> bars;
    bool any = false;
    for (const auto& l : c.languages) {
      const MetricDelta& d = l.*(m.m);
      any = any || defined(d.delta.value);
      bars.push_back({l.name + " (" + l.lang + ")", d.delta, d.significant});
    }
    if (any)
      s += "<figure><figcaption>" + esc(m.title) + ", percentage points (solid, *: significant)</figcaption>" +
           svg_diverging_bars(m.title, bars) + "</figure>\n";
  }
  s += "</section>\n";
  s += foot("Comparison schema polysafe.report/1 (kind comparison).");
  return s;
}

}  // namespace polysafe::report
