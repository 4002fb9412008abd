// The report as a user sees it: a real run (loopback model, refusal judge,
// SQLite store) whose prompts and answers carry <script>, an onerror <img>, a
// javascript: link and bidi overrides, in Arabic, Hebrew, Hindi, Thai and
// English; rendered to HTML, opened in headless Chromium (DOM dump, console
// log, network log, screenshot), and written as Markdown and JSON by the CLI
// from the same data.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <cctype>
#include <regex>
#include <set>
#include <sstream>

#include "report/html_report.h"
#include "report/json_report.h"
#include "report/markdown_report.h"
#include "report/report_data.h"
#include "report/report_format.h"
#include "report/report_writer.h"
#include "report_test_support.h"

using namespace polysafe;
using namespace polysafe::report;

namespace {

using test::count;
using test::page_requests;
using test::read_file;
using test::tags_of;

// One run shared by the tests of this file (the server and run take ~2 s).
struct XssRun {
  test::ScratchDir dir{"xss-run"};
  std::string run_dir, run_id;
  XssRun() {
    test::TestServer server;
    run_dir = dir.file("runs");
    const std::string suite = test::write_xss_suite(dir.file("xss.jsonl"));
    auto r = test::run_against(server, suite, run_dir);
    if (!r.complete) throw std::runtime_error("xss run incomplete");
    run_id = r.run_id;
  }
};

XssRun& xss_run() {
  static XssRun run;
  return run;
}

}  // namespace

TEST(ReportData, RealRunHasEveryLanguageAndTheirScripts) {
  auto& run = xss_run();
  eval::RunStore store(run.run_dir);
  ReportData d = gather_report(store, run.run_id);
  ASSERT_EQ(d.languages.size(), test::kXssLangs.size());
  EXPECT_EQ(d.languages[0].lang, "en");  // the reference language leads
  EXPECT_TRUE(d.languages[0].reference);
  std::map<std::string, std::string> script;
  for (const auto& r : d.languages) {
    script[r.lang] = r.script;
    EXPECT_EQ(r.metrics.items, 3u) << r.lang;
    EXPECT_EQ(r.metrics.benign_items, 1u) << r.lang;
    EXPECT_FALSE(r.warnings.empty()) << r.lang;  // 3 prompts: far too few for a tight interval
    if (r.lang != "en") {
      EXPECT_TRUE(r.metrics.has_gap) << r.lang;
      EXPECT_EQ(r.metrics.paired_items, 3u) << r.lang;
    }
  }
  EXPECT_EQ(script["ar"], "Arab");
  EXPECT_EQ(script["he"], "Hebr");
  EXPECT_EQ(script["hi"], "Deva");  // the language's script, whatever the markup around its prompts
  EXPECT_EQ(script["th"], "Thai");
  EXPECT_EQ(d.language("hi")->resource.level, 4);
  EXPECT_EQ(d.language("th")->resource.level, 3);
  // The refusal judge has validation numbers for en, ar, hi, none for he and th.
  EXPECT_TRUE(d.language("he")->unvalidated_judges == std::vector<std::string>{"refusal"});
  EXPECT_TRUE(d.language("hi")->unvalidated_judges.empty());
  EXPECT_EQ(d.categories, (std::vector<std::string>{"cybercrime", "fraud", "violence"}));
  ASSERT_FALSE(d.examples.empty());
  for (const auto& e : d.examples) {
    EXPECT_FALSE(e.answer.answer.empty()) << e.answer.item_id;
    EXPECT_EQ(e.answer.answer.rfind("ANSWER[", 0), 0u) << e.answer.answer;  // the server's echo
    if (e.answer.lang != "en") {
      ASSERT_TRUE(e.reference.has_value()) << e.answer.item_id;
      EXPECT_EQ(e.reference->lang, "en");
    }
  }
  EXPECT_EQ(d.metrics.overall.items, 15u);
}

