// `polysafe report RUN [RUN_B]`: a run's language coverage report — HTML (by
// default at RUN_DIR/<run>/report.html), and on request the model-card
// Markdown section and the JSON (schema polysafe.report/1, or
// polysafe.toxicity-report/1 for a toxicity run). With two runs, the comparison
// of B against A (before/after); both must be of one kind. Prints the paths it wrote.
#include <filesystem>
#include <iostream>

#include "cli/command.h"
#include "eval/run_store.h"
#include "report/report_data.h"
#include "report/report_writer.h"
#include "report/run_comparison.h"
#include "report/toxicity_report.h"
#include "util/error.h"

namespace polysafe::cli {

std::function<int()> setup_report(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "report",
      "Report of a run, red-teaming or toxicity (HTML, model-card Markdown, JSON); with RUN_B, the comparison");
  struct Opts {
    std::string run = "latest", run_b, run_dir = "polysafe-runs", run_dir_b, html, md, json;
    size_t examples = 3;
    int bootstrap = 0;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("run", o->run, "Run id, a unique prefix of one, or 'latest' (default)");
  cmd->add_option("run_b", o->run_b, "Second run: report B against RUN (the before/after view)");
  cmd->add_option("--run-dir", o->run_dir, "Run store directory (default polysafe-runs)");
  cmd->add_option("--run-dir-b", o->run_dir_b, "Run store of RUN_B (default: --run-dir)");
  cmd->add_option("--html", o->html, "HTML output (default RUN_DIR/<run>/report.html, or compare-<run_b>.html)");
  cmd->add_option("--md", o->md, "Model-card Markdown section output");
  cmd->add_option("--json", o->json, "JSON output (schema polysafe.report/1, or polysafe.toxicity-report/1)");
  cmd->add_option("--examples", o->examples,
                  "Worst items (toxicity: most toxic continuations) shown per language (default 3)");
  cmd->add_option("--bootstrap", o->bootstrap, "Comparison: bootstrap resamples (default: the runs' own setting)");
  return [o]() -> int {
    auto open = [](const std::string& dir) {
      if (!std::filesystem::exists(std::filesystem::path(dir) / "runs.sqlite"))
        throw Error(dir + ": no run store here (runs.sqlite is missing); pass --run-dir");
      return std::make_unique<eval::RunStore>(dir);
    };
    auto store = open(o->run_dir);
    const std::string id = store->resolve_run_id(o->run);
    report::ReportOptions ropts;
    ropts.examples_per_lang = o->examples;
    report::ReportTargets t{o->html, o->md, o->json};
    std::vector<std::string> paths;
    if (o->run_b.empty()) {
      if (t.html.empty()) t.html = report::default_html_path(o->run_dir, id);
      if (report::is_toxicity_run(*store, id))
        paths = report::write_report(report::gather_toxicity_report(*store, id, ropts), t);
      else
        paths = report::write_report(report::gather_report(*store, id, ropts), t);
    } else {
      const std::string dir_b = o->run_dir_b.empty() ? o->run_dir : o->run_dir_b;
      std::unique_ptr<eval::RunStore> other;
      const eval::RunStore* store_b = store.get();
      if (dir_b != o->run_dir) {
        other = open(dir_b);
        store_b = other.get();
      }
      const std::string id_b = store_b->resolve_run_id(o->run_b);
      if (t.html.empty()) t.html = report::default_comparison_path(o->run_dir, id, id_b);
      // Either run a toxicity run: the toxicity comparison, which refuses a red-teaming run as the other.
      if (report::is_toxicity_run(*store, id) || report::is_toxicity_run(*store_b, id_b)) {
        report::ToxicityComparisonOptions copts;
        copts.resamples = o->bootstrap;
        paths = report::write_comparison(report::compare_toxicity_runs(*store, id, *store_b, id_b, copts, ropts), t);
      } else {
        report::ComparisonOptions copts;
        copts.bootstrap.resamples = o->bootstrap;
        auto c = report::compare_runs(report::load_run(*store, id), report::load_run(*store_b, id_b), copts, ropts);
        paths = report::write_comparison(c, t);
      }
    }
    for (const auto& p : paths) std::cout << p << "\n";
    return kExitOk;
  };
}

}  // namespace polysafe::cli
