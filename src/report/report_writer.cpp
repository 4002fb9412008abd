#include "report/report_writer.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "eval/run_store.h"
#include "report/html_report.h"
#include "report/json_report.h"
#include "report/markdown_report.h"
#include "report/report_error.h"
#include "report/toxicity_render.h"

namespace polysafe::report {

namespace fs = std::filesystem;

std::string default_html_path(const std::string& run_dir, const std::string& run_id) {
  return (fs::path(run_dir) / run_id / "report.html").string();
}

std::string default_comparison_path(const std::string& run_dir, const std::string& run_a, const std::string& run_b) {
  return (fs::path(run_dir) / run_a / ("compare-" + run_b + ".html")).string();
}

void write_text_file(const std::string& path, const std::string& content) {
  const fs::path p(path);
  std::error_code ec;
  if (p.has_parent_path()) {
    fs::create_directories(p.parent_path(), ec);
    if (ec) throw ReportError(path + ": cannot create directory " + p.parent_path().string() + ": " + ec.message());
  }
  const std::string tmp = path + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw ReportError(path + ": cannot write");
    out.write(content.data(), std::streamsize(content.size()));
    out.close();
    if (!out) {
      fs::remove(tmp, ec);
      throw ReportError(path + ": write failed (disk full?)");
    }
  }
  fs::rename(tmp, p, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw ReportError(path + ": cannot move the report into place: " + ec.message());
  }
}

namespace {

// Each non-empty target, rendered only when it is written.
template <typename Html, typename Markdown, typename Json>
std::vector<std::string> write_targets(const ReportTargets& t, Html html, Markdown markdown, Json json) {
  std::vector<std::string> out;
  if (!t.html.empty()) {
    write_text_file(t.html, html());
    out.push_back(t.html);
  }
  if (!t.markdown.empty()) {
    write_text_file(t.markdown, markdown());
    out.push_back(t.markdown);
  }
  if (!t.json.empty()) {
    write_text_file(t.json, json().dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    out.push_back(t.json);
  }
  return out;
}

}  // namespace

std::vector<std::string> write_report(const ReportData& d, const ReportTargets& t) {
  return write_targets(
      t, [&] { return render_html(d); }, [&] { return render_markdown(d); }, [&] { return report_json(d); });
}

std::vector<std::string> write_comparison(const RunComparison& c, const ReportTargets& t) {
  return write_targets(
      t, [&] { return render_comparison_html(c); }, [&] { return render_comparison_markdown(c); },
      [&] { return comparison_json(c); });
}

std::vector<std::string> write_report(const ToxicityReport& r, const ReportTargets& t) {
  return write_targets(
      t, [&] { return render_toxicity_html(r); }, [&] { return render_toxicity_markdown(r); },
      [&] { return toxicity_report_json(r); });
}

std::vector<std::string> write_comparison(const ToxicityComparison& c, const ReportTargets& t) {
  return write_targets(
      t, [&] { return render_toxicity_comparison_html(c); }, [&] { return render_toxicity_comparison_markdown(c); },
      [&] { return toxicity_comparison_json(c); });
}

std::string write_run_report(const std::string& run_dir, const std::string& run_id, const ReportOptions& opts) {
  eval::RunStore store(run_dir);
  const std::string path = default_html_path(run_dir, run_id);
  if (is_toxicity_run(store, run_id))
    write_text_file(path, render_toxicity_html(gather_toxicity_report(store, run_id, opts)));
  else
    write_text_file(path, render_html(gather_report(store, run_id, opts)));
  return path;
}

}  // namespace polysafe::report