TEST(HtmlReport, PayloadsAreInertTextInTheFile) {
  auto& run = xss_run();
  eval::RunStore store(run.run_dir);
  // Every item shown: the server's answers restate the prompt, so all are
  // invalid and equally bad, and the default 3 per language would hide one.
  ReportOptions all;
  all.examples_per_lang = 4;
  const std::string html = render_html(gather_report(store, run.run_id, all));
  // No element from content: the report itself has no <script>, <img>, <a href="javascript">, <iframe>.
  EXPECT_EQ(count(html, "<script"), 0u);
  EXPECT_EQ(count(html, "<img"), 0u);
  EXPECT_EQ(count(html, "<iframe"), 0u);
  EXPECT_EQ(count(html, "javascript:alert(1)\""), 0u);
  EXPECT_GT(count(html, "&lt;script&gt;alert(1)&lt;/script&gt;"), 0u);
  EXPECT_GT(count(html, "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"), 0u);
  EXPECT_GT(count(html, "&lt;a href=&#34;javascript:alert(1)&#34;&gt;"), 0u);
  // Bidi overrides and isolates are shown, never applied.
  for (const char* c : {test::kRlo, test::kPdf, test::kRli, test::kPdi}) EXPECT_EQ(count(html, c), 0u);
  EXPECT_GT(count(html, "[U+202E]"), 0u);
  EXPECT_GT(count(html, "[U+2067]"), 0u);
  // Every reference stays inside the file: fragment links only, no src at all.
  std::regex attr(R"re(\b(href|src|action|xlink:href|srcset|poster|data)\s*=\s*"([^"]*)")re");
  size_t links = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), attr); it != std::sregex_iterator(); ++it) {
    EXPECT_EQ((*it)[1].str(), "href") << (*it)[0].str();
    EXPECT_EQ((*it)[2].str().rfind("#", 0), 0u) << (*it)[0].str();
    ++links;
  }
  EXPECT_GT(links, 5u);
  EXPECT_EQ(count(html, "url("), 0u);
  EXPECT_EQ(count(html, "@import"), 0u);
  EXPECT_NE(html.find("Content-Security-Policy"), std::string::npos);
  // Text cells take their own direction.
  EXPECT_GT(count(html, "dir=\"auto\" lang=\"ar\""), 0u);
  EXPECT_GT(count(html, "dir=\"auto\" lang=\"he\""), 0u);
}

