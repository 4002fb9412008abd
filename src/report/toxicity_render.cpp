#include "report/toxicity_render.h"

#include <cmath>
#include <cstdio>

#include "eval/redteam_metrics.h"
#include "eval/toxicity_run.h"
#include "lang/language_id.h"
#include "util/html_escape.h"
#include "report/html_report.h"
#include "report/markdown_report.h"
#include "report/svg_chart.h"

namespace polysafe::report {

std::string format_number(double v, int decimals, bool signed_) {
  if (!defined(v)) return "n/a";
  char buf[48];
  std::snprintf(buf, sizeof buf, signed_ ? "%+.*f" : "%.*f", decimals, v + 0.0);
  return buf;
}

std::string format_number_ci(const Interval& iv, int decimals, bool signed_) {
  std::string s = format_number(iv.value, decimals, signed_);
  if (!defined(iv.value) || !defined(iv.lo) || !defined(iv.hi)) return s;
  return s + " [" + format_number(iv.lo, decimals) + ", " + format_number(iv.hi, decimals) + "]";
}

std::string format_emt_ci(const Interval& iv) { return format_rate_ci(iv); }
std::string format_perplexity_ci(const Interval& iv) { return format_number_ci(iv, 1); }
std::string format_distinct(const Interval& iv) { return format_number(iv.value, 2); }

namespace {

using nlohmann::json;

// Rows of a per-language table: each language, then "all".
std::vector<const eval::ToxicityGroupMetrics*> rows_of(const eval::ToxicityMetrics& m) {
  std::vector<const eval::ToxicityGroupMetrics*> v;
  for (const auto& g : m.by_lang) v.push_back(&g);
  v.push_back(&m.all);
  return v;
}

std::string lang_name(const std::string& group) {
  return group == "all" ? "All languages" : lang::language_display_name(group);
}

std::string lang_title(const std::string& group) {
  return group == "all" ? "All languages" : lang_name(group) + " (" + group + ")";
}

std::string esc(const std::string& s) { return html_escape(s); }
std::string bdi(const std::string& s) { return "<bdi>" + esc(s) + "</bdi>"; }

std::string card(const std::string& k, const std::string& v) {
  return "<div class=\"card\"><div class=\"k\">" + esc(k) + "</div><div class=\"v\">" + esc(v) + "</div></div>";
}

// A value with its interval below it, as html_report's cells show rates.
std::string cell(const std::string& value, const std::string& ci) {
  std::string s = "<td class=\"num\">" + esc(value);
  if (!ci.empty()) s += "<br><small>" + esc(ci) + "</small>";
  return s + "</td>";
}

std::string num_ci(const Interval& iv, int decimals) {
  if (!defined(iv.value) || !defined(iv.lo) || !defined(iv.hi)) return "";
  return "[" + format_number(iv.lo, decimals) + ", " + format_number(iv.hi, decimals) + "]";
}

std::string emt_cell(const Interval& iv) { return cell(format_rate(iv.value), defined(iv.value) ? format_ci(iv) : ""); }
std::string ppl_cell(const Interval& iv) { return cell(format_number(iv.value, 1), num_ci(iv, 1)); }
std::string distinct_cell(const Interval& iv) { return cell(format_distinct(iv), num_ci(iv, 2)); }

// A change: higher toxicity is worse (red), lower better (green); * when the
// paired interval excludes 0. A perplexity change is only starred and bold:
// neither direction is good by itself (lower can mean blander, repetitive text).
std::string delta_cell(const Interval& d, bool points, bool colour) {
  const bool sig = excludes_zero(d);
  const std::string v = points ? format_points(d.value) : format_number(d.value, 1, true);
  const std::string ci = points ? format_ci(d) : num_ci(d, 1);
  std::string shown = esc(v);
  if (sig) {
    const std::string cls = !colour ? "" : d.value > 0 ? " class=\"sig\"" : " class=\"sig down\"";
    shown = "<span" + cls + " data-significant=\"1\"><b>" + shown + " *</b></span>";
  }
  return "<td class=\"num\">" + shown + (ci.empty() ? "" : "<br><small>" + esc(ci) + "</small>") + "</td>";
}

std::string generation_line(const ToxicityReport& r) {
  return std::to_string(r.samples) + " samples \xC3\x97 " + std::to_string(r.max_tokens) + " max tokens, temperature " +
         format_number(r.temperature, 2) + ", top-p " + format_number(r.top_p, 2) + ", seed " + std::to_string(r.seed);
}

std::string selection_line(const ToxicityReport& r) {
  std::string langs;
  for (size_t i = 0; i < r.langs.size(); ++i) langs += (i ? ", " : "") + r.langs[i];
  return (langs.empty() ? std::string("all languages") : "languages " + langs) + ", " +
         (r.limit ? std::to_string(r.limit) + " prompts per language" : std::string("all prompts"));
}

std::string decoding_html(const DecodingView& d) {
  std::string s = "<p>" + bdi(d.summary()) + "</p>";
  if (d.method != "goodtriever") return s;
  s += "<div class=\"tablewrap\"><table class=\"stores\"><thead><tr><th>Store</th><th>Directory</th><th>Entries</th>"
       "<th>Index</th><th>Sources (entries)</th></tr></thead><tbody>";
  for (const auto& st : d.stores) {
    std::string src;
    for (const auto& [tag, n] : st.sources) src += (src.empty() ? "" : ", ") + tag + " (" + std::to_string(n) + ")";
    s += "<tr><td>" + esc(st.role) + "</td><td><code>" + esc(st.dir) + "</code></td><td class=\"num\">" +
         std::to_string(st.entries) + "</td><td>" + esc(st.index) +
         (st.nprobe ? ", nprobe " + std::to_string(st.nprobe) : "") +
         "</td><td>" + bdi(src) + "</td></tr>";
  }
  if (d.stores.size() == 1)
    s += "<tr><td>nontoxic</td><td colspan=\"4\">none: the model's own distribution plays the non-toxic "
         "expert</td></tr>";
  return s + "</tbody></table></div>";
}

std::string run_summary_html(const ToxicityReport& r) {
  std::string s = "<dl class=\"kv\">";
  auto kv = [&](const std::string& k, const std::string& v) { s += "<dt>" + esc(k) + "</dt><dd>" + bdi(v) + "</dd>"; };
  kv("Run", r.run_id + " (" + r.status + ")");
  kv("Created / updated", r.created_at + " / " + r.updated_at);
  kv("Model", r.model);
  kv("Prompts", r.prompts);
  kv("Selection", selection_line(r));
  kv("Decoding", r.decoding.summary());
  kv("Generation", generation_line(r));
  kv("Scorer", r.scorer + " (toxic: score \xE2\x89\xA5 " + format_number(r.metrics.threshold, 2) + ")");
  kv("Fluency model", r.fluency_model.empty() ? "none (no perplexity)" : r.fluency_model);
  kv("Answers", std::to_string(r.items) + " prompts, " + std::to_string(r.answered) + " answered, " +
                    std::to_string(r.request_errors) + " request errors");
  kv("Statistics", "95% percentile bootstrap over prompts, B = " + std::to_string(r.bootstrap_resamples));
  if (r.timings.is_object() && r.timings.contains("generate_s") && r.timings["generate_s"].is_number())
    kv("Timings", format_number(r.timings["generate_s"].get<double>(), 1) + " s generating");
  return s + "</dl>";
}

std::string warnings_html(const std::vector<std::string>& w) {
  if (w.empty()) return "";
  std::string s = "<ul class=\"warn\">";
  for (const auto& x : w) s += "<li>" + esc(x) + "</li>";
  return s + "</ul>";
}

std::string metrics_table_html(const eval::ToxicityMetrics& m) {
  std::string s =
      "<div class=\"tablewrap\"><table id=\"toxicity-table\"><thead><tr><th>Language</th><th>Prompts</th>"
      "<th>Continuations</th><th>EMT</th><th>Toxicity probability</th><th>Perplexity</th><th>Distinct-1</th>"
      "<th>Distinct-2</th><th>Distinct-3</th></tr></thead><tbody>\n";
  for (const auto* g : rows_of(m)) {
    const bool all = g == &m.all;
    s += "<tr class=\"" + std::string(all ? "all-row ref" : "lang-row") + "\" id=\"tox-" + html_id(g->group) +
         "\" data-lang=\"" + esc(g->group) + "\"><td>" + bdi(lang_name(g->group)) +
         (all ? std::string() : " <code>" + esc(g->group) + "</code>") + "</td><td class=\"num\">" +
         std::to_string(g->prompts) + (g->scored_prompts != g->prompts
                                           ? "<br><small>" + std::to_string(g->scored_prompts) + " scored</small>"
                                           : std::string()) +
         "</td><td class=\"num\">" + std::to_string(g->continuations) + "</td>" + emt_cell(g->emt) +
         emt_cell(g->toxicity_probability) + ppl_cell(g->perplexity) + distinct_cell(g->distinct1) +
         distinct_cell(g->distinct2) + distinct_cell(g->distinct3) + "</tr>\n";
  }
  return s + "</tbody></table></div>\n";
}

const char* kMethodNote =
    "EMT (expected maximum toxicity): the mean over prompts of the highest toxicity score among its continuations, "
    "shown on a 0-100% scale. Toxicity probability: the share of prompts with at least one continuation scored at or "
    "above the threshold. Both after Gehman et al. (2020), RealToxicityPrompts, \xC2\xA7" "2.2. Perplexity: per "
    "prompt, "
    "the mean of exp(NLL / tokens) of its continuations given the prompt under the fluency model; the mean over "
    "prompts. Distinct-n (Li et al. 2016): per prompt, distinct n-grams over all n-grams of its continuations (words, "
    "or characters in scripts written without spaces); the mean over prompts. Intervals: 95% percentile bootstrap, "
    "resampling prompts.";

std::string examples_html(const ToxicityReport& r) {
  std::string s = "<section id=\"examples\"><h2>Most toxic continuations</h2>\n<p class=\"sub\">For each language, up "
                  "to " +
                  std::to_string(r.examples_per_lang) +
                  " prompts whose most toxic continuation scored highest, with that continuation. Model output is "
                  "shown as inert text, exactly as stored (bidi controls shown as [U+...]).</p>\n"
                  "<div class=\"langnav\">";
  for (const auto& g : r.metrics.by_lang) s += "<a href=\"#ex-" + html_id(g.group) + "\">" + esc(g.group) + "</a>";
  s += "</div>\n";
  size_t k = 0;
  for (const auto& g : r.metrics.by_lang) {
    s += "<section id=\"ex-" + html_id(g.group) + "\"><h3>" + bdi(lang_name(g.group)) + " <code>" + esc(g.group) +
         "</code></h3>";
    size_t shown = 0;
    while (k < r.examples.size() && r.examples[k].lang == g.group) {
      const auto& e = r.examples[k++];
      ++shown;
      s += "<article class=\"ex tox-ex\" data-lang=\"" + esc(e.lang) + "\"><div class=\"meta\"><span class=\"badge" +
           std::string(e.toxicity >= r.metrics.threshold ? " harmful" : "") + "\">toxicity " +
           format_number(e.toxicity, 3) + "</span> <code>" + esc(e.item_id) + "</code> \xC2\xB7 sample " +
           std::to_string(e.sample) +
           (defined(e.perplexity) ? " \xC2\xB7 perplexity " + format_number(e.perplexity, 1) : std::string()) +
           "</div><div class=\"pair\"><div><h4>Prompt</h4>" + html_text_block(e.prompt, e.lang) +
           "</div><div><h4>Continuation</h4>" +
           (e.continuation.empty() ? std::string("<div class=\"clip\">(empty continuation)</div>")
                                   : html_text_block(e.continuation, e.lang)) +
           "</div></div></article>\n";
    }
    if (!shown) s += "<p class=\"sub\">No scored continuation.</p>";
    s += "</section>\n";
  }
  return s + "</section>\n";
}

json opt_num(double v) { return defined(v) ? json(v) : json(nullptr); }

json decoding_json(const DecodingView& d) {
  json stores = json::array();
  for (const auto& st : d.stores) {
    json src = json::array();
    for (const auto& [tag, n] : st.sources) src.push_back({{"tag", tag}, {"entries", n}});
    stores.push_back({{"role", st.role},
                      {"dir", st.dir},
                      {"entries", st.entries},
                      {"index", st.index},
                      {"nprobe", st.nprobe},
                      {"sources", src}});
  }
  json j = {{"method", d.method}, {"summary", d.summary()}, {"raw", d.raw}};
  if (d.method == "goodtriever") {
    j["k"] = d.k;
    j["lambda"] = opt_num(d.lambda);
    j["temperature"] = opt_num(d.temperature);
    j["top_p"] = opt_num(d.top_p);
    j["stores"] = stores;
  }
  return j;
}

// The run, its decoding and its metrics: what both the run and the comparison JSON hold per run.
json run_json(const ToxicityReport& r) {
  json metrics = eval::to_json(r.metrics);
  for (auto& g : metrics["by_lang"]) g["name"] = lang_name(g["group"].get<std::string>());
  return {{"run_id", r.run_id},
          {"status", r.status},
          {"created_at", r.created_at},
          {"updated_at", r.updated_at},
          {"model", r.model},
          {"prompts", r.prompts},
          {"langs", r.langs},
          {"limit", r.limit},
          {"samples", r.samples},
          {"max_tokens", r.max_tokens},
          {"temperature", opt_num(r.temperature)},
          {"top_p", opt_num(r.top_p)},
          {"seed", r.seed},
          {"scorer", r.scorer},
          {"fluency_model", r.fluency_model.empty() ? json(nullptr) : json(r.fluency_model)},
          {"items", r.items},
          {"answered", r.answered},
          {"request_errors", r.request_errors},
          {"bootstrap", {{"resamples", r.bootstrap_resamples}, {"seed", r.seed}, {"level", 0.95}}},
          {"decoding", decoding_json(r.decoding)},
          {"config", r.config},
          {"timings", r.timings},
          {"metrics", metrics},
          {"warnings", r.warnings}};
}

json generated_by() { return {{"tool", "polysafe"}, {"version", POLYSAFE_VERSION}}; }

std::string md(const std::string& s) { return markdown_escape(s); }

std::string md_metrics_table(const eval::ToxicityMetrics& m) {
  std::string s =
      "| Language | Prompts | Continuations | EMT (95% CI) | Toxicity probability (95% CI) | Perplexity (95% CI) | "
      "Distinct-1 | Distinct-2 | Distinct-3 |\n|---|--:|--:|---|---|---|--:|--:|--:|\n";
  for (const auto* g : rows_of(m))
    s += "| " + md(lang_title(g->group)) + " | " + std::to_string(g->prompts) + " | " +
         std::to_string(g->continuations) + " | " + format_emt_ci(g->emt) + " | " +
         format_rate_ci(g->toxicity_probability) + " | " + format_perplexity_ci(g->perplexity) + " | " +
         format_distinct(g->distinct1) + " | " + format_distinct(g->distinct2) + " | " + format_distinct(g->distinct3) +
         " |\n";
  return s;
}

std::string md_bullets(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += "- " + md(x) + "\n";
  return s;
}

std::string md_run_line(const ToxicityReport& r) {
  return "model `" + md(r.model) + "`, prompts `" + md(r.prompts) + "` (" + md(selection_line(r)) + "), decoding " +
         md(r.decoding.summary()) + ", " + md(generation_line(r)) + ", scorer `" + md(r.scorer) + "`, fluency model " +
         (r.fluency_model.empty() ? std::string("none") : "`" + md(r.fluency_model) + "`");
}

}  // namespace

std::string render_toxicity_html(const ToxicityReport& r) {
  std::string s = html_page_start("polysafe toxicity report \xE2\x80\x94 " + r.model + " \xE2\x80\x94 " + r.run_id);
  s.reserve(32 * 1024 + r.examples.size() * 2048);
  s += "<header class=\"top\"><h1>Toxicity report</h1><p class=\"sub\">" + bdi(r.model) + " continuing " +
       bdi(r.prompts) + " \xC2\xB7 run <code>" + esc(r.run_id) + "</code> \xC2\xB7 " + esc(r.created_at) +
       "</p><nav class=\"toc\"><a href=\"#summary\">Summary</a><a href=\"#languages\">Languages</a>"
       "<a href=\"#charts\">Chart</a><a href=\"#examples\">Most toxic continuations</a>"
       "<a href=\"#method\">Method</a></nav></header>\n";
  const auto& a = r.metrics.all;
  s += "<section id=\"summary\"><h2>Summary</h2>\n<div class=\"cards\">" + card("Model", r.model) +
       card("Languages", std::to_string(r.metrics.by_lang.size())) + card("Prompts", std::to_string(a.prompts)) +
       card("EMT", format_emt_ci(a.emt)) + card("Toxicity probability", format_rate_ci(a.toxicity_probability)) +
       card("Perplexity", format_number(a.perplexity.value, 1)) + "</div>\n" + run_summary_html(r);
  if (r.decoding.method == "goodtriever") s += "<h3>Decoding</h3>" + decoding_html(r.decoding);
  s += "<details><summary>Run config (JSON)</summary><pre class=\"txt\" dir=\"ltr\">" +
       esc(r.config.dump(2, ' ', false, json::error_handler_t::replace)) + "</pre></details>\n";
  if (!r.warnings.empty()) s += "<h3>Warnings</h3>" + warnings_html(r.warnings);
  s += "</section>\n";
  s += "<section id=\"languages\"><h2>Per language</h2>\n<p class=\"sub\">EMT and toxicity probability in %, with "
       "95% bootstrap intervals below each value; perplexity under the fluency model; distinct-n of the "
       "continuations.</p>\n" +
       metrics_table_html(r.metrics) + "</section>\n";
  std::vector<IntervalBar> bars;
  for (const auto& g : r.metrics.by_lang) bars.push_back({lang_title(g.group), g.emt, false});
  s += "<section id=\"charts\"><h2>Chart</h2><figure><figcaption>EMT per language with 95% intervals, highest "
       "first</figcaption>" +
       svg_interval_bars("EMT per language", bars) + "</figure></section>\n";
  s += examples_html(r);
  s += "<section id=\"method\"><h2>Method</h2><p>" + esc(kMethodNote) + "</p></section>\n";
  s += html_page_end(std::string("Report schema ") + kToxicityReportSchema + ".");
  return s;
}

std::string render_toxicity_markdown(const ToxicityReport& r) {
  std::string s = "## Toxicity\n\n";
  s += "Continuations measured with polysafe " POLYSAFE_VERSION ": " + md_run_line(r) + ". Run `" + md(r.run_id) +
       "` of " + md(r.created_at) + ". EMT and toxicity probability (toxic: score \xE2\x89\xA5 " +
       format_number(r.metrics.threshold, 2) + ") with 95% bootstrap intervals over prompts (B = " +
       std::to_string(r.bootstrap_resamples) + ").\n\n";
  s += md_metrics_table(r.metrics);
  s += "\n" + md(kMethodNote) + "\n";
  if (!r.warnings.empty()) s += "\n### Caveats\n\n" + md_bullets(r.warnings);
  return s;
}

json toxicity_report_json(const ToxicityReport& r) {
  json j;
  j["schema"] = kToxicityReportSchema;
  j["kind"] = "run";
  j["generated_by"] = generated_by();
  j["run"] = run_json(r);
  j["metrics"] = j["run"]["metrics"];
  j["run"].erase("metrics");
  json ex = json::array();
  for (const auto& e : r.examples)
    ex.push_back({{"item_id", e.item_id},
                  {"lang", e.lang},
                  {"sample", e.sample},
                  {"prompt", e.prompt},
                  {"continuation", e.continuation},
                  {"toxicity", opt_num(e.toxicity)},
                  {"perplexity", opt_num(e.perplexity)}});
  j["examples"] = ex;
  j["warnings"] = r.warnings;
  return j;
}

std::string render_toxicity_comparison_html(const ToxicityComparison& c) {
  const auto& b = c.before;
  const auto& a = c.after;
  std::string s = html_page_start("polysafe toxicity comparison \xE2\x80\x94 " + b.run_id + " vs " + a.run_id);
  s += "<header class=\"top\"><h1>Toxicity before and after</h1><p class=\"sub\">After minus before, per language, "
       "on the prompts both runs hold, with paired 95% bootstrap intervals (B = " +
       std::to_string(c.options.bootstrap.resamples) +
       ").</p><nav class=\"toc\"><a href=\"#runs\">Runs</a><a href=\"#deltas\">Per language</a>"
       "<a href=\"#charts\">Charts</a><a href=\"#method\">Method</a></nav></header>\n";
  s += "<section id=\"runs\"><h2>Runs</h2><div class=\"tablewrap\"><table><thead><tr><th></th><th>Run</th>"
       "<th>Model</th><th>Prompts</th><th>Decoding</th><th>Generation</th><th>Scorer</th><th>EMT</th>"
       "<th>Toxicity probability</th></tr></thead><tbody>";
  for (const auto* r : {&b, &a})
    s += "<tr><td><b>" + std::string(r == &b ? "before" : "after") + "</b></td><td><code>" + esc(r->run_id) +
         "</code><br><small>" + esc(r->status) + "</small></td><td>" + bdi(r->model) + "</td><td>" + bdi(r->prompts) +
         "</td><td>" + bdi(r->decoding.summary()) + "</td><td>" + esc(generation_line(*r)) + "</td><td>" +
         bdi(r->scorer) + "</td>" + emt_cell(r->metrics.all.emt) + emt_cell(r->metrics.all.toxicity_probability) +
         "</tr>";
  s += "</tbody></table></div>";
  for (const auto* r : {&b, &a})
    if (r->decoding.method == "goodtriever")
      s += "<h3>Decoding of the " + std::string(r == &b ? "before" : "after") + " run</h3>" +
           decoding_html(r->decoding);
  if (!c.warnings.empty()) s += "<h3>Warnings</h3>" + warnings_html(c.warnings);
  s += "</section>\n";

  s += "<section id=\"deltas\"><h2>Per language</h2><p class=\"sub\">Before, after, and the paired change (after "
       "minus before; EMT and toxicity probability in percentage points) on the prompts both runs hold. * the 95% "
       "interval of the change excludes 0; red: more toxic, green: less.</p>";
  s += "<div class=\"tablewrap\"><table id=\"toxicity-delta-table\"><thead><tr><th>Language</th><th>Paired "
       "prompts</th><th>EMT before</th><th>EMT after</th><th>\xCE\x94 EMT</th><th>Tox. prob. before</th>"
       "<th>Tox. prob. after</th><th>\xCE\x94 tox. prob.</th><th>Perplexity before</th><th>Perplexity after</th>"
       "<th>\xCE\x94 perplexity</th><th>Distinct-1/2/3 before</th><th>Distinct-1/2/3 after</th></tr></thead><tbody>\n";
  auto distinct = [](const eval::ToxicityGroupMetrics* g) {
    if (!g) return std::string("<td class=\"num\">n/a</td>");
    return "<td class=\"num\">" + esc(format_distinct(g->distinct1) + " / " + format_distinct(g->distinct2) + " / " +
                                      format_distinct(g->distinct3)) +
           "</td>";
  };
  const Interval none{NAN, NAN, NAN};
  auto field = [&](const eval::ToxicityGroupMetrics* g, Interval eval::ToxicityGroupMetrics::*m) {
    return g ? g->*m : none;
  };
  // Languages in the deltas' order ("all" last, as in the run tables).
  std::vector<const eval::ToxicityDelta*> order;
  for (const auto& d : c.deltas)
    if (d.group != "all") order.push_back(&d);
  if (const auto* all = c.delta("all")) order.push_back(all);
  for (const auto* d : order) {
    const auto* gb = b.group(d->group);
    const auto* ga = a.group(d->group);
    const bool all = d->group == "all";
    s += "<tr class=\"" + std::string(all ? "all-row ref" : "lang-row") + "\" data-lang=\"" + esc(d->group) +
         "\"><td>" + bdi(lang_name(d->group)) + (all ? std::string() : " <code>" + esc(d->group) + "</code>") +
         "</td><td class=\"num\">" + std::to_string(d->paired_prompts) +
         (d->unpaired ? "<br><small>" + std::to_string(d->unpaired) + " unpaired</small>" : std::string()) + "</td>" +
         emt_cell(field(gb, &eval::ToxicityGroupMetrics::emt)) + emt_cell(field(ga, &eval::ToxicityGroupMetrics::emt)) +
         delta_cell(d->emt, true, true) + emt_cell(field(gb, &eval::ToxicityGroupMetrics::toxicity_probability)) +
         emt_cell(field(ga, &eval::ToxicityGroupMetrics::toxicity_probability)) +
         delta_cell(d->toxicity_probability, true, true) +
         ppl_cell(field(gb, &eval::ToxicityGroupMetrics::perplexity)) +
         ppl_cell(field(ga, &eval::ToxicityGroupMetrics::perplexity)) + delta_cell(d->perplexity, false, false) +
         distinct(gb) + distinct(ga) + "</tr>\n";
  }
  s += "</tbody></table></div></section>\n";

  s += "<section id=\"charts\"><h2>Charts</h2>";
  std::vector<DotPair> dots;
  std::vector<IntervalBar> emt_bars, tp_bars;
  for (const auto* d : order) {
    if (d->group == "all") continue;
    DotPair p{lang_title(d->group), std::nullopt, std::nullopt};
    if (const auto* g = b.group(d->group)) p.a = g->emt;
    if (const auto* g = a.group(d->group)) p.b = g->emt;
    dots.push_back(p);
    emt_bars.push_back({lang_title(d->group), d->emt, excludes_zero(d->emt)});
    tp_bars.push_back({lang_title(d->group), d->toxicity_probability, excludes_zero(d->toxicity_probability)});
  }
  s += "<figure><figcaption>EMT per language, before (circle) and after (square), with 95% intervals</figcaption>" +
       svg_paired_dots("EMT before and after", dots, "before", "after") + "</figure>\n";
  s += "<figure><figcaption>Change in EMT (after \xE2\x88\x92 before), percentage points (solid, *: the paired "
       "interval excludes 0)</figcaption>" +
       svg_diverging_bars("Change in EMT", emt_bars) + "</figure>\n";
  s += "<figure><figcaption>Change in toxicity probability (after \xE2\x88\x92 before), percentage points (solid, *: "
       "the paired interval excludes 0)</figcaption>" +
       svg_diverging_bars("Change in toxicity probability", tp_bars) + "</figure>\n</section>\n";
  s += "<section id=\"method\"><h2>Method</h2><p>" + esc(kMethodNote) +
       " Changes are paired: prompts matched by id, the difference resampled by prompt; prompts in one run only are "
       "left out of the change.</p></section>\n";
  s += html_page_end(std::string("Comparison schema ") + kToxicityReportSchema + " (kind comparison).");
  return s;
}

std::string render_toxicity_comparison_markdown(const ToxicityComparison& c) {
  const auto& b = c.before;
  const auto& a = c.after;
  std::string s = "## Toxicity: change from run `" + md(b.run_id) + "` to `" + md(a.run_id) + "`\n\n";
  s += "Before: " + md_run_line(b) + ". After: " + md_run_line(a) +
       ". Changes are after minus before on the prompts both runs hold (EMT and toxicity probability in percentage "
       "points) with paired 95% bootstrap intervals (B = " +
       std::to_string(c.options.bootstrap.resamples) + "); \\* marks a change whose interval excludes 0.\n\n";
  s += "### Before\n\n" + md_metrics_table(b.metrics) + "\n### After\n\n" + md_metrics_table(a.metrics) + "\n";
  s += "### Change\n\n| Language | Paired prompts | \xCE\x94 EMT (95% CI) | \xCE\x94 toxicity probability (95% CI) | "
       "\xCE\x94 perplexity (95% CI) |\n|---|--:|---|---|---|\n";
  auto star = [](const Interval& iv) { return excludes_zero(iv) ? std::string(" \\*") : std::string(); };
  std::vector<const eval::ToxicityDelta*> order;
  for (const auto& d : c.deltas)
    if (d.group != "all") order.push_back(&d);
  if (const auto* all = c.delta("all")) order.push_back(all);
  for (const auto* d : order)
    s += "| " + md(lang_title(d->group)) + " | " + std::to_string(d->paired_prompts) + " | " +
         format_points_ci(d->emt) + star(d->emt) + " | " + format_points_ci(d->toxicity_probability) +
         star(d->toxicity_probability) + " | " + format_number_ci(d->perplexity, 1, true) + star(d->perplexity) +
         " |\n";
  if (!c.warnings.empty()) s += "\n### Caveats\n\n" + md_bullets(c.warnings);
  return s;
}

json toxicity_comparison_json(const ToxicityComparison& c) {
  json j;
  j["schema"] = kToxicityReportSchema;
  j["kind"] = "comparison";
  j["generated_by"] = generated_by();
  j["before"] = run_json(c.before);
  j["after"] = run_json(c.after);
  j["threshold"] = c.options.threshold;
  j["bootstrap"] = {{"resamples", c.options.bootstrap.resamples},
                    {"seed", c.options.bootstrap.seed},
                    {"level", c.options.bootstrap.level}};
  json deltas = eval::to_json(c.deltas);
  for (size_t i = 0; i < c.deltas.size(); ++i)
    deltas[i]["significant"] = {{"emt", excludes_zero(c.deltas[i].emt)},
                                {"toxicity_probability", excludes_zero(c.deltas[i].toxicity_probability)},
                                {"perplexity", excludes_zero(c.deltas[i].perplexity)}};
  j["deltas"] = deltas;
  j["warnings"] = c.warnings;
  return j;
}

}  // namespace polysafe::report
