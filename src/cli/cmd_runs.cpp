// `polysafe runs list|show|export`: what the run store holds. list: one line per
// run; show: a run's config, counts and per-language metrics; export: one
// record per answer (prompt, answer, every judgment, the combined verdict) as
// JSONL or CSV, the per-sample records other tools re-score from.
#include <fstream>
#include <optional>
#include <iostream>
#include <map>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/metrics_table.h"
#include "eval/redteam_run.h"
#include "eval/toxicity_run.h"
#include "eval/verdict.h"
#include "util/error.h"

namespace polysafe::cli {

namespace {

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::vector<nlohmann::json> export_records(const eval::RunStore& store, const std::string& id) {
  auto info = store.run(id);
  auto cfg = eval::config_from_json(info->config, "run " + id);
  std::map<std::string, data::SuiteItem> items;
  for (auto& it : store.items(id)) items.emplace(it.id, std::move(it));
  std::map<std::pair<std::string, int>, std::vector<eval::StoredJudgment>> judged;
  auto all = store.judgments(id);
  for (const auto& j : all) judged[{j.item_id, j.sample}].push_back(j);
  std::map<std::pair<std::string, int>, eval::SampleVerdict> verdicts;
  for (auto& v : eval::combine_judgments(all, eval::parse_ensemble_rule(cfg.ensemble)))
    verdicts[{v.item_id, v.sample}] = v;
  std::map<std::string, std::string> excluded;
  for (auto& [item, why] : store.excluded(id)) excluded[item] = why;
  std::vector<nlohmann::json> out;
  for (const auto& r : store.responses(id)) {
    const auto& it = items.at(r.item_id);
    nlohmann::json j = {{"run_id", id},           {"item_id", it.id},          {"parallel_id", it.parallel_id},
                        {"lang", it.lang},        {"categories", it.categories}, {"scope", it.scope},
                        {"benign", it.benign},    {"source", it.source},       {"prompt", it.prompt},
                        {"sample", r.sample},     {"answer", r.text},          {"finish_reason", r.finish_reason},
                        {"latency_s", r.latency_s}, {"attempts", r.attempts},
                        // How the answer's bytes became valid UTF-8: a cut-off last
                        // character dropped, ill-formed bytes the model wrote (U+FFFD).
                        {"utf8_dropped_bytes", r.utf8.dropped_tail_bytes},
                        {"utf8_invalid_sequences", r.utf8.invalid_sequences}};
    if (excluded.count(it.id)) j["excluded"] = excluded[it.id];
    nlohmann::json js = nlohmann::json::object();
    for (const auto& jd : judged[{r.item_id, r.sample}]) {
      js[jd.judge] = {{"version", jd.judge_version}, {"label", jd.label}, {"category", jd.category},
                      {"evidence", jd.evidence}};
      js[jd.judge]["harmful"] = jd.harmful ? nlohmann::json(*jd.harmful) : nlohmann::json(nullptr);
      js[jd.judge]["score"] = jd.score ? nlohmann::json(*jd.score) : nlohmann::json(nullptr);
    }
    j["judgments"] = js;
    if (auto v = verdicts.find({r.item_id, r.sample}); v != verdicts.end())
      j["verdict"] = eval::to_json(v->second);
    out.push_back(std::move(j));
  }
  return out;
}

void write_csv(std::ostream& out, const std::vector<nlohmann::json>& recs) {
  std::vector<std::string> judges;
  for (const auto& r : recs)
    for (auto it = r["judgments"].begin(); it != r["judgments"].end(); ++it)
      if (std::find(judges.begin(), judges.end(), it.key()) == judges.end()) judges.push_back(it.key());
  out << "run_id,item_id,parallel_id,lang,categories,scope,benign,prompt,sample,answer,finish_reason,utf8_dropped_bytes,"
         "utf8_invalid_sequences,refused,invalid,harmful,outcome";
  for (const auto& j : judges) out << "," << csv_field(j + ".label") << "," << csv_field(j + ".score");
  out << "\n";
  auto str = [](const nlohmann::json& v) { return v.is_null() ? std::string() : v.is_string() ? v.get<std::string>() : v.dump(); };
  for (const auto& r : recs) {
    std::string cats;
    for (const auto& c : r["categories"]) cats += (cats.empty() ? "" : ";") + c.get<std::string>();
    out << csv_field(str(r["run_id"])) << "," << csv_field(str(r["item_id"])) << "," << csv_field(str(r["parallel_id"]))
        << "," << str(r["lang"]) << "," << csv_field(cats) << "," << str(r["scope"]) << "," << str(r["benign"]) << ","
        << csv_field(str(r["prompt"])) << "," << str(r["sample"]) << "," << csv_field(str(r["answer"])) << ","
        << str(r["finish_reason"]) << "," << str(r["utf8_dropped_bytes"]) << "," << str(r["utf8_invalid_sequences"]);
    if (r.contains("verdict"))
      out << "," << str(r["verdict"]["refused"]) << "," << str(r["verdict"]["invalid"]) << ","
          << str(r["verdict"]["harmful"]) << "," << str(r["verdict"]["outcome"]);
    else
      out << ",,,,";
    for (const auto& j : judges) {
      if (r["judgments"].contains(j))
        out << "," << csv_field(str(r["judgments"][j]["label"])) << "," << str(r["judgments"][j]["score"]);
      else
        out << ",,";
    }
    out << "\n";
  }
}

}  // namespace

std::function<int()> setup_runs(CLI::App& app) {
  auto* cmd = app.add_subcommand("runs", "List, show and export stored evaluation runs");
  cmd->require_subcommand(1);
  struct Opts {
    std::string run_dir = "polysafe-runs", run = "latest", format = "jsonl", out;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* list = cmd->add_subcommand("list", "One line per run");
  auto* show = cmd->add_subcommand("show", "A run's config, counts and per-language metrics");
  auto* exp = cmd->add_subcommand("export", "One record per answer, with judgments and verdict");
  for (auto* sub : {list, show, exp}) sub->add_option("--run-dir", o->run_dir, "Run store directory (default polysafe-runs)");
  for (auto* sub : {show, exp}) sub->add_option("run", o->run, "Run id, a unique prefix of one, or 'latest' (default)");
  show->add_flag("--json", o->json, "Print the run (config, counts, metrics) as JSON");
  exp->add_option("--format", o->format, "jsonl or csv")->check(CLI::IsMember({"jsonl", "csv"}));
  exp->add_option("--out", o->out, "Output file (default: stdout)");
  return [o, list, show, exp]() -> int {
    if (!std::filesystem::exists(std::filesystem::path(o->run_dir) / "runs.sqlite"))
      throw Error(o->run_dir + ": no run store here (runs.sqlite is missing); pass --run-dir");
    eval::RunStore store(o->run_dir);
    if (list->parsed()) {
      auto runs = store.runs();
      std::printf("%-16s %-10s %-24s %7s %8s %6s  %s\n", "run", "status", "created", "items", "answered", "errors",
                  "model / suite");
      for (const auto& r : runs)
        std::printf("%-16s %-10s %-24s %7zu %8zu %6zu  %s / %s\n", r.run_id.c_str(), r.status.c_str(),
                    r.created_at.c_str(), r.items, r.answered, r.errors, r.model.c_str(), r.suite.c_str());
      if (runs.empty()) std::printf("(no runs)\n");
      return kExitOk;
    }
    const std::string id = store.resolve_run_id(o->run);
    if (show->parsed()) {
      auto r = *store.run(id);
      const bool toxicity = r.kind == "toxicity";
      std::optional<eval::RedteamMetrics> rm;
      std::optional<eval::ToxicityMetrics> tm;
      if (toxicity)
        tm = eval::toxicity_run_metrics(store, id);
      else
        rm = eval::run_metrics(store, id);
      if (o->json) {
        nlohmann::json j = {{"run_id", r.run_id}, {"kind", r.kind}, {"status", r.status},
                            {"created_at", r.created_at}, {"updated_at", r.updated_at}, {"items", r.items},
                            {"answered", r.answered}, {"errors", r.errors}, {"config", r.config},
                            {"metrics", toxicity ? eval::to_json(*tm) : rm->to_json()},
                            {"excluded", store.excluded(id).size()}};
        std::cout << j.dump(2) << "\n";
        return kExitOk;
      }
      std::cout << r.kind << " run " << r.run_id << " (" << r.status << "), created " << r.created_at << "\n"
                << "model " << r.model << ", " << (toxicity ? "prompts " : "suite ") << r.suite << "\n"
                << r.items << " items, " << r.answered << " answered, " << r.errors << " request errors, "
                << store.excluded(id).size() << " excluded (lost in translation)\n\n";
      if (toxicity)
        print_toxicity_table(std::cout, *tm);
      else
        print_metrics_table(std::cout, *rm);
      return kExitOk;
    }
    auto recs = export_records(store, id);
    std::ofstream file;
    if (!o->out.empty()) {
      file.open(o->out, std::ios::binary);
      if (!file) throw Error(o->out + ": cannot write");
    }
    std::ostream& out = o->out.empty() ? std::cout : file;
    if (o->format == "csv")
      write_csv(out, recs);
    else
      for (const auto& r : recs) out << r.dump() << "\n";
    if (!o->out.empty()) std::cerr << "polysafe: wrote " << recs.size() << " records to " << o->out << "\n";
    return kExitOk;
  };
}

}  // namespace polysafe::cli