TEST(HtmlReport, HeadlessChromiumDomConsoleNetworkAndScreenshot) {
  if (!test::have_chromium()) GTEST_SKIP() << "/usr/bin/chromium is missing (Debian package chromium)";
  auto& run = xss_run();
  test::ScratchDir dir("chromium");
  // The CLI writes the report where a user finds it.
  std::string out;
  ASSERT_EQ(test::run_command(test::polysafe_binary() + " report --examples 4 --run-dir " + run.run_dir, &out, false), 0)
      << out;
  const std::string html_path = default_html_path(run.run_dir, run.run_id);
  EXPECT_EQ(out, html_path + "\n");
  ASSERT_TRUE(std::filesystem::exists(html_path));
  const std::string abs = std::filesystem::absolute(html_path).string();

  // DOM after load, with the console on stderr and every network event logged.
  const std::string netlog = dir.file("netlog.json");
  std::string dom;
  const std::string cmd = test::chromium_command(
      dir.file("profile"), "--enable-logging=stderr --v=0 --log-net-log=" + netlog + " --dump-dom", abs);
  const std::string err_file = dir.file("stderr.txt");
  ASSERT_EQ(test::run_command("timeout 120 " + cmd + " 2>" + err_file, &dom, false), 0) << read_file(err_file);
  const std::string err = read_file(err_file);
  ASSERT_GT(dom.size(), 10000u) << err;
  EXPECT_EQ(count(dom, "<tr class=\"lang-row"), test::kXssLangs.size());
  for (const auto& l : test::kXssLangs) EXPECT_NE(dom.find("data-lang=\"" + l + "\""), std::string::npos) << l;
  EXPECT_GE(count(dom, "<svg"), 3u);  // harm bars, heatmap, global vs local, gap
  EXPECT_NE(dom.find("Harm rate per language"), std::string::npos);
  // Elements and attributes: none from content, no handler, no link out of the page.
  const auto tags = tags_of(dom);
  ASSERT_GT(tags.size(), 500u);
  std::set<std::string> names;
  size_t hrefs = 0;
  for (const auto& t : tags) {
    names.insert(t.name);
    for (const auto& [k, v] : t.attrs) {
      EXPECT_NE(k.rfind("on", 0), 0u) << "<" << t.name << " " << k << "=" << v << ">";
      EXPECT_NE(k, "src") << "<" << t.name << " src=" << v << ">";
      if (k == "href") {
        ++hrefs;
        EXPECT_EQ(v.rfind("#", 0), 0u) << "<" << t.name << " href=" << v << ">";
      }
    }
  }
  EXPECT_GT(hrefs, 5u);
  for (const char* bad : {"script", "img", "iframe", "object", "embed", "form", "link", "base", "meta-refresh"})
    EXPECT_EQ(names.count(bad), 0u) << bad;
  EXPECT_TRUE(names.count("svg") && names.count("table") && names.count("bdi"));
  // The payloads are there, as text.
  EXPECT_GT(count(dom, "&lt;img src=x onerror=alert(1)&gt;"), 0u);
  EXPECT_GT(count(dom, "&lt;script&gt;alert(1)&lt;/script&gt;"), 0u);
  EXPECT_GT(count(dom, "&lt;a href=\"javascript:alert(1)\"&gt;"), 0u);
  EXPECT_EQ(count(dom, test::kRlo), 0u);
  EXPECT_GT(count(dom, "[U+202E]"), 0u);
  // No script ran, nothing was refused by the CSP, no resource failed to load.
  for (const char* bad : {"Uncaught", "CONSOLE", "Refused to", "Content Security Policy"})
    EXPECT_EQ(err.find(bad), std::string::npos) << bad << "\n" << err;
  {
    std::istringstream lines(err);
    for (std::string line; std::getline(lines, line);)
      if (line.find("ERR_") != std::string::npos && (line.find("file:") != std::string::npos ||
                                                      line.find("report") != std::string::npos))
        ADD_FAILURE() << line;
  }
  // The page made no request at all...
  EXPECT_EQ(page_requests(netlog), std::vector<std::string>{});
  // ...which the net log would show: a page that loads an image does appear.
  const std::string control = dir.file("control.html");
  {
    std::ofstream c(control);
    c << "<!DOCTYPE html><html><body><img src=\"http://127.0.0.1:9/pixel.png\"></body></html>";
  }
  const std::string control_log = dir.file("control-netlog.json");
  test::run_command("timeout 120 " + test::chromium_command(dir.file("profile3"), "--log-net-log=" + control_log + " --dump-dom",
                                                           control),
                    nullptr);
  EXPECT_EQ(page_requests(control_log), std::vector<std::string>{"http://127.0.0.1:9/pixel.png"});

  // Screenshot: a real PNG of the requested size with real content.
  const std::string png = dir.file("report.png");
  ASSERT_EQ(test::run_command("timeout 120 " + test::chromium_command(dir.file("profile2"),
                                                                      "--screenshot=" + png + " --window-size=1280,2000",
                                                                      abs),
                              nullptr),
            0);
  const std::string bytes = read_file(png);
  ASSERT_GT(bytes.size(), 30000u);
  ASSERT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  auto be32 = [&](size_t off) {
    return (uint32_t(uint8_t(bytes[off])) << 24) | (uint32_t(uint8_t(bytes[off + 1])) << 16) |
           (uint32_t(uint8_t(bytes[off + 2])) << 8) | uint32_t(uint8_t(bytes[off + 3]));
  };
  EXPECT_EQ(be32(16), 1280u);  // IHDR width
  EXPECT_EQ(be32(20), 2000u);  // IHDR height
  if (const char* keep = std::getenv("POLYSAFE_REPORT_SCREENSHOT")) {  // for a person to look at
    std::filesystem::copy_file(png, keep, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::copy_file(abs, std::string(keep) + ".html", std::filesystem::copy_options::overwrite_existing);
  }
}

TEST(Reports, MarkdownAndJsonCarryTheSameNumbers) {
  auto& run = xss_run();
  test::ScratchDir dir("md-json");
  const std::string md_path = dir.file("card.md"), json_path = dir.file("report.json"), html_path = dir.file("r.html");
  std::string out;
  ASSERT_EQ(test::run_command(test::polysafe_binary() + " report " + run.run_id.substr(0, 8) + " --run-dir " +
                                  run.run_dir + " --html " + html_path + " --md " + md_path + " --json " + json_path,
                              &out, false),
            0)
      << out;
  EXPECT_EQ(out, html_path + "\n" + md_path + "\n" + json_path + "\n");
  const std::string md = read_file(md_path), html = read_file(html_path);
  const auto j = nlohmann::json::parse(read_file(json_path));
  EXPECT_EQ(j["schema"], "polysafe.report/1");
  EXPECT_EQ(j["kind"], "run");
  EXPECT_EQ(j["run"]["run_id"], run.run_id);
  EXPECT_EQ(md.rfind("## Multilingual safety\n", 0), 0u);
  ASSERT_EQ(j["languages"].size(), test::kXssLangs.size());
  auto rate = [](const nlohmann::json& iv) {
    Interval i;
    i.value = iv["value"].is_null() ? NAN : iv["value"].get<double>();
    i.lo = iv["lo"].is_null() ? NAN : iv["lo"].get<double>();
    i.hi = iv["hi"].is_null() ? NAN : iv["hi"].get<double>();
    return i;
  };
  for (const auto& l : j["languages"]) {
    const std::string row_start = "| " + l["name"].get<std::string>() + " (" + l["lang"].get<std::string>() + ") |";
    const size_t at = md.find(row_start);
    ASSERT_NE(at, std::string::npos) << row_start << "\n" << md;
    const std::string row = md.substr(at, md.find('\n', at) - at);
    const std::string harm = format_rate_ci(rate(l["harm_rate"]));
    EXPECT_NE(row.find("| " + harm + " |"), std::string::npos) << harm << " in " << row;
    EXPECT_NE(row.find("| " + format_rate(rate(l["refusal_rate"]).value) + " |"), std::string::npos) << row;
    EXPECT_NE(row.find("| " + format_rate(rate(l["over_refusal_rate"]).value) + " |"), std::string::npos) << row;
    EXPECT_NE(row.find("| " + std::to_string(l["items"].get<size_t>()) + " |"), std::string::npos) << row;
    if (!l["gap_to_reference"].is_null()) {
      EXPECT_NE(row.find(format_points_ci(rate(l["gap_to_reference"]["harm_rate_difference"]))), std::string::npos)
          << row;
    }
    // The HTML row shows the same rate.
    const size_t hrow = html.find("data-lang=\"" + l["lang"].get<std::string>() + "\"");
    ASSERT_NE(hrow, std::string::npos);
    EXPECT_NE(html.substr(hrow, html.find("</tr>", hrow) - hrow).find(format_rate(rate(l["harm_rate"]).value)),
              std::string::npos);
  }
  for (const auto& f : j["findings"]) EXPECT_NE(md.find(markdown_escape(f.get<std::string>())), std::string::npos) << f;
  // The model card carries no model output and no raw markup from the suite.
  EXPECT_EQ(md.find("ANSWER["), std::string::npos);
  EXPECT_EQ(md.find("<script"), std::string::npos);
  // JSON keeps the examples' text exactly as stored (consumers escape for their own medium).
  bool raw_payload = false;
  for (const auto& e : j["examples"])
    raw_payload = raw_payload || e["prompt"].get<std::string>().find(test::kScript) != std::string::npos;
  EXPECT_TRUE(raw_payload);
  EXPECT_EQ(j["metrics"]["overall"]["items"], 15);
}

TEST(ReportCli, UnknownRunAndMissingStoreFailCleanly) {
  auto& run = xss_run();
  std::string out;
  EXPECT_EQ(test::run_command(test::polysafe_binary() + " report rt-nosuchrun --run-dir " + run.run_dir, &out), 1)
      << out;
  EXPECT_NE(out.find("polysafe: error:"), std::string::npos) << out;
  test::ScratchDir empty("empty");
  out.clear();
  EXPECT_EQ(test::run_command(test::polysafe_binary() + " report --run-dir " + empty.path().string(), &out), 1) << out;
  EXPECT_NE(out.find("no run store here"), std::string::npos) << out;
}
