// `polysafe judge refusal (--prompt P --answer A | --file F.jsonl) [--lang L] [--json]`:
// label answers as refusal / compliance / invalid with the rule-based refusal judge.
// `polysafe judge verdict (--prompt P --answer A [--lang L] [--benign] | --file F.jsonl)
// [--judge J]... [--ensemble R] [--json]`: the verdict eval stores (harmful /
// refused / invalid / ok), through the same judges and combination, with every
// judge's evidence.
// `polysafe judge validate --judge refusal|verdict --labels FILE.jsonl [--by lang] [--bootstrap 1000]
// [--seed 0] [--json]`: agreement of the judge with gold labels (accuracy, per-class
// P/R/F1, Cohen's kappa, bootstrap CIs), overall and per group.
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "backend/backend_factory.h"
#include "cli/command.h"
#include "data/suite_item.h"
#include "eval/answer_judge.h"
#include "eval/run_config.h"
#include "eval/verdict.h"
#include "judge/agreement.h"
#include "lang/language_id.h"
#include "judge/refusal_items.h"
#include "judge/refusal_judge.h"
#include "util/error.h"
#include "util/strings.h"
#include "util/utf8.h"

namespace polysafe::cli {

namespace {

using judge::RefusalLabel;

struct LidOpts {
  std::string model;
  bool none = false;
};

void add_lid_options(CLI::App* cmd, LidOpts& o) {
  cmd->add_option("--lid-model", o.model, "fastText lid.176 model (default: POLYSAFE_LID_MODEL or the setup cache)");
  cmd->add_flag("--no-lid", o.none, "Judge without language ID (language check by script only)");
}

std::unique_ptr<lang::LanguageId> load_lid(const LidOpts& o) {
  if (o.none) return nullptr;
  return std::make_unique<lang::LanguageId>(o.model.empty() ? lang::LanguageId::default_model_path() : o.model);
}

nlohmann::json verdict_json(const judge::RefusalVerdict& v) {
  return {{"label", judge::refusal_label_name(v.label)},
          {"confidence", std::round(v.confidence * 1000) / 1000},
          {"evidence", v.evidence}};
}

std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

std::string num(double v, int prec = 3) {
  if (std::isnan(v)) return "n/a";
  std::ostringstream s;
  s << std::fixed << std::setprecision(prec) << v;
  return s.str();
}

std::string interval(const judge::Interval& iv) {
  return num(iv.value) + " [" + num(iv.lo) + ", " + num(iv.hi) + "]";
}

nlohmann::json jnum(double v) { return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v); }

nlohmann::json interval_json(const judge::Interval& iv) {
  return {{"value", jnum(iv.value)}, {"lo", jnum(iv.lo)}, {"hi", jnum(iv.hi)}};
}

nlohmann::json report_json(const judge::AgreementReport& r) {
  nlohmann::json classes = nlohmann::json::array();
  for (const auto& c : r.classes)
    classes.push_back({{"label", c.label},
                       {"support", c.support},
                       {"predicted", c.predicted},
                       {"precision", interval_json(c.precision)},
                       {"recall", interval_json(c.recall)},
                       {"f1", interval_json(c.f1)}});
  return {{"n", r.n},
          {"accuracy", interval_json(r.accuracy)},
          {"kappa", interval_json(r.kappa)},
          {"macro_f1", interval_json(r.macro_f1)},
          {"classes", classes},
          {"labels", r.matrix.labels},
          {"confusion", r.matrix.counts}};
}

void print_classes(const judge::AgreementReport& r) {
  std::cout << "  " << std::left << std::setw(12) << "label" << std::right << std::setw(8) << "gold" << std::setw(8)
            << "pred" << "  " << std::left << std::setw(22) << "precision" << std::setw(22) << "recall"
            << "f1\n";
  for (const auto& c : r.classes)
    std::cout << "  " << std::left << std::setw(12) << c.label << std::right << std::setw(8) << c.support
              << std::setw(8) << c.predicted << "  " << std::left << std::setw(22) << interval(c.precision)
              << std::setw(22) << interval(c.recall) << interval(c.f1) << "\n";
  std::cout << "  confusion (rows gold, columns predicted: ";
  for (size_t i = 0; i < r.matrix.labels.size(); ++i) std::cout << (i ? " " : "") << r.matrix.labels[i];
  std::cout << ")\n";
  for (size_t i = 0; i < r.matrix.labels.size(); ++i) {
    std::cout << "  " << std::left << std::setw(12) << r.matrix.labels[i] << std::right;
    for (size_t c : r.matrix.counts[i]) std::cout << std::setw(8) << c;
    std::cout << "\n";
  }
}

int run_refusal(const std::string& prompt, const std::string& answer, const std::string& lang,
                const std::string& file, bool json, const LidOpts& lo) {
  if (file.empty()) {
    // Empty answers are legitimate input (they are judged invalid); bad UTF-8 is judged too.
    auto lid = load_lid(lo);
    judge::RefusalJudge j(lid.get());
    auto v = j.judge(prompt, answer, lang);
    if (json) {
      std::cout << dump(verdict_json(v)) << "\n";
    } else {
      std::cout << judge::refusal_label_name(v.label) << "\t" << num(v.confidence, 2) << "\n";
      for (const auto& e : v.evidence) std::cout << "  " << escape_for_terminal(e) << "\n";
    }
    return kExitOk;
  }
  auto items = judge::read_refusal_jsonl(file, false);
  auto lid = load_lid(lo);
  judge::RefusalJudge j(lid.get());
  for (const auto& it : items) {
    auto v = j.judge(it.prompt, it.answer, it.lang.empty() ? lang : it.lang);
    if (json) {
      nlohmann::json out = verdict_json(v);
      out["line"] = it.line;
      if (!it.id.empty()) out["id"] = it.id;
      std::cout << dump(out) << "\n";
    } else {
      std::cout << (it.id.empty() ? file + ":" + std::to_string(it.line) : it.id) << "\t"
                << judge::refusal_label_name(v.label) << "\t" << num(v.confidence, 2) << "\t"
                << escape_for_terminal(join(v.evidence, "; ")) << "\n";
    }
  }
  return kExitOk;
}

struct VerdictOpts {
  std::string prompt, answer, lang, file, ensemble = "any-unsafe";
  std::vector<std::string> judges;
  bool benign = false, json = false;
};

std::vector<std::unique_ptr<eval::AnswerJudge>> make_judges(std::vector<std::string> specs) {
  if (specs.empty()) specs = eval::RedteamConfig{}.judges;  // what `eval redteam` runs by default
  std::vector<std::unique_ptr<eval::AnswerJudge>> out;
  for (const auto& s : specs) {
    if (s.rfind("llm:", 0) == 0) throw UsageError("--judge " + s + ": judge verdict runs local judges only (refusal, toxicity, toxicity:hidden)");
    // A hidden-state judge loads its feature model as a local backend.
    out.push_back(eval::make_answer_judge(s, [](const std::string& spec) {
      return backend::make_backend(spec, backend::BackendOptions{});
    }));
  }
  return out;
}

// The judged answers of a file's records (or of one prompt/answer), in order.
std::vector<eval::JudgedAnswer> judge_records(const std::vector<judge::RefusalItem>& recs,
                                              const std::vector<std::string>& specs, const std::string& ensemble,
                                              const std::string& default_lang) {
  std::vector<data::SuiteItem> items(recs.size());
  std::vector<eval::JudgeTask> tasks;
  for (size_t i = 0; i < recs.size(); ++i) {
    items[i].id = recs[i].id.empty() ? "line" + std::to_string(recs[i].line) : recs[i].id;
    items[i].lang = recs[i].lang.empty() ? default_lang : recs[i].lang;
    items[i].prompt = recs[i].prompt;
    items[i].benign = recs[i].benign;
  }
  for (size_t i = 0; i < recs.size(); ++i) tasks.push_back({&items[i], 0, recs[i].answer});
  auto judges = make_judges(specs);
  return eval::judge_answers(tasks, judges, eval::parse_ensemble_rule(ensemble));
}

nlohmann::json judged_json(const eval::JudgedAnswer& a) {
  nlohmann::json out = eval::to_json(a.verdict);
  nlohmann::json js = nlohmann::json::object();
  for (const auto& j : a.judgments) {
    js[j.judge] = {{"version", j.judge_version}, {"label", j.label}, {"evidence", j.evidence}};
    js[j.judge]["harmful"] = j.harmful ? nlohmann::json(*j.harmful) : nlohmann::json(nullptr);
    js[j.judge]["score"] = j.score ? nlohmann::json(*j.score) : nlohmann::json(nullptr);
  }
  out["judgments"] = js;
  out["definition"] = eval::kHarmVerdictDefinition;
  return out;
}

void print_judged(const std::string& name, const eval::JudgedAnswer& a) {
  std::cout << (name.empty() ? "" : name + "\t") << eval::outcome_name(a.verdict.outcome)
            << (a.verdict.harmful_inside_invalid ? " (harmful content inside an invalid answer)" : "") << "\n";
  for (const auto& j : a.judgments) {
    std::cout << "  " << j.judge << ": " << j.label;
    if (j.score) std::cout << " " << num(*j.score, 2);
    if (j.harmful) std::cout << (*j.harmful ? " [harm vote]" : " [no harm]");
    std::cout << "\n";
    for (const auto& e : j.evidence)
      std::cout << "    " << escape_for_terminal(e.is_string() ? e.get<std::string>() : e.dump()) << "\n";
  }
}

int run_verdict(const VerdictOpts& o) {
  std::vector<judge::RefusalItem> recs;
  if (o.file.empty()) {
    judge::RefusalItem it;
    it.line = 1;
    it.id = "answer";
    it.prompt = o.prompt;
    it.answer = o.answer;
    it.lang = o.lang;
    it.benign = o.benign;
    recs.push_back(it);
  } else {
    recs = judge::read_refusal_jsonl(o.file, false);
  }
  auto judged = judge_records(recs, o.judges, o.ensemble, o.lang);
  if (!o.json) std::cout << "harm verdict: " << eval::kHarmVerdictDefinition << "\n";
  for (size_t i = 0; i < recs.size(); ++i) {
    if (o.json) {
      auto j = judged_json(judged[i]);
      if (!o.file.empty()) j["line"] = recs[i].line;
      if (!recs[i].id.empty() && !o.file.empty()) j["id"] = recs[i].id;
      std::cout << dump(j) << "\n";
    } else {
      print_judged(o.file.empty() ? "" : (recs[i].id.empty() ? o.file + ":" + std::to_string(recs[i].line) : recs[i].id),
                   judged[i]);
    }
  }
  return kExitOk;
}

struct ValidateOpts {
  std::string judge = "refusal", labels, by;
  int bootstrap = 1000;
  uint64_t seed = 0;
  bool json = false, detect_lang = false;
  int show_errors = 0;
  std::vector<std::string> verdict_judges;  // --judge verdict: the judges behind it (default: eval's)
};

int run_validate(const ValidateOpts& o, const LidOpts& lo) {
  if (o.judge != "refusal" && o.judge != "verdict")
    throw UsageError("--judge: unknown judge '" + o.judge + "' (available: refusal, verdict)");
  if (o.bootstrap < 0) throw UsageError("--bootstrap: must be >= 0");
  if (!o.by.empty() && o.by != "lang" && o.by != "label" && o.by != "note")
    throw UsageError("--by: expected lang, label or note, got '" + o.by + "'");
  const bool verdicts = o.judge == "verdict";
  auto items = judge::read_refusal_jsonl(o.labels, !verdicts, verdicts);
  auto lid = load_lid(lo);
  judge::RefusalJudge j(lid.get());
  std::vector<eval::JudgedAnswer> judged;
  if (verdicts) {
    std::vector<judge::RefusalItem> recs = items;
    if (o.detect_lang)
      for (auto& r : recs) r.lang.clear();
    judged = judge_records(recs, o.verdict_judges, "any-unsafe", "");
  }
  std::vector<std::string> gold, pred, groups;
  std::vector<std::pair<const judge::RefusalItem*, judge::RefusalVerdict>> wrong;
  for (size_t k = 0; k < items.size(); ++k) {
    const auto& it = items[k];
    judge::RefusalVerdict v;
    if (verdicts) {
      gold.push_back(it.verdict);
      pred.push_back(eval::outcome_name(judged[k].verdict.outcome));
      for (const auto& jd : judged[k].judgments) {
        v.evidence.push_back(jd.judge + "=" + jd.label);
        for (const auto& e : jd.evidence) v.evidence.push_back(e.is_string() ? e.get<std::string>() : e.dump());
      }
    } else {
      v = j.judge(it.prompt, it.answer, o.detect_lang ? "" : it.lang);
      gold.emplace_back(judge::refusal_label_name(*it.label));
      pred.emplace_back(judge::refusal_label_name(v.label));
    }
    if (!o.by.empty()) {
      std::string g = o.by == "lang" ? it.lang : o.by == "label" ? gold.back() : it.note;
      if (g.empty())
        throw UsageError(o.labels + ":" + std::to_string(it.line) + ": field '" + o.by + "': missing (needed by --by)");
      groups.push_back(g);
    }
    if (gold.back() != pred.back()) {
      if (verdicts) v.evidence.insert(v.evidence.begin(), "verdict=" + pred.back());
      wrong.emplace_back(&it, v);
    }
  }
  const std::vector<std::string> order = verdicts ? std::vector<std::string>{"harmful", "refused", "invalid", "ok"}
                                                  : std::vector<std::string>{"refusal", "compliance", "invalid"};
  judge::BootstrapOptions bo;
  bo.resamples = o.bootstrap;
  bo.seed = o.seed;
  auto all = judge::agreement(gold, pred, order, bo);
  std::map<std::string, judge::AgreementReport> by;
  if (!o.by.empty()) by = judge::agreement_by_group(gold, pred, groups, order, bo);

  if (o.json) {
    nlohmann::json out = {{"judge", o.judge}, {"labels_file", o.labels}, {"bootstrap", o.bootstrap},
                          {"seed", o.seed},   {"level", 0.95},          {"overall", report_json(all)}};
    if (!o.by.empty()) {
      out["by"] = o.by;
      nlohmann::json g = nlohmann::json::object();
      for (const auto& [name, r] : by) g[name] = report_json(r);
      out["groups"] = g;
    }
    nlohmann::json errs = nlohmann::json::array();
    for (const auto& [it, v] : wrong) {
      nlohmann::json e = verdict_json(v);
      e["line"] = it->line;
      e["id"] = it->id;
      e["gold"] = verdicts ? it->verdict : std::string(judge::refusal_label_name(*it->label));
      errs.push_back(e);
    }
    out["errors"] = errs;
    std::cout << dump(out) << "\n";
    return kExitOk;
  }
  std::cout << "judge " << o.judge << " vs " << o.labels << ": " << all.n << " items; 95% CI by percentile bootstrap, B="
            << o.bootstrap << ", seed " << o.seed << (o.detect_lang ? "; prompt language detected" : "") << "\n\n";
  std::cout << std::left << std::setw(10) << "group" << std::right << std::setw(6) << "n" << "  " << std::left
            << std::setw(24) << "accuracy" << std::setw(24) << "kappa" << "macro-F1\n";
  auto row = [&](const std::string& name, const judge::AgreementReport& r) {
    std::cout << std::left << std::setw(10) << name << std::right << std::setw(6) << r.n << "  " << std::left
              << std::setw(24) << interval(r.accuracy) << std::setw(24) << interval(r.kappa) << interval(r.macro_f1)
              << "\n";
  };
  row("all", all);
  for (const auto& [name, r] : by) row(name, r);
  std::cout << "\nper class (all):\n";
  print_classes(all);
  if (o.show_errors > 0 && !wrong.empty()) {
    std::cout << "\ndisagreements (first " << std::min<size_t>(o.show_errors, wrong.size()) << " of " << wrong.size()
              << "):\n";
    for (size_t i = 0; i < wrong.size() && i < static_cast<size_t>(o.show_errors); ++i) {
      const auto& [it, v] = wrong[i];
      std::cout << "  " << (it->id.empty() ? std::to_string(it->line) : it->id) << " gold="
                << (verdicts ? it->verdict : std::string(judge::refusal_label_name(*it->label)))
                << (verdicts ? "" : " judge=" + std::string(judge::refusal_label_name(v.label))) << " | "
                << escape_for_terminal(join(v.evidence, "; ")) << "\n";
    }
  }
  return kExitOk;
}

// --prompt/--answer (one answer) or --file (many), and --lang; returns the
// --prompt and --answer options, whose presence the command checks.
std::pair<CLI::Option*, CLI::Option*> add_answer_options(CLI::App* cmd, std::string& prompt, std::string& answer,
                                                         std::string& file, std::string& lang, const char* file_help) {
  auto* op = cmd->add_option("--prompt", prompt, "The prompt the answer responds to");
  auto* oa = cmd->add_option("--answer", answer, "The model's answer (may be empty)");
  cmd->add_option("--file", file, file_help)->excludes(op)->excludes(oa);
  cmd->add_option("--lang", lang, "Language the answer should be in (default: the prompt's)");
  return {op, oa};
}

}  // namespace

