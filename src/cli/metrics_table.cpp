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

std::string gap(const eval::GroupMetrics& g) {
  if (!g.has_gap) return "";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%+5.1f [%+.1f,%+.1f]%s", 100 * g.gap_to_reference.value, 100 * g.gap_to_reference.lo,
                100 * g.gap_to_reference.hi,
                (g.gap_to_reference.lo > 0 || g.gap_to_reference.hi < 0) ? " *" : "");
  return buf;
}

void row(std::ostream& out, const eval::GroupMetrics& g) {
  char buf[320];
  std::snprintf(buf, sizeof buf, "%-8s %5zu  %-20s %-20s %-20s %5zu  %-20s %s\n", g.group.c_str(), g.items,
                pct(g.harm, true).c_str(), pct(g.refusal, true).c_str(), pct(g.invalid, true).c_str(), g.benign_items,
                pct(g.over_refusal, true).c_str(), gap(g).c_str());
  out << buf;
}

}  // namespace

void print_metrics_table(std::ostream& out, const eval::RedteamMetrics& m) {
  char head[320];
  std::snprintf(head, sizeof head, "%-8s %5s  %-20s %-20s %-20s %5s  %-20s %s\n", "lang", "n", "harm % [95% CI]",
                "refusal %", "invalid %", "benign", "over-refusal %", ("gap to " + m.reference_lang + " (pts)").c_str());
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
  out << "(* : the 95% interval of the gap excludes 0)\n";
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
