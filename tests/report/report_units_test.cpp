// The report layer's small parts on inputs whose answers are known: escaping
// (markup, quotes, bidi controls, invalid UTF-8), resource classes, judge
// validation lookups, number formatting, the independent bootstrap, and the
// SVG charts' structure.
#include <gtest/gtest.h>

#include <cmath>

#include "util/html_escape.h"
#include "report/judge_validation.h"
#include "report/markdown_report.h"
#include "report/report_format.h"
#include "report/resource_class.h"
#include "report/run_comparison.h"
#include "report/svg_chart.h"

using namespace polysafe;
using namespace polysafe::report;

TEST(HtmlEscape, MarkupQuotesAndControls) {
  EXPECT_EQ(html_escape("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
  EXPECT_EQ(html_escape("\"><img src=x onerror='a'>"), "&#34;&gt;&lt;img src=x onerror=&#39;a&#39;&gt;");
  EXPECT_EQ(html_escape("a & b"), "a &amp; b");
  EXPECT_EQ(html_escape("x\xE2\x80\xAEgnp.exe\xE2\x80\xAC"), "x[U+202E]gnp.exe[U+202C]");
  EXPECT_EQ(html_escape("\xE2\x81\xA6\xE2\x81\xA9"), "[U+2066][U+2069]");
  EXPECT_EQ(html_escape(std::string("a\0b\x1b", 4)), "a[U+0000]b[U+001B]");
  EXPECT_EQ(html_escape("line\nnext\ttab"), "line\nnext\ttab");
  EXPECT_EQ(html_escape("\xC2\x85"), "[U+0085]");             // C1 NEL
  EXPECT_EQ(html_escape("ok\xFF\xC3"), "ok\xEF\xBF\xBD\xEF\xBF\xBD");  // invalid bytes -> U+FFFD
  const std::string arabic = "\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7 \xE2\x80\x8F";  // with RLM: kept
  EXPECT_EQ(html_escape(arabic), arabic);
  EXPECT_TRUE(is_bidi_control(0x202E));
  EXPECT_FALSE(is_bidi_control(0x200F));
  EXPECT_EQ(html_id("zh-Hant"), "zh-Hant");
  EXPECT_EQ(html_id("a\"b c"), "a_b_c");
  EXPECT_EQ(html_id(""), "_");
}

TEST(MarkdownEscape, TableCellsCannotBreak) {
  EXPECT_EQ(markdown_escape("a|b"), "a\\|b");
  EXPECT_EQ(markdown_escape("*x* _y_ `z` [l](u) #h"), "\\*x\\* \\_y\\_ \\`z\\` \\[l\\](u) \\#h");
  EXPECT_EQ(markdown_escape("<b>\nx"), "&lt;b&gt; x");
  EXPECT_EQ(markdown_escape("\xE2\x80\xAE"), "[U+202E]");
}

TEST(ResourceClass, JoshiClasses) {
  EXPECT_EQ(resource_class("en").level, 5);
  EXPECT_EQ(resource_class("en").label(), "5 \xC2\xB7 The Winners");
  EXPECT_EQ(resource_class("zh-Hant").level, 5);
  EXPECT_EQ(resource_class("hi").level, 4);
  EXPECT_EQ(resource_class("pt_BR").level, 4);
  EXPECT_EQ(resource_class("th").level, 3);
  EXPECT_EQ(resource_class("he").level, 3);
  EXPECT_EQ(resource_class("sw").level, 2);
  EXPECT_EQ(resource_class("am").level, 2);
  EXPECT_EQ(resource_class("te").level, 1);
  EXPECT_EQ(resource_class("EN").level, 5);
  EXPECT_EQ(resource_class("pa").level, -1);  // no row for Eastern Punjabi in the taxonomy
  EXPECT_EQ(resource_class("xx").label(), "unclassified");
  EXPECT_GE(classified_languages().size(), 60u);
  EXPECT_EQ(resource_class_names().size(), 6u);
}

TEST(JudgeValidation, DocumentedLanguagesOnly) {
  auto hi = judge_validation("refusal", "polysafe-refusal-1", "hi");
  ASSERT_TRUE(hi);
  EXPECT_DOUBLE_EQ(hi->value, 0.902);
  EXPECT_EQ(hi->n, 51u);
  EXPECT_EQ(hi->summary(), "accuracy 0.902, \xCE\xBA 0.853 (n = 51)");
  EXPECT_FALSE(judge_validation("refusal", "polysafe-refusal-1", "th"));
  EXPECT_TRUE(judge_validation("refusal", "polysafe-refusal-2", "hi"));
  EXPECT_FALSE(judge_validation("refusal", "polysafe-refusal-0", "hi"));
  EXPECT_TRUE(judge_validation("toxicity", "fasttext-platt:x", "th"));
  EXPECT_TRUE(judge_validation("toxicity", "fasttext-platt:x", "zh-Hant"));
  EXPECT_FALSE(judge_validation("llm:openai:x", "polysafe-rubric-v1", "en"));
  EXPECT_EQ(judge_validation_source("llm:x"), "");
}

TEST(ReportFormat, RatesIntervalsPoints) {
  EXPECT_EQ(format_rate(0.125), "12.5%");
  EXPECT_EQ(format_rate(NAN), "n/a");
  EXPECT_EQ(format_rate_ci({0.5, 0.25, 0.75}), "50.0% [25.0, 75.0]");
  EXPECT_EQ(format_rate_ci({NAN, NAN, NAN}), "n/a");
  EXPECT_EQ(format_points(0.042), "+4.2 pp");
  EXPECT_EQ(format_points(-0.0), "+0.0 pp");
  EXPECT_EQ(format_points_ci({-0.1, -0.2, 0.05}), "-10.0 pp [-20.0, 5.0]");
  EXPECT_TRUE(excludes_zero({0.1, 0.01, 0.2}));
  EXPECT_TRUE(excludes_zero({-0.1, -0.2, -0.01}));
  EXPECT_FALSE(excludes_zero({0.1, 0.0, 0.2}));
  EXPECT_FALSE(excludes_zero({0.1, NAN, 0.2}));
  size_t dropped = 0;
  EXPECT_EQ(clip_text("\xE0\xA4\xB9\xE0\xA4\xBF\xE0\xA4\x82" "abc", 3, &dropped), "\xE0\xA4\xB9\xE0\xA4\xBF\xE0\xA4\x82");
  EXPECT_EQ(dropped, 3u);
}

TEST(IndependentBootstrap, KnownDifferencesAndDeterminism) {
  polysafe::eval::BootstrapOptions o{1000, 7, 0.95};
  auto d = independent_bootstrap_difference(std::vector<double>(20, 0.0), std::vector<double>(30, 1.0), o);
  EXPECT_DOUBLE_EQ(d.value, 1.0);
  EXPECT_DOUBLE_EQ(d.lo, 1.0);
  EXPECT_DOUBLE_EQ(d.hi, 1.0);
  std::vector<double> a, b;
  for (int i = 0; i < 40; ++i) {
    a.push_back(i % 2);        // mean 0.5
    b.push_back(i % 4 == 0);   // mean 0.25
  }
  auto m = independent_bootstrap_difference(a, b, o);
  EXPECT_DOUBLE_EQ(m.value, -0.25);
  EXPECT_LT(m.lo, -0.25);
  EXPECT_GT(m.hi, -0.25);
  // Two samples of 40 with a 25-point gap: the 95% interval is about +-20 points wide.
  EXPECT_GT(m.hi - m.lo, 0.25);
  EXPECT_LT(m.hi - m.lo, 0.55);
  auto again = independent_bootstrap_difference(a, b, o);
  EXPECT_EQ(m.lo, again.lo);
  EXPECT_EQ(m.hi, again.hi);
  EXPECT_TRUE(std::isnan(independent_bootstrap_difference({}, b, o).value));
  auto none = independent_bootstrap_difference(a, b, {0, 0, 0.95});
  EXPECT_EQ(none.lo, none.value);
}

TEST(SvgChart, BarsSortedEscapedAndSelfContained) {
  std::vector<IntervalBar> bars = {{"low <b>", {0.1, 0.05, 0.2}, false},
                                   {"none", {NAN, NAN, NAN}, false},
                                   {"high", {0.8, 0.7, 0.9}, true}};
  const std::string s = svg_interval_bars("Harm & more", bars);
  EXPECT_EQ(s.rfind("<svg class=\"chart\"", 0), 0u);
  EXPECT_NE(s.find("<title>Harm &amp; more</title>"), std::string::npos);
  EXPECT_NE(s.find("low &lt;b&gt;"), std::string::npos);
  EXPECT_EQ(s.find("<b>"), std::string::npos);
  EXPECT_LT(s.find(">high<"), s.find(">low &lt;b&gt;<"));  // highest first
  EXPECT_LT(s.find(">low &lt;b&gt;<"), s.find(">none<"));  // undefined last
  EXPECT_NE(s.find("n/a"), std::string::npos);
  EXPECT_NE(s.find("bar flagged"), std::string::npos);
  EXPECT_EQ(s.find("http"), std::string::npos);
  const std::string h = svg_heatmap("h", {"en", "hi"}, {"violence"}, {{HeatCell{1.0, 4}}, {std::nullopt}});
  EXPECT_NE(h.find("fill=\"#a50f15\""), std::string::npos);  // 100%: the darkest red
  EXPECT_NE(h.find("cell empty"), std::string::npos);
  const std::string g = svg_diverging_bars("gap", {{"hi", {-0.2, -0.3, -0.1}, true}, {"ar", {0.05, -0.1, 0.2}, false}});
  EXPECT_NE(g.find("bar down sig"), std::string::npos);
  EXPECT_NE(g.find("bar up\""), std::string::npos);
  EXPECT_NE(g.find("-20.0 pp *"), std::string::npos);
}
