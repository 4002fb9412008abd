#include "report/report_format.h"

#include <cmath>
#include <cstdio>

#include "util/utf8.h"

namespace polysafe::report {

bool defined(double v) { return std::isfinite(v); }

std::string format_rate(double v) {
  if (!defined(v)) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", v * 100.0 + 0.0);
  return buf;
}

std::string format_ci(const Interval& iv) {
  if (!defined(iv.lo) || !defined(iv.hi)) return "";
  char buf[64];
  std::snprintf(buf, sizeof buf, "[%.1f, %.1f]", iv.lo * 100.0 + 0.0, iv.hi * 100.0 + 0.0);
  return buf;
}

std::string format_rate_ci(const Interval& iv) {
  std::string s = format_rate(iv.value);
  std::string ci = format_ci(iv);
  return ci.empty() || !defined(iv.value) ? s : s + " " + ci;
}

std::string format_points(double v) {
  if (!defined(v)) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.1f pp", v * 100.0 + 0.0);
  return buf;
}

std::string format_points_ci(const Interval& iv) {
  std::string s = format_points(iv.value);
  std::string ci = format_ci(iv);
  return ci.empty() || !defined(iv.value) ? s : s + " " + ci;
}

bool excludes_zero(const Interval& iv) {
  if (!defined(iv.lo) || !defined(iv.hi)) return false;
  return iv.lo > 0 || iv.hi < 0;
}

std::string describe_valid_gap(const eval::ValidGap& g) {
  if (g.method == "paired") return std::to_string(g.pairs) + (g.pairs == 1 ? " pair" : " pairs") + " valid in both";
  return "unpaired, two-sample: " + std::to_string(g.n) + " vs " + std::to_string(g.n_reference) + " prompts";
}

std::string clip_text(std::string_view text, size_t max_code_points, size_t* dropped) {
  size_t pos = 0, count = 0;
  while (pos < text.size() && count < max_code_points) {
    utf8::decode(text, pos);
    ++count;
  }
  if (dropped) {
    size_t rest = 0, p = pos;
    while (p < text.size()) {
      utf8::decode(text, p);
      ++rest;
    }
    *dropped = rest;
  }
  return std::string(text.substr(0, pos));
}

}  // namespace polysafe::report
