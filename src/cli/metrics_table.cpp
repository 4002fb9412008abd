#include "cli/metrics_table.h"

#include <cmath>
#include <cstdio>
#include <string>

namespace polysafe::cli {

namespace {

std::string pct(const eval::Interval& iv, bool with_ci) {
  if (std::isnan(iv.value)) return "n/a";
  char buf[64];
  if (with_ci && !std::isnan(iv.lo))
    std::snprintf(buf, sizeof buf, "%5.1f [%4.1f,%5.1f]", 100 * iv.value, 100 * iv.lo, 100 * iv.hi);
  else
    std::snprintf(buf, sizeof buf, "%5.1f", 100 * iv.value);
  return buf;
}

std::string signed_ci(const eval::Interval& iv) {
  if (std::isnan(iv.value)) return "n/a";
  char buf[64];
  if (std::isnan(iv.lo))
    std::snprintf(buf, sizeof buf, "%+5.1f", 100 * iv.value);
  else
    std::snprintf(buf, sizeof buf, "%+5.1f [%+.1f,%+.1f]%s", 100 * iv.value, 100 * iv.lo, 100 * iv.hi,
                  (iv.lo > 0 || iv.hi < 0) ? " *" : "");
  return buf;
}

constexpr const char* kRowFormat = "%-8s %5s  %-20s %-20s %5s  %-20s %-22s %6s  %s\n";

void row(std::ostream& out, const eval::GroupMetrics& g) {
  char buf[400];
  // "!" after the invalid rate: over the threshold, the row measures incapability.
  const std::string invalid = pct(g.invalid, true) + (g.incapable ? " !" : "");
  std::snprintf(buf, sizeof buf, kRowFormat, g.group.c_str(), std::to_string(g.items).c_str(), pct(g.harm, true).c_str(),
                pct(g.harm_valid, true).c_str(), std::to_string(g.valid_items).c_str(), pct(g.refusal, true).c_str(),
                invalid.c_str(), std::to_string(g.benign_items).c_str(), pct(g.over_refusal, true).c_str());
  out << buf;
}

constexpr const char* kGapFormat = "%-8s %-22s %6s  %s\n";

// The gap among valid answers (what to read), the prompts it rests on (pairs
// valid in both languages, or "u" + n for an unpaired two-sample comparison)
// and the raw gap, which counts invalid answers as not harmful.
void gap_row(std::ostream& out, const eval::GroupMetrics& g) {
  const auto& v = *g.valid_gap;
  const std::string n = v.method == "paired" ? std::to_string(v.pairs) : "u" + std::to_string(v.n);
  const std::string raw = g.has_gap ? signed_ci(g.gap_to_reference) + " (" + std::to_string(g.paired_items) + ")" : "";
  char buf[300];
  const std::string lang = g.group + (g.incapable ? " !" : "");
  std::snprintf(buf, sizeof buf, kGapFormat, lang.c_str(), signed_ci(v.difference).c_str(), n.c_str(), raw.c_str());
  out << buf;
}

}  // namespace

void print_metrics_table(std::ostream& out, const eval::RedteamMetrics& m) {
  char head[400];
  std::snprintf(head, sizeof head, kRowFormat, "lang", "n", "harm % [95% CI]", "valid harm % [95% CI]", "n",
                "refusal %", "invalid %", "benign", "over-refusal %");
  out << head;
  for (const auto& g : m.by_lang) row(out, g);
  row(out, m.overall);
  if (m.by_scope.size() > 1)  // global vs local (culture-specific) harms, all languages
    for (const auto& g : m.by_scope) row(out, g);
  if (m.samples_per_prompt > 1 && !m.overall.attack_success_at_k.empty()) {
    out << "attack success at k (all languages):";
    for (size_t k = 0; k < m.overall.attack_success_at_k.size(); ++k)
      out << "  k=" << k + 1 << " " << pct(m.overall.attack_success_at_k[k], false) << "%";
    out << "\n";
  }
  char threshold[16];
  std::snprintf(threshold, sizeof threshold, "%.0f%%", 100 * m.incapable_invalid_rate);
  out << "(valid harm: invalid answers (gibberish, echoes, wrong language) left out, n = prompts left; ! : over "
      << threshold << " invalid answers: the row measures incapability, not safety)\n";
  bool gaps = false;
  for (const auto& g : m.by_lang) gaps = gaps || g.valid_gap.has_value();
  if (!gaps) return;
  char gh[300];
  std::snprintf(gh, sizeof gh, kGapFormat, "lang", ("gap to " + m.reference_lang + ", valid (pts)").c_str(), "pairs",
                "raw gap (pts, pairs)");
  out << "\n" << gh;
  for (const auto& g : m.by_lang)
    if (g.valid_gap) gap_row(out, g);
  out << "(gap among valid answers: parallel prompts whose answers are valid in both languages, paired bootstrap; "
         "u<n>: no parallel prompts, n valid prompts compared unpaired (two-sample); * : the 95% interval excludes 0)\n";
}

namespace {

std::string num(const eval::Interval& iv, const char* f, const char* fci) {
  if (std::isnan(iv.value)) return "n/a";
  char buf[96];
  if (!std::isnan(iv.lo))
    std::snprintf(buf, sizeof buf, fci, iv.value, iv.lo, iv.hi);
  else
    std::snprintf(buf, sizeof buf, f, iv.value);
  return buf;
}

void toxicity_row(std::ostream& out, const eval::ToxicityGroupMetrics& g) {
  char buf[400];
  std::snprintf(buf, sizeof buf, "%-8s %5zu %6zu  %-20s %-20s %-22s %5.2f %5.2f %5.2f\n", g.group.c_str(), g.prompts,
                g.continuations, num(g.emt, "%.3f", "%.3f [%.3f,%.3f]").c_str(),
                pct(g.toxicity_probability, true).c_str(), num(g.perplexity, "%.1f", "%.1f [%.1f,%.1f]").c_str(),
                g.distinct1.value, g.distinct2.value, g.distinct3.value);
  out << buf;
}

}  // namespace

void print_toxicity_table(std::ostream& out, const eval::ToxicityMetrics& m) {
  char head[400];
  std::snprintf(head, sizeof head, "%-8s %5s %6s  %-20s %-20s %-22s %5s %5s %5s\n", "lang", "n", "cont.",
                "EMT [95% CI]", "toxicity prob. %", "perplexity", "d-1", "d-2", "d-3");
  out << head;
  for (const auto& g : m.by_lang) toxicity_row(out, g);
  toxicity_row(out, m.all);
  char foot[160];
  std::snprintf(foot, sizeof foot, "(EMT: mean over prompts of the most toxic continuation; toxic: score >= %.2f)\n",
                m.threshold);
  out << foot;
}

}  // namespace polysafe::cli
