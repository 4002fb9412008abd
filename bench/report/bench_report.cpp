// How long a report of a large run takes, and how big it gets: a synthetic
// red-teaming run (default 50 languages x 10,000 items, one answer and one
// refusal-judge verdict each, 10 harm categories, global and local prompts,
// 10% benign controls, parallel across languages) goes through build_report
// (verdicts, per-item outcomes, examples, findings) and the HTML, Markdown and
// JSON renderers. Metrics are computed once beforehand with a small bootstrap
// (their cost belongs to eval/, not to rendering). Issue 6 asks for the HTML
// in under 2 s.
// Usage: bench_report [--langs 50] [--items 10000] [--bootstrap 20] [--repeat 3] [--out report.html]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include "eval/redteam_metrics.h"
#include "eval/run_config.h"
#include "eval/verdict.h"
#include "report/html_report.h"
#include "report/json_report.h"
#include "report/markdown_report.h"
#include "report/report_data.h"
#include "report/report_writer.h"
#include "report/resource_class.h"

using namespace polysafe;

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

template <class F>
double best_seconds(int repeat, F&& f) {
  double best = 1e30;
  for (int r = 0; r < repeat; ++r) {
    auto t0 = Clock::now();
    f();
    best = std::min(best, since(t0));
  }
  return best;
}

const char* kSnippets[] = {
    "Here is how you could do it: first, ", "I'm sorry, but I can't help with that.", "\xD9\x84\xD8\xA7 \xD9\x8A\xD9\x85\xD9\x83\xD9\x86\xD9\x86\xD9\x8A \xD8\xA7\xD9\x84\xD9\x85\xD8\xB3\xD8\xA7\xD8\xB9\xD8\xAF\xD8\xA9",
    "\xE0\xA4\xAE\xE0\xA5\x88\xE0\xA4\x82 \xE0\xA4\xAE\xE0\xA4\xA6\xE0\xA4\xA6 \xE0\xA4\xA8\xE0\xA4\xB9\xE0\xA5\x80\xE0\xA4\x82 \xE0\xA4\x95\xE0\xA4\xB0 \xE0\xA4\xB8\xE0\xA4\x95\xE0\xA4\xA4\xE0\xA4\xBE",
    "<script>alert(1)</script> step 1: ",
};

}  // namespace

int main(int argc, char** argv) {
  size_t langs = 50, per_lang = 10000;
  int bootstrap = 20, repeat = 3;
  std::string out;
  for (int i = 1; i < argc; ++i) {
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_report: %s needs a value\n", argv[i]);
        std::exit(2);
      }
      return argv[++i];
    };
    if (!std::strcmp(argv[i], "--langs")) langs = std::strtoul(next(), nullptr, 10);
    else if (!std::strcmp(argv[i], "--items")) per_lang = std::strtoul(next(), nullptr, 10);
    else if (!std::strcmp(argv[i], "--bootstrap")) bootstrap = std::atoi(next());
    else if (!std::strcmp(argv[i], "--repeat")) repeat = std::atoi(next());
    else if (!std::strcmp(argv[i], "--out")) out = next();
    else {
      std::fprintf(stderr, "usage: bench_report [--langs N] [--items N] [--bootstrap B] [--repeat R] [--out FILE]\n");
      return 2;
    }
  }
  auto codes = report::classified_languages();
  codes.erase(std::remove(codes.begin(), codes.end(), "en"), codes.end());
  codes.insert(codes.begin(), "en");
  if (langs > codes.size()) langs = codes.size();
  codes.resize(langs);
  const std::vector<std::string> cats = {"violence",     "self_harm", "hate",       "sexual",     "illegal_drugs",
                                         "weapons",      "fraud",     "extremism",  "privacy",    "misinformation"};

  auto t0 = Clock::now();
  report::RunSnapshot run;
  eval::RedteamConfig cfg;
  cfg.model = "openai:http://127.0.0.1:1/v1#synthetic";
  cfg.suite = "synthetic";
  cfg.judges = {"refusal"};
  cfg.bootstrap = bootstrap;
  run.info.run_id = "rt-synthetic";
  run.info.kind = "redteam";
  run.info.status = "complete";
  run.info.created_at = run.info.updated_at = "2025-01-01T00:00:00Z";
  run.info.model = cfg.model;
  run.info.suite = cfg.suite;
  run.info.config = eval::to_json(cfg);
  std::mt19937_64 rng(42);
  run.items.reserve(langs * per_lang);
  run.responses.reserve(langs * per_lang);
  run.judgments.reserve(langs * per_lang);
  for (size_t l = 0; l < langs; ++l) {
    // Harm probability rises with the language index: a gap to see in the charts.
    const double p_harm = 0.05 + 0.5 * double(l) / double(langs);
    for (size_t k = 0; k < per_lang; ++k) {
      data::SuiteItem it;
      it.parallel_id = "s/" + std::to_string(k);
      it.id = it.parallel_id + "/" + codes[l];
      it.lang = codes[l];
      it.prompt = "Synthetic prompt " + std::to_string(k) + " " + kSnippets[(k + l) % 5];
      it.categories = {cats[k % cats.size()]};
      it.scope = k % 4 == 0 ? "local" : "global";
      it.benign = k % 10 == 9;
      it.source = "synthetic";
      eval::StoredResponse r;
      r.item_id = it.id;
      r.text = std::string(kSnippets[(k * 7 + l) % 5]) + " answer " + std::to_string(k);
      r.finish_reason = "stop";
      eval::StoredJudgment j;
      j.item_id = it.id;
      j.judge = "refusal";
      j.judge_version = "polysafe-refusal-1";
      const double u = std::uniform_real_distribution<double>(0, 1)(rng);
      const bool invalid = u > 0.97;
      const bool comply = !invalid && u < p_harm;
      j.label = invalid ? "invalid" : comply ? "compliance" : "refusal";
      j.harmful = !it.benign && comply;
      j.score = 0.9;
      run.items.push_back(std::move(it));
      run.responses.push_back(std::move(r));
      run.judgments.push_back(std::move(j));
    }
  }
  const double gen_s = since(t0);
  t0 = Clock::now();
  eval::MetricsOptions mo;
  mo.bootstrap.resamples = bootstrap;
  run.metrics = eval::compute_redteam_metrics(
      run.items, eval::combine_judgments(run.judgments, eval::EnsembleRule::AnyUnsafe), mo);
  const double metrics_s = since(t0);

  report::ReportData data;
  std::string html, md, js;
  const double build_s = best_seconds(repeat, [&] { data = report::build_report(run); });
  const double html_s = best_seconds(repeat, [&] { html = report::render_html(data); });
  const double md_s = best_seconds(repeat, [&] { md = report::render_markdown(data); });
  const double json_s = best_seconds(repeat, [&] { js = report::report_json(data).dump(2); });
  if (!out.empty()) report::write_text_file(out, html);

  std::printf("synthetic run: %zu languages x %zu items = %zu items (setup %.2f s, metrics with B=%d %.2f s)\n", langs,
              per_lang, run.items.size(), gen_s, bootstrap, metrics_s);
  std::printf("build_report    %8.3f s  (best of %d)\n", build_s, repeat);
  std::printf("render_html     %8.3f s  %10zu bytes (%.1f KiB)\n", html_s, html.size(), html.size() / 1024.0);
  std::printf("render_markdown %8.3f s  %10zu bytes\n", md_s, md.size());
  std::printf("report_json     %8.3f s  %10zu bytes\n", json_s, js.size());
  std::printf("build + html    %8.3f s  (target < 2 s)\n", build_s + html_s);
  return 0;
}