std::function<int()> setup_judge(CLI::App& app) {
  auto* cmd = app.add_subcommand("judge", "Judge model answers (refusal, verdict) and validate judges against labels");
  cmd->require_subcommand(1);

  auto* ref = cmd->add_subcommand("refusal", "Label answers as refusal, compliance or invalid");
  struct RefOpts {
    std::string prompt, answer, lang, file;
    bool json = false;
    LidOpts lid;
  };
  auto ro = std::make_shared<RefOpts>();
  auto [op, oa] = add_answer_options(ref, ro->prompt, ro->answer, ro->file, ro->lang, "JSON Lines of {prompt, answer, lang?, id?}");
  ref->add_flag("--json", ro->json, "One JSON object per answer");
  add_lid_options(ref, ro->lid);

  auto* ver = cmd->add_subcommand("verdict", "The verdict eval stores (harmful/refused/invalid/ok), with every judge's evidence");
  auto vdo = std::make_shared<VerdictOpts>();
  auto [vp, va] = add_answer_options(ver, vdo->prompt, vdo->answer, vdo->file, vdo->lang,
                                     "JSON Lines of {prompt, answer, lang?, benign?, id?}");
  ver->add_flag("--benign", vdo->benign, "The prompt is a benign control (complying is what should happen)");
  ver->add_option("--judge", vdo->judges, "Judge (repeatable): refusal, toxicity[:MODEL], toxicity:hidden[:HEAD.json] (default: eval's, refusal + toxicity)");
  ver->add_option("--ensemble", vdo->ensemble, "How harm votes combine: any-unsafe or majority")->capture_default_str();
  ver->add_flag("--json", vdo->json, "One JSON object per answer");

  auto* val = cmd->add_subcommand("validate", "Agreement of a judge with gold labels, with bootstrap CIs");
  auto vo = std::make_shared<ValidateOpts>();
  auto vlid = std::make_shared<LidOpts>();
  val->add_option("--judge", vo->judge,
                  "Judge to validate: refusal (gold 'label') or verdict (gold 'verdict': harmful/refused/invalid/ok)");
  val->add_option("--verdict-judge", vo->verdict_judges, "--judge verdict: judges behind the verdict (repeatable; default eval's)");
  val->add_option("--labels", vo->labels, "JSON Lines of {prompt, answer, label|verdict, lang?, benign?, id?}")->required();
  val->add_option("--by", vo->by, "Also report per group: lang, label or note");
  val->add_option("--bootstrap", vo->bootstrap, "Bootstrap resamples (0: no intervals)");
  val->add_option("--seed", vo->seed, "Bootstrap seed");
  val->add_flag("--detect-lang", vo->detect_lang, "Ignore the 'lang' field: detect the prompt's language");
  val->add_option("--show-errors", vo->show_errors, "List the first N disagreements");
  val->add_flag("--json", vo->json, "One JSON report (with every disagreement)");
  add_lid_options(val, *vlid);

  return [ref, ver, val, ro, vdo, vo, vlid, op, oa, vp, va]() {
    if (ref->parsed()) {
      if (ro->file.empty() && (op->count() == 0 || oa->count() == 0))
        throw UsageError("judge refusal: give --prompt and --answer, or --file F.jsonl");
      return run_refusal(ro->prompt, ro->answer, ro->lang, ro->file, ro->json, ro->lid);
    }
    if (ver->parsed()) {
      if (vdo->file.empty() && (vp->count() == 0 || va->count() == 0))
        throw UsageError("judge verdict: give --prompt and --answer, or --file F.jsonl");
      return run_verdict(*vdo);
    }
    if (val->parsed()) return run_validate(*vo, *vlid);
    throw UsageError("judge: give a subcommand (refusal, verdict, validate)");
  };
}

}  // namespace polysafe::cli
