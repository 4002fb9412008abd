// Inline SVG charts drawn by polysafe itself, so a report works offline and
// looks the same in every browser and on paper: interval bars (rates with 95%
// whiskers), diverging bars (gaps and deltas around 0), a heatmap, and paired
// dots (global vs local). Input is plain numbers and labels; every label is
// escaped. Output is an <svg> element with a <title>, no scripts, no external
// references, scaled to its container through its viewBox.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "eval/bootstrap.h"

namespace polysafe::report {

struct IntervalBar {
  std::string label;        // "Hindi (hi)"
  eval::Interval value;     // value with its interval; NaN: drawn as "n/a"
  bool flagged = false;     // drawn hatched / marked (small n, significant change, ...)
};

// Horizontal bars on a 0-100% axis with interval whiskers, sorted by value,
// highest first (undefined last) when sort is true.
std::string svg_interval_bars(const std::string& title, std::vector<IntervalBar> bars, bool sort = true);

// Horizontal bars around a zero line (differences in percentage points) with
// whiskers; flagged bars (significant) drawn solid, others pale.
std::string svg_diverging_bars(const std::string& title, const std::vector<IntervalBar>& bars);

struct HeatCell {
  double value = 0;  // 0..1; NaN: no data
  size_t n = 0;      // items behind it
};

// rows x cols of rates, 0 white to 1 dark red, each cell labelled with its
// percentage; cells[r][c] empty: no items.
std::string svg_heatmap(const std::string& title, const std::vector<std::string>& rows,
                        const std::vector<std::string>& cols,
                        const std::vector<std::vector<std::optional<HeatCell>>>& cells);

struct DotPair {
  std::string label;
  std::optional<eval::Interval> a, b;  // e.g. global and local harm rate
};

// Two dots per row on a 0-100% axis (with whiskers) joined by a line.
std::string svg_paired_dots(const std::string& title, const std::vector<DotPair>& rows, const std::string& a_name,
                            const std::string& b_name);

}  // namespace polysafe::report
