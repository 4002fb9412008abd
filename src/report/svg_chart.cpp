#include "report/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "util/html_escape.h"
#include "report/report_format.h"

namespace polysafe::report {

namespace {

constexpr double kWidth = 760;      // viewBox width; the element scales to its container
constexpr double kLabelW = 190;     // left column for row labels
constexpr double kRightPad = 84;    // room for the value text
constexpr double kRowH = 20;
constexpr double kTop = 30, kBottom = 26;

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string open_svg(const std::string& title, double w, double h) {
  const std::string t = html_escape(title);
  return "<svg class=\"chart\" viewBox=\"0 0 " + num(w) + " " + num(h) + "\" style=\"max-width:" + num(w * 1.25) +
         "px\" role=\"img\" aria-label=\"" + t + "\"><title>" + t + "</title>";
}

std::string text(double x, double y, const std::string& s, const std::string& cls, const std::string& anchor = "start") {
  return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" class=\"" + cls + "\" text-anchor=\"" + anchor + "\">" +
         html_escape(s) + "</text>";
}

std::string line(double x1, double y1, double x2, double y2, const std::string& cls) {
  return "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" + num(y2) +
         "\" class=\"" + cls + "\"/>";
}

std::string rect(double x, double y, double w, double h, const std::string& cls, const std::string& fill = "") {
  std::string s = "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(std::max(0.0, w)) + "\" height=\"" +
                  num(h) + "\" class=\"" + cls + "\"";
  if (!fill.empty()) s += " fill=\"" + fill + "\"";
  return s + "/>";
}

// Labels longer than the label column are shortened (the table has them in full).
std::string short_label(const std::string& s, size_t max_cp = 28) {
  size_t dropped = 0;
  std::string c = clip_text(s, max_cp, &dropped);
  return dropped ? c + "\xE2\x80\xA6" : c;
}

// A 0..1 axis along the top: ticks every 25%.
std::string rate_axis(double x0, double plot_w, double y_top, double y_bottom) {
  std::string s;
  for (int t = 0; t <= 4; ++t) {
    const double x = x0 + plot_w * t / 4.0;
    s += line(x, y_top, x, y_bottom, t == 0 ? "axis" : "grid");
    s += text(x, y_top - 6, std::to_string(t * 25) + "%", "tick", "middle");
  }
  return s;
}

std::string whisker(double x_lo, double x_hi, double y, double h, const std::string& cls = "whisker") {
  return line(x_lo, y, x_hi, y, cls) + line(x_lo, y - h / 2, x_lo, y + h / 2, cls) +
         line(x_hi, y - h / 2, x_hi, y + h / 2, cls);
}

double clamp01(double v) { return std::min(1.0, std::max(0.0, v)); }

}  // namespace

std::string svg_interval_bars(const std::string& title, std::vector<IntervalBar> bars, bool sort) {
  if (sort)
    std::stable_sort(bars.begin(), bars.end(), [](const IntervalBar& a, const IntervalBar& b) {
      const bool da = defined(a.value.value), db = defined(b.value.value);
      if (da != db) return da;
      return da && a.value.value > b.value.value;
    });
  const double plot_x = kLabelW, plot_w = kWidth - kLabelW - kRightPad;
  const double h = kTop + kRowH * double(std::max<size_t>(bars.size(), 1)) + kBottom;
  std::string s = open_svg(title, kWidth, h);
  s += rate_axis(plot_x, plot_w, kTop, h - kBottom + 4);
  for (size_t i = 0; i < bars.size(); ++i) {
    const auto& b = bars[i];
    const double y = kTop + kRowH * double(i);
    const double mid = y + kRowH / 2;
    s += text(plot_x - 8, mid + 4, short_label(b.label), "label", "end");
    if (!defined(b.value.value)) {
      s += text(plot_x + 4, mid + 4, "n/a", "value");
      continue;
    }
    s += rect(plot_x, y + 4, plot_w * clamp01(b.value.value), kRowH - 8, b.flagged ? "bar flagged" : "bar");
    double right = plot_x + plot_w * clamp01(b.value.value);
    if (defined(b.value.lo) && defined(b.value.hi)) {
      s += whisker(plot_x + plot_w * clamp01(b.value.lo), plot_x + plot_w * clamp01(b.value.hi), mid, 8);
      right = std::max(right, plot_x + plot_w * clamp01(b.value.hi));
    }
    s += text(std::min(right + 6, kWidth - kRightPad + 4), mid + 4, format_rate(b.value.value), "value");
  }
  return s + "</svg>";
}

std::string svg_diverging_bars(const std::string& title, const std::vector<IntervalBar>& bars) {
  double m = 0.05;
  for (const auto& b : bars)
    for (double v : {b.value.value, b.value.lo, b.value.hi})
      if (defined(v)) m = std::max(m, std::abs(v));
  m = std::min(1.0, std::ceil(m / 0.05) * 0.05);  // symmetric domain, 5-point steps
  const double plot_x = kLabelW, plot_w = kWidth - kLabelW - kRightPad;
  const double zero = plot_x + plot_w / 2;
  auto X = [&](double v) { return zero + plot_w / 2 * std::max(-1.0, std::min(1.0, v / m)); };
  const double h = kTop + kRowH * double(std::max<size_t>(bars.size(), 1)) + kBottom;
  std::string s = open_svg(title, kWidth, h);
  for (int t = -2; t <= 2; ++t) {
    const double v = m * t / 2.0;
    s += line(X(v), kTop, X(v), h - kBottom + 4, t == 0 ? "axis" : "grid");
    char buf[32];
    std::snprintf(buf, sizeof buf, "%+.0f pp", v * 100.0 + 0.0);
    s += text(X(v), kTop - 6, t == 0 ? "0" : buf, "tick", "middle");
  }
  for (size_t i = 0; i < bars.size(); ++i) {
    const auto& b = bars[i];
    const double y = kTop + kRowH * double(i);
    const double mid = y + kRowH / 2;
    s += text(plot_x - 8, mid + 4, short_label(b.label), "label", "end");
    if (!defined(b.value.value)) {
      s += text(zero + 4, mid + 4, "n/a", "value");
      continue;
    }
    const double x = X(b.value.value);
    const std::string cls = std::string(b.value.value >= 0 ? "bar up" : "bar down") + (b.flagged ? " sig" : "");
    s += rect(std::min(x, zero), y + 4, std::abs(x - zero), kRowH - 8, cls);
    if (defined(b.value.lo) && defined(b.value.hi)) s += whisker(X(b.value.lo), X(b.value.hi), mid, 8);
    s += text(plot_x + plot_w + 6, mid + 4, format_points(b.value.value) + (b.flagged ? " *" : ""), "value");
  }
  return s + "</svg>";
}

std::string svg_heatmap(const std::string& title, const std::vector<std::string>& rows,
                        const std::vector<std::string>& cols,
                        const std::vector<std::vector<std::optional<HeatCell>>>& cells) {
  const double cell_w = 44, cell_h = 20, head = 96;
  const double w = kLabelW + cell_w * double(std::max<size_t>(cols.size(), 1)) + 80;  // room for the last rotated label
  const double h = head + cell_h * double(std::max<size_t>(rows.size(), 1)) + 10;
  std::string s = open_svg(title, w, h);
  for (size_t c = 0; c < cols.size(); ++c) {
    const double x = kLabelW + cell_w * double(c) + cell_w / 2;
    s += "<text class=\"label\" transform=\"translate(" + num(x + 4) + " " + num(head - 6) +
         ") rotate(-45)\" text-anchor=\"start\">" + html_escape(short_label(cols[c], 18)) + "</text>";
  }
  for (size_t r = 0; r < rows.size(); ++r) {
    const double y = head + cell_h * double(r);
    s += text(kLabelW - 8, y + cell_h / 2 + 4, short_label(rows[r]), "label", "end");
    for (size_t c = 0; c < cols.size(); ++c) {
      const double x = kLabelW + cell_w * double(c);
      const auto& cell = r < cells.size() && c < cells[r].size() ? cells[r][c] : std::nullopt;
      if (!cell || !defined(cell->value)) {
        s += rect(x + 1, y + 1, cell_w - 2, cell_h - 2, "cell empty");
        s += text(x + cell_w / 2, y + cell_h / 2 + 4, "\xE2\x80\x93", "celltext", "middle");
        continue;
      }
      // White (0%) to dark red (100%), linear in each channel.
      const double v = clamp01(cell->value);
      char fill[16];
      std::snprintf(fill, sizeof fill, "#%02x%02x%02x", int(247 - v * (247 - 165)), int(247 - v * (247 - 15)),
                    int(247 - v * (247 - 21)));
      s += "<g><title>" + html_escape(rows[r] + " / " + cols[c] + ": " + format_rate(cell->value) + " (n = " +
                                      std::to_string(cell->n) + ")") +
           "</title>" + rect(x + 1, y + 1, cell_w - 2, cell_h - 2, "cell", fill) +
           text(x + cell_w / 2, y + cell_h / 2 + 4, std::to_string(int(std::lround(v * 100))),
                v > 0.55 ? "celltext dark" : "celltext", "middle") +
           "</g>";
    }
  }
  return s + "</svg>";
}

std::string svg_paired_dots(const std::string& title, const std::vector<DotPair>& rows, const std::string& a_name,
                            const std::string& b_name) {
  const double plot_x = kLabelW, plot_w = kWidth - kLabelW - 124;  // two values at the right
  const double h = kTop + 18 + kRowH * double(std::max<size_t>(rows.size(), 1)) + kBottom;
  const double top = kTop + 18;
  std::string s = open_svg(title, kWidth, h);
  // Legend.
  s += "<circle cx=\"" + num(plot_x) + "\" cy=\"10\" r=\"5\" class=\"dot-a\"/>" + text(plot_x + 9, 14, a_name, "tick");
  s += "<rect x=\"" + num(plot_x + 110) + "\" y=\"5\" width=\"10\" height=\"10\" class=\"dot-b\"/>" +
       text(plot_x + 125, 14, b_name, "tick");
  s += rate_axis(plot_x, plot_w, top, h - kBottom + 4);
  auto X = [&](double v) { return plot_x + plot_w * clamp01(v); };
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const double mid = top + kRowH * double(i) + kRowH / 2;
    s += text(plot_x - 8, mid + 4, short_label(r.label), "label", "end");
    const bool ha = r.a && defined(r.a->value), hb = r.b && defined(r.b->value);
    if (ha && hb) s += line(X(r.a->value), mid, X(r.b->value), mid, "link");
    if (ha) {
      if (defined(r.a->lo) && defined(r.a->hi)) s += whisker(X(r.a->lo), X(r.a->hi), mid - 3, 5, "whisker a");
      s += "<circle cx=\"" + num(X(r.a->value)) + "\" cy=\"" + num(mid) + "\" r=\"5\" class=\"dot-a\"/>";
    }
    if (hb) {
      if (defined(r.b->lo) && defined(r.b->hi)) s += whisker(X(r.b->lo), X(r.b->hi), mid + 3, 5, "whisker b");
      s += "<rect x=\"" + num(X(r.b->value) - 5) + "\" y=\"" + num(mid - 5) +
           "\" width=\"10\" height=\"10\" class=\"dot-b\"/>";
    }
    std::string v = (ha ? format_rate(r.a->value) : std::string("n/a")) + " / " +
                    (hb ? format_rate(r.b->value) : std::string("n/a"));
    s += text(plot_x + plot_w + 6, mid + 4, v, "value");
  }
  return s + "</svg>";
}

}  // namespace polysafe::report
