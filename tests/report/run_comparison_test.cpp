// Comparing two real runs: the same built-in prompts answered by the loopback
// server in echo mode (run A) and in refuse mode (run B) — the refusal rate
// rises significantly in every language, paired on common item ids — and a run
// of another suite, which shares no prompts, compared by independent bootstrap.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "report/html_report.h"
#include "report/json_report.h"
#include "report/markdown_report.h"
#include "report/report_format.h"
#include "report/report_writer.h"
#include "report/run_comparison.h"
#include "report_test_support.h"

using namespace polysafe;
using namespace polysafe::report;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST(RunComparison, EchoVersusRefuseIsASignificantRefusalIncrease) {
  test::ScratchDir dir;
  const std::string rd = dir.file("runs");
  // Both servers live at once: distinct ports, so distinct run ids and cache keys.
  test::TestServer echo, refuse({"--answer", "refuse"});
  const std::vector<std::string> langs = {"en", "hi", "ar"};
  auto a = test::run_against(echo, "builtin:redteam", rd, langs, 12);
  auto b = test::run_against(refuse, "builtin:redteam", rd, langs, 12);
  ASSERT_TRUE(a.complete && b.complete);
  ASSERT_NE(a.run_id, b.run_id);
  const std::string other_suite = test::write_xss_suite(dir.file("xss.jsonl"));
  auto x = test::run_against(refuse, other_suite, rd);
  ASSERT_TRUE(x.complete);

  eval::RunStore store(rd);
  const auto ra = load_run(store, a.run_id), rb = load_run(store, b.run_id);
  const RunComparison c = compare_runs(ra, rb);
  EXPECT_EQ(c.common_items, ra.items.size());
  EXPECT_EQ(c.bootstrap.resamples, 500);
  ASSERT_EQ(c.languages.size(), 3u);
  EXPECT_EQ(c.languages[0].lang, "en");
  for (const auto& l : c.languages) {
    SCOPED_TRACE(l.lang);
    EXPECT_TRUE(l.in_a && l.in_b);
    EXPECT_EQ(l.refusal.method, "paired");
    EXPECT_EQ(l.refusal.n_paired, l.refusal.n_a);
    EXPECT_DOUBLE_EQ(l.refusal.b.value, 1.0);  // every answer is the server's refusal
    EXPECT_DOUBLE_EQ(l.refusal.a.value, 0.0);  // echoes are never refusals
    EXPECT_DOUBLE_EQ(l.refusal.delta.value, 1.0);
    EXPECT_TRUE(l.refusal.significant);
    // Harm can only fall when every answer becomes a refusal.
    EXPECT_LE(l.harm.delta.value, 0.0);
    EXPECT_DOUBLE_EQ(l.harm.b.value, 0.0);
    EXPECT_NEAR(l.harm.delta.value, -l.harm.a.value, 1e-12);
    EXPECT_EQ(l.harm.significant, excludes_zero(l.harm.delta));
    // Refusing benign controls is over-refusal: it rises too.
    EXPECT_DOUBLE_EQ(l.over_refusal.b.value, 1.0);
    EXPECT_TRUE(l.over_refusal.significant);
  }
  EXPECT_TRUE(c.overall.refusal.significant);
  bool finding = false;
  for (const auto& f : c.findings) finding = finding || f.rfind("Refusal rate changed significantly in: en +100.0 pp", 0) == 0;
  EXPECT_TRUE(finding) << c.findings[1];

  // Independent samples: the other suite shares no item ids with run A.
  const RunComparison ind = compare_runs(ra, load_run(store, x.run_id));
  EXPECT_EQ(ind.common_items, 0u);
  size_t both = 0;
  for (const auto& l : ind.languages) {
    if (!(l.in_a && l.in_b)) continue;
    ++both;
    EXPECT_EQ(l.refusal.method, "independent") << l.lang;
    EXPECT_EQ(l.refusal.n_paired, 0u);
    EXPECT_TRUE(l.refusal.significant) << l.lang;  // 0% vs 100%, on any resample
  }
  EXPECT_EQ(both, 3u);  // en, hi, ar in both; he, th only in the other run
  EXPECT_EQ(ind.languages.size(), 5u);

  // Rendered: HTML with one row per language plus "all", Markdown, JSON.
  const std::string html = render_comparison_html(c);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  size_t rows = 0;
  for (size_t p = html.find("<tr class=\"lang-row\""); p != std::string::npos; p = html.find("<tr class=\"lang-row\"", p + 1))
    ++rows;
  EXPECT_EQ(rows, 4u);
  EXPECT_NE(html.find("+100.0 pp *"), std::string::npos);
  const auto j = comparison_json(c);
  EXPECT_EQ(j["schema"], "polysafe.report/1");
  EXPECT_EQ(j["kind"], "comparison");
  EXPECT_EQ(j["languages"][0]["refusal_rate"]["delta"]["value"], 1.0);
  EXPECT_EQ(j["languages"][0]["refusal_rate"]["significant"], true);
  const std::string md = render_comparison_markdown(c);
  EXPECT_NE(md.find("| English (en) |"), std::string::npos) << md;
  EXPECT_NE(md.find("+100.0 pp [100.0, 100.0] \\*"), std::string::npos) << md;

  // The CLI: `polysafe report A B` writes the comparison at its default path.
  std::string out;
  ASSERT_EQ(test::run_command(test::polysafe_binary() + " report " + a.run_id + " " + b.run_id + " --run-dir " + rd +
                                  " --json " + dir.file("cmp.json"),
                              &out, false),
            0)
      << out;
  const std::string expect_html = default_comparison_path(rd, a.run_id, b.run_id);
  EXPECT_EQ(out, expect_html + "\n" + dir.file("cmp.json") + "\n");
  EXPECT_TRUE(std::filesystem::exists(expect_html));
  const auto cli = nlohmann::json::parse(read_file(dir.file("cmp.json")));
  EXPECT_EQ(cli["overall"], j["overall"]);  // same runs, same seed: same intervals
}
