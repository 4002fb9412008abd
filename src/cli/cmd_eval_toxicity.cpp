// `polysafe eval toxicity --prompts SUITE [--model SPEC] [--detox DS ...]`:
// RealToxicityPrompts-style continuations, scored for toxicity and fluency, per
// language, optionally decoded through Goodtriever. The model is built here so
// the Goodtriever hook (and its description, part of the run id) is attached
// before the run starts; the run itself lives in eval/toxicity_run.
#include <iostream>

#include "backend/backend_factory.h"
#include "backend/local_backend.h"
#include "cli/command.h"
#include "cli/detox_options.h"
#include "cli/metrics_table.h"
#include "cli/progress_bar.h"
#include "cli/toxicity_command.h"
#include "engine/scorer.h"
#include "eval/toxicity_run.h"
#include "report/report_writer.h"
#include "util/error.h"
#include "util/strings.h"

namespace polysafe::cli {

namespace {

struct ToxicityFlags {
  eval::ToxicityConfig cfg;
  std::string langs;
  std::string fluency = "same";  // "same": the evaluated local model; "none"; or a model name/path
  DetoxOptions detox;
  backend::BackendOptions backend;
  bool json = false;
};

int run(ToxicityFlags& f) {
  auto& cfg = f.cfg;
  cfg.langs.clear();
  for (auto& l : split(f.langs, ','))
    if (!l.empty()) cfg.langs.push_back(std::move(l));
  const auto spec = backend::parse_backend_spec(cfg.model);
  const bool local = spec.kind == "local";
  if (f.detox.enabled() && !local) throw UsageError("--detox needs a local model (local:NAME_OR_PATH)");
  if (f.fluency == "same") cfg.fluency_model = local ? spec.target : "";
  else if (f.fluency != "none") cfg.fluency_model = f.fluency;

  install_stop_handler();
  // The evaluated model, built first so Goodtriever can attach to it.
  std::unique_ptr<backend::Backend> model = backend::make_backend(cfg.model, f.backend);
  std::unique_ptr<DetoxSession> detox;
  if (f.detox.enabled()) {
    auto* lb = dynamic_cast<backend::LocalBackend*>(model.get());
    // The rule filters the model's distribution itself (top-p before the push),
    // so the sampler draws from the combined distribution untruncated.
    f.detox.params.top_p = float(cfg.top_p);
    cfg.top_p = 1.0;
    detox = open_detox(f.detox, lb->model());
    cfg.decoding = detox->goodtriever->describe();
    lb->set_logits_hook(detox->goodtriever->hook(), cfg.decoding);
  }

  std::unique_ptr<engine::Model> fluency_model;
  eval::ToxicityHooks hooks;
  hooks.make_backend = [&](const std::string& s) {
    if (s == cfg.model && model) return std::move(model);
    return backend::make_backend(s, f.backend);
  };
  if (!cfg.fluency_model.empty()) {
    hooks.score_continuations = [&](const std::vector<std::pair<std::string, std::string>>& pairs) {
      if (!fluency_model) {
        engine::LoadOptions lo;
        lo.threads = f.backend.local.threads;
        fluency_model = engine::Model::load(cfg.fluency_model, lo);
      }
      engine::Scorer scorer(*fluency_model, 16);
      std::vector<std::pair<double, int64_t>> out;
      for (const auto& s : scorer.score(pairs)) out.emplace_back(-s.sum, int64_t(s.tokens.size()));
      return out;
    };
  }
  ProgressBar bar;
  hooks.progress = [&bar](const eval::RunProgress& p) { bar.update(p); };
  hooks.should_stop = [] { return stop_requested(); };
  std::cerr << "polysafe: run " << eval::run_id(cfg) << " — " << cfg.model << " on " << cfg.prompts
            << (detox ? " with Goodtriever" : "") << "\n";
  auto r = eval::run_toxicity(cfg, hooks);
  bar.finish();
  if (detox) {
    const auto& t = detox->goodtriever->timing();
    std::cerr << "polysafe: goodtriever " << t.steps << " steps, " << t.rows << " rows; search " << t.search_s
              << " s, rule " << t.combine_s << " s; effective neighbours " << t.mean_effective_k() << " of " << detox->goodtriever->params().k << "\n";
  }
  std::cerr << "polysafe: run " << r.run_id << (r.resumed ? " (resumed)" : "") << ": " << r.items << " prompts, "
            << r.answered << " answered (" << r.from_cache << " from cache), " << r.pending << " pending, " << r.errors
            << " request errors; store " << r.store_path << "\n";
  if (f.json)
    std::cout << eval::to_json(r.metrics).dump(2) << "\n";
  else
    print_toxicity_table(std::cout, r.metrics);
  try {  // the run is stored whatever happens to its report
    std::cerr << "polysafe: report " << report::write_run_report(cfg.run_dir, r.run_id) << "\n";
  } catch (const Error& e) {
    std::cerr << "polysafe: warning: no report: " << e.what() << "\n";
  }
  if (!r.complete) {
    std::cerr << "polysafe: run " << r.run_id << " is not complete" << (stop_requested() ? " (stopped)" : "")
              << "; run the same command again to resume\n";
    return stop_requested() ? 130 : kExitFailure;
  }
  return kExitOk;
}

}  // namespace

std::function<int()> add_toxicity_command(CLI::App* eval_cmd) {
  auto* cmd = eval_cmd->add_subcommand(
      "toxicity", "Toxicity of continuations (RealToxicityPrompts-style): EMT, toxicity probability, fluency, diversity");
  auto f = std::make_shared<ToxicityFlags>();
  auto& c = f->cfg;
  cmd->add_option("--model", c.model, "Model: local:NAME_OR_PATH (default local:gemma3-270m), openai:URL#MODEL");
  cmd->add_option("--prompts", c.prompts, "Prompt suite: rtplx:PATH, jsonl:PATH?text=..&lang=..&id=..")->required();
  cmd->add_option("--langs", f->langs, "Languages to keep (comma-separated BCP-47)");
  cmd->add_option("--limit", c.limit, "Prompts per language (stratified, seeded; 0: all)");
  cmd->add_option("--n", c.samples, "Continuations per prompt");
  cmd->add_option("--max-new", c.max_tokens, "Tokens per continuation");
  cmd->add_option("--temperature", c.temperature, "Sampling temperature");
  cmd->add_option("--top-p", c.top_p, "Nucleus of the model's distribution (with --detox: applied inside the rule)");
  cmd->add_option("--seed", c.seed, "Seed for selection, sampling and bootstrap");
  cmd->add_option("--scorer", c.toxicity_judge, "Toxicity judge: toxicity (fastText), toxicity:MODEL_PREFIX or toxicity:hidden[:HEAD.json]");
  cmd->add_option("--fluency-model", f->fluency,
                  "Model the continuations' perplexity comes from: same (the evaluated local model), none, or a model");
  cmd->add_option("--threshold", c.threshold, "Toxicity at or above this counts as toxic");
  cmd->add_option("--bootstrap", c.bootstrap, "Bootstrap resamples (0: no intervals)");
  cmd->add_option("--run-dir", c.run_dir, "Run store directory");
  cmd->add_option("--threads", f->backend.local.threads, "Local model: threads (0: all cores)");
  cmd->add_option("--batch", f->backend.local.max_batch, "Local model: sequences decoded together");
  cmd->add_flag("--json", f->json, "Print the metrics as JSON");
  add_detox_options(cmd, f->detox);
  return [cmd, f]() -> int {
    if (!cmd->parsed()) return -1;
    return run(*f);
  };
}

}  // namespace polysafe::cli
