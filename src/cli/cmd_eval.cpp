// `polysafe eval [redteam ...]`: the main job. With no arguments it runs the
// built-in multilingual red-teaming suite on the default local model with the
// default judges and prints the per-language summary; `eval redteam` takes
// every setting as a flag or from a YAML/JSON run config (flags win); `eval
// toxicity` lives in cmd_eval_toxicity.cpp. Re-running the same command resumes
// the same run from the run store.
#include <iostream>

#include <nlohmann/json.hpp>

#include "backend/backend_factory.h"
#include "cli/command.h"
#include "cli/metrics_table.h"
#include "cli/progress_bar.h"
#include "cli/toxicity_command.h"
#include "data/suite_loader.h"
#include "eval/redteam_run.h"
#include "report/report_writer.h"
#include "util/strings.h"

namespace polysafe::cli {

namespace {

struct EvalFlags {
  std::string config_file;
  nlohmann::json overrides = nlohmann::json::object();
  bool json = false;
};

// "a,b" "c" -> a, b, c (flags may repeat and hold comma-separated lists).
std::vector<std::string> split_list(const std::vector<std::string>& v) {
  std::vector<std::string> out;
  for (const auto& s : v)
    for (auto& part : split(s, ','))
      if (!part.empty()) out.push_back(std::move(part));
  return out;
}

void add_redteam_flags(CLI::App* cmd, EvalFlags& f) {
  cmd->add_option("--config", f.config_file, "Run config file (.yaml/.yml/.json); flags override it");
  auto str = [&](const std::string& name, const std::string& key, const std::string& help) {
    cmd->add_option_function<std::string>(name, [&f, key](const std::string& v) { f.overrides[key] = v; }, help);
  };
  auto list = [&](const std::string& name, const std::string& key, const std::string& help) {
    cmd->add_option_function<std::vector<std::string>>(
        name, [&f, key](const std::vector<std::string>& v) { f.overrides[key] = split_list(v); }, help);
  };
  auto num = [&](const std::string& name, const std::string& key, const std::string& help) {
    cmd->add_option_function<double>(name, [&f, key](const double& v) { f.overrides[key] = v; }, help);
  };
  auto integer = [&](const std::string& name, const std::string& key, const std::string& help) {
    cmd->add_option_function<int64_t>(name, [&f, key](const int64_t& v) { f.overrides[key] = v; }, help);
  };
  auto http = [&](const std::string& name, const std::string& key, const std::string& help, bool is_int) {
    if (is_int)
      cmd->add_option_function<int64_t>(name, [&f, key](const int64_t& v) { f.overrides["http"][key] = v; }, help);
    else
      cmd->add_option_function<double>(name, [&f, key](const double& v) { f.overrides["http"][key] = v; }, help);
  };
  str("--model", "model", "Model: local:NAME_OR_PATH, openai:URL#MODEL or cohere:MODEL");
  str("--suite", "suite", "Suite: builtin:redteam, xsafety:DIR, multijail:CSV, aya:JSONL, dna:CSV, rtplx:PATH, polyrefuse:DIR[?split=val|train|test], jsonl:PATH?text=..&lang=..");
  list("--langs", "langs", "Languages to keep (comma-separated BCP-47)");
  list("--categories", "categories", "Harm categories to keep (comma-separated)");
  integer("--limit", "limit", "Items per language, stratified by category (0: all)");
  integer("--samples", "samples", "Answers per prompt (attack success at k; needs --temperature > 0)");
  list("--judge", "judges", "Judge (repeatable): refusal, toxicity[:MODEL], toxicity:hidden[:HEAD.json], llm:MODEL_SPEC");
  str("--ensemble", "ensemble", "How judges' harm votes combine: any-unsafe (default) or majority");
  num("--temperature", "temperature", "Sampling temperature (0: greedy)");
  num("--top-p", "top_p", "Nucleus sampling threshold");
  integer("--max-tokens", "max_tokens", "Maximum tokens per answer");
  integer("--seed", "seed", "Seed for selection, sampling and bootstrap");
  str("--system-prompt", "system_prompt", "System message sent before every prompt");
  str("--reference-lang", "reference_lang", "Language the gaps are measured against (default en)");
  integer("--bootstrap", "bootstrap", "Bootstrap resamples for the confidence intervals (0: none)");
  list("--translate-to", "translate_to", "Translation attack: translate the source-language items into these languages");
  str("--translator", "translator", "Model spec that translates (default: the evaluated model)");
  str("--translate-from", "translate_from", "Source language of the translation attack (default en)");
  str("--intent-judge", "intent_judge", "Translation attack: model spec asked whether each translation keeps the intent");
  integer("--translate-max-tokens", "translate_max_tokens", "Tokens per translation and back-translation");
  num("--min-back-similarity", "min_back_similarity", "Translation fidelity: least char-trigram cosine of source and back-translation");
  str("--run-dir", "run_dir", "Run store directory (default polysafe-runs)");
  http("--concurrency", "concurrency", "HTTP backends: simultaneous requests", true);
  http("--max-retries", "max_retries", "HTTP backends: retries per request", true);
  http("--timeout", "timeout_s", "HTTP backends: seconds per request", false);
  http("--rate-limit", "rate_limit_rps", "HTTP backends: requests per second (0: unlimited)", false);
  cmd->add_option_function<std::string>(
      "--api-key-env", [&f](const std::string& v) { f.overrides["http"]["api_key_env"] = v; },
      "HTTP backends: name of the environment variable holding the API key");
  cmd->add_option_function<std::string>(
      "--base-url", [&f](const std::string& v) { f.overrides["http"]["base_url"] = v; },
      "Cohere backend: API base URL");
  cmd->add_flag_function("--completions", [&f](int64_t) { f.overrides["http"]["chat"] = false; },
                         "OpenAI-compatible backend: use /completions instead of /chat/completions");
  cmd->add_flag_function("--no-benign", [&f](int64_t) { f.overrides["include_benign"] = false; },
                         "Leave out the benign control prompts");
  cmd->add_option_function<int64_t>(
      "--threads", [&f](const int64_t& v) { f.overrides["local"]["threads"] = v; }, "Local backend: threads");
  cmd->add_option_function<std::string>(
      "--dtype", [&f](const std::string& v) { f.overrides["local"]["dtype"] = v; }, "Local backend: f32 or bf16");
  cmd->add_option_function<int64_t>(
      "--batch", [&f](const int64_t& v) { f.overrides["local"]["max_batch"] = v; },
      "Local backend: sequences decoded together");
  cmd->add_flag("--json", f.json, "Print the metrics as JSON instead of the table");
}

// What the suite's loader read only in part (a cell left empty, a column
// ignored), first kShown then a count. Loading here also fails a bad suite
// before the model loads; run_redteam reads it again for its items.
void print_suite_warnings(const std::string& spec) {
  constexpr size_t kShown = 10;
  const auto warnings = data::load_suite(spec).warnings;
  for (size_t i = 0; i < warnings.size() && i < kShown; ++i) std::cerr << "polysafe: warning: " << warnings[i] << "\n";
  if (warnings.size() > kShown)
    std::cerr << "polysafe: warning: ... and " << warnings.size() - kShown << " more (" << warnings.size() << " in all) in "
              << spec << "\n";
}

int run_eval(const EvalFlags& f) {
  eval::RedteamConfig cfg;
  if (!f.config_file.empty()) cfg = eval::load_config_file(f.config_file, cfg);
  cfg = eval::config_from_json(f.overrides, "command line", cfg);
  install_stop_handler();
  ProgressBar bar;
  backend::BackendOptions bopts = cfg.backend;
  eval::RunHooks hooks;
  hooks.make_backend = [bopts](const std::string& spec) { return backend::make_backend(spec, bopts); };
  hooks.progress = [&bar](const eval::RunProgress& p) { bar.update(p); };
  hooks.should_stop = [] { return stop_requested(); };
  std::cerr << "polysafe: run " << eval::run_id(cfg) << " — " << cfg.model << " on " << cfg.suite << "\n";
  print_suite_warnings(cfg.suite);
  auto r = eval::run_redteam(cfg, hooks);
  bar.finish();
  std::cerr << "polysafe: run " << r.run_id << (r.resumed ? " (resumed)" : "") << ": " << r.items << " items, "
            << r.answered << " answered (" << r.from_cache << " from cache), " << r.pending << " pending, "
            << r.errors << " request errors, " << r.lost_in_translation << " lost in translation\n";
  std::cerr << "polysafe: store " << r.store_path << "\n";
  if (f.json)
    std::cout << r.metrics.to_json().dump(2) << "\n";
  else
    print_metrics_table(std::cout, r.metrics);
  std::cerr << "polysafe: report " << report::write_run_report(cfg.run_dir, r.run_id) << "\n";
  if (!r.complete) {
    std::cerr << "polysafe: run " << r.run_id << " is not complete"
              << (stop_requested() ? " (stopped)" : "") << "; run the same command again to resume\n";
    return stop_requested() ? 130 : kExitFailure;
  }
  return kExitOk;
}

}  // namespace

std::function<int()> setup_eval(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "eval", "Evaluate a model's safety across languages (no arguments: built-in suite on " + std::string(kDefaultModel) + ")");
  auto* red = cmd->add_subcommand("redteam", "Multilingual red-teaming: answers, judges, metrics with confidence intervals");
  auto base = std::make_shared<EvalFlags>();
  auto flags = std::make_shared<EvalFlags>();
  base->overrides = nlohmann::json::object();
  cmd->add_option_function<std::string>(
      "--run-dir", [base](const std::string& v) { base->overrides["run_dir"] = v; }, "Run store directory");
  cmd->add_flag("--json", base->json, "Print the metrics as JSON");
  add_redteam_flags(red, *flags);
  auto toxicity = add_toxicity_command(cmd);
  return [cmd, red, base, flags, toxicity] {
    if (red->parsed()) return run_eval(*flags);
    if (int rc = toxicity(); rc >= 0) return rc;
    return run_eval(*base);
  };
}

}  // namespace polysafe::cli
