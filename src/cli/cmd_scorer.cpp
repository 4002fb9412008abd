// `polysafe scorer train|eval|score`: the local toxicity scorer (a calibrated
// fastText classifier, judge::ToxicityScorer) and, for comparison, the LDNOOBW
// lexicon baseline. Data files are JSON Lines; errors name file:line:field.
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "judge/binary_metrics.h"
#include "judge/judge_error.h"
#include "judge/labeled_text.h"
#include "judge/lexicon_scorer.h"
#include "judge/toxicity_scorer.h"
#include "util/error.h"
#include "util/mapped_file.h"
#include "util/strings.h"
#include "util/utf8.h"

namespace polysafe::cli {

namespace {

using judge::JsonlFields;
using judge::LabeledText;

// "zh" excludes "zh", "zh-Hans" and "zh-Hant"; "zh-Hans" only itself.
bool lang_matches(const std::string& lang, const std::string& pattern) {
  return lang == pattern || (lang.size() > pattern.size() && lang.compare(0, pattern.size(), pattern) == 0 &&
                             lang[pattern.size()] == '-');
}

std::vector<LabeledText> read_rows(const std::string& path, const JsonlFields& fields) {
  auto rows = judge::read_labeled_jsonl(path, fields);
  if (rows.empty()) throw UsageError(path + ": no rows");
  return rows;
}

std::string fmt(double v, int digits = 4) {
  if (std::isnan(v)) return "n/a";
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

nlohmann::json report_json(const judge::BinaryReport& r) {
  auto num = [](double v) { return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v); };
  return {{"n", r.n},
          {"positives", r.positives},
          {"auc", num(r.auc)},
          {"f1", r.at_half.f1},
          {"precision", r.at_half.precision},
          {"recall", r.at_half.recall},
          {"ece10", num(r.ece)},
          {"brier", num(r.brier)}};
}

struct Common {
  std::string data, text_field = "text", label_field = "label", lang_field;
};

void add_common(CLI::App* cmd, Common& c) {
  cmd->add_option("--data", c.data, "JSON Lines file, one object per line")->required();
  cmd->add_option("--text-field", c.text_field, "Field holding the text");
  cmd->add_option("--label-field", c.label_field, "Field holding the label (0/1/true/false)");
  cmd->add_option("--lang-field", c.lang_field, "Field holding the language (optional)");
}

// ---- train ------------------------------------------------------------------

std::function<int()> setup_train(CLI::App* parent) {
  auto* cmd = parent->add_subcommand("train", "Train a calibrated fastText toxicity scorer");
  struct Opts {
    Common c;
    std::string calibration, out, data_info;
    std::vector<std::string> exclude_lang;
    judge::ToxicityTrainOptions t;
  };
  auto o = std::make_shared<Opts>();
  add_common(cmd, o->c);
  cmd->add_option("--calibration", o->calibration,
                  "Held-out JSONL for Platt scaling (default: 1 in 8 training rows, by text hash)");
  cmd->add_option("--out", o->out, "Model path prefix: writes PREFIX.bin|.ftz and PREFIX.json")->required();
  cmd->add_option("--data-info", o->data_info, "JSON file stored in the model's sidecar (datasets, licences)");
  cmd->add_option("--exclude-lang", o->exclude_lang,
                  "Drop rows of this language (and its subtags) from train and calibration; repeatable")
      ->needs(cmd->get_option("--lang-field"));
  cmd->add_option("--dim", o->t.dim, "Embedding dimension");
  cmd->add_option("--epoch", o->t.epoch, "Epochs");
  cmd->add_option("--lr", o->t.lr, "Learning rate");
  cmd->add_option("--word-ngrams", o->t.word_ngrams, "Word n-gram length");
  cmd->add_option("--minn", o->t.minn, "Shortest character n-gram");
  cmd->add_option("--maxn", o->t.maxn, "Longest character n-gram (0: none)");
  cmd->add_option("--bucket", o->t.bucket, "Hashed n-gram rows");
  cmd->add_option("--min-count", o->t.min_count, "Minimal word count");
  cmd->add_option("--loss", o->t.loss, "softmax or ova")->check(CLI::IsMember({"softmax", "ova"}));
  cmd->add_option("--threads", o->t.threads, "Training threads (1: reproducible)");
  cmd->add_option("--seed", o->t.seed, "Random seed");
  cmd->add_flag("--quantize", o->t.quantize, "Product-quantize the model (.ftz, smaller)");
  cmd->add_option("--quantize-cutoff", o->t.quantize_cutoff, "With --quantize: keep this many n-gram rows");
  return [o]() {
    JsonlFields fields{o->c.text_field, o->c.label_field, {}};
    if (!o->c.lang_field.empty()) fields.extra.push_back(o->c.lang_field);
    auto filter = [&](std::vector<LabeledText> rows) {
      if (o->exclude_lang.empty()) return rows;
      std::vector<LabeledText> kept;
      for (auto& r : rows) {
        bool drop = false;
        for (const auto& x : o->exclude_lang) drop = drop || lang_matches(r.extra[0], x);
        if (!drop) kept.push_back(std::move(r));
      }
      return kept;
    };
    auto train = filter(read_rows(o->c.data, fields));
    std::vector<LabeledText> cal;
    if (!o->calibration.empty()) cal = filter(read_rows(o->calibration, fields));
    nlohmann::json info = nlohmann::json::object();
    if (!o->data_info.empty()) {
      try {
        info = nlohmann::json::parse(read_text_file(o->data_info));
      } catch (const nlohmann::json::exception& e) {
        throw UsageError("--data-info: " + o->data_info + ": not JSON (" + e.what() + ")");
      }
    }
    info["train_file"] = o->c.data;
    if (!o->calibration.empty()) info["calibration_file"] = o->calibration;
    if (!o->exclude_lang.empty()) info["excluded_languages"] = o->exclude_lang;
    if (!o->c.lang_field.empty()) {
      std::map<std::string, std::pair<size_t, size_t>> by;
      for (const auto& r : train) {
        by[r.extra[0]].first++;
        by[r.extra[0]].second += r.label;
      }
      for (const auto& [lang, c] : by) info["train_languages"][lang] = {{"rows", c.first}, {"toxic", c.second}};
    }
    auto scorer = judge::ToxicityScorer::train(train, cal, o->t, info);
    scorer.save(o->out);
    const auto& m = scorer.metadata();
    const auto& c = m["calibration"];
    std::cout << "trained on " << m["training"]["rows"] << " rows (" << m["training"]["toxic_rows"] << " toxic) in "
              << fmt(m["training"]["seconds"].get<double>(), 1) << " s\n"
              << "calibration: Platt a=" << fmt(c["a"].get<double>()) << " b=" << fmt(c["b"].get<double>()) << " on "
              << c["rows"] << " rows; ECE(10) " << fmt(c["ece10_before"].get<double>()) << " -> "
              << fmt(c["ece10_after"].get<double>()) << "\n"
              << "wrote " << judge::toxicity_model_prefix(o->out) << ".json and " << m["model"]["file"].get<std::string>()
              << " (" << human_bytes(m["model"]["bytes"].get<uint64_t>()) << ")\n";
    return kExitOk;
  };
}

// ---- eval -------------------------------------------------------------------

std::function<int()> setup_eval(CLI::App* parent) {
  auto* cmd = parent->add_subcommand("eval", "ROC-AUC, F1 at 0.5 and ECE of a scorer on labelled JSONL");
  struct Opts {
    Common c;
    std::string model, lexicon, by;
    bool json = false;
    int threads = 0;
  };
  auto o = std::make_shared<Opts>();
  add_common(cmd, o->c);
  auto* m = cmd->add_option("--model", o->model, "Model prefix (default: the cached default model)");
  cmd->add_option("--lexicon", o->lexicon, "Evaluate the LDNOOBW lexicon baseline from this directory instead")
      ->excludes(m);
  cmd->add_option("--by", o->by, "Break down by these fields (comma-separated, e.g. lang or source,lang)");
  cmd->add_flag("--json", o->json, "One JSON object: overall and per group");
  cmd->add_option("--threads", o->threads, "Scoring threads (0: all cores, max 8)");
  return [o]() {
    JsonlFields fields{o->c.text_field, o->c.label_field, {}};
    std::vector<std::string> by = o->by.empty() ? std::vector<std::string>{} : split(o->by, ',');
    for (const auto& b : by) {
      if (b.empty()) throw UsageError("--by: empty field name in '" + o->by + "'");
      fields.extra.push_back(b);
    }
    if (!o->c.lang_field.empty()) fields.extra.push_back(o->c.lang_field);
    auto rows = read_rows(o->c.data, fields);

    std::vector<double> probs(rows.size());
    std::string scorer_name;
    if (!o->lexicon.empty()) {
      judge::LexiconScorer lex(o->lexicon);
      scorer_name = "lexicon:" + o->lexicon;
      for (size_t i = 0; i < rows.size(); ++i)
        probs[i] = lex.score(rows[i].text, o->c.lang_field.empty() ? "" : rows[i].extra.back());
    } else {
      std::string path = o->model.empty() ? judge::ToxicityScorer::default_model_path() : o->model;
      judge::ToxicityScorer scorer(path);
      scorer_name = judge::toxicity_model_prefix(path);
      std::vector<std::string> texts;
      texts.reserve(rows.size());
      for (const auto& r : rows) texts.push_back(r.text);
      probs = scorer.score_batch(texts, o->threads);
    }

    std::map<std::string, std::pair<std::vector<double>, std::vector<int>>> groups;
    std::vector<int> labels;
    for (size_t i = 0; i < rows.size(); ++i) {
      labels.push_back(rows[i].label);
      if (by.empty()) continue;
      std::string key;
      for (size_t k = 0; k < by.size(); ++k) key += (k ? "/" : "") + rows[i].extra[k];
      groups[key].first.push_back(probs[i]);
      groups[key].second.push_back(rows[i].label);
    }
    auto overall = judge::evaluate_binary(probs, labels);
    if (o->json) {
      nlohmann::json j;
      j["scorer"] = scorer_name;
      j["data"] = o->c.data;
      j["overall"] = report_json(overall);
      if (!by.empty()) {
        j["by"] = o->by;
        j["groups"] = nlohmann::json::object();
        for (const auto& [k, g] : groups) j["groups"][k] = report_json(judge::evaluate_binary(g.first, g.second));
      }
      std::cout << j.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
      return kExitOk;
    }
    std::printf("%-24s %7s %7s %7s %7s %7s %7s %7s\n", by.empty() ? "" : o->by.c_str(), "n", "toxic", "auc", "f1",
                "prec", "recall", "ece10");
    auto line = [](const std::string& name, const judge::BinaryReport& r) {
      std::printf("%-24s %7zu %7zu %7s %7s %7s %7s %7s\n", name.c_str(), r.n, r.positives, fmt(r.auc).c_str(),
                  fmt(r.at_half.f1).c_str(), fmt(r.at_half.precision).c_str(), fmt(r.at_half.recall).c_str(),
                  fmt(r.ece).c_str());
    };
    for (const auto& [k, g] : groups) line(k, judge::evaluate_binary(g.first, g.second));
    line("overall", overall);
    return kExitOk;
  };
}

// ---- score ------------------------------------------------------------------

std::function<int()> setup_score_text(CLI::App* parent) {
  auto* cmd = parent->add_subcommand("score", "Probability that a text is toxic (calibrated; >= 0.5: likely)");
  struct Opts {
    std::string model, text, file, text_field = "text";
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("--model", o->model, "Model prefix (default: the cached default model)");
  auto* t = cmd->add_option("text", o->text, "Text to score");
  auto* f = cmd->add_option("--file", o->file, "JSONL file: score each row's text field");
  t->excludes(f);
  cmd->add_option("--text-field", o->text_field, "With --file: field holding the text");
  cmd->add_flag("--json", o->json, "JSON output");
  return [o, t]() {
    if (o->file.empty() && t->count() == 0) throw UsageError("give TEXT or --file FILE.jsonl");
    if (o->file.empty()) {
      if (auto bad = utf8::first_invalid(o->text))
        throw UsageError("TEXT: invalid UTF-8 at byte " + std::to_string(*bad));
    }
    std::string path = o->model.empty() ? judge::ToxicityScorer::default_model_path() : o->model;
    judge::ToxicityScorer scorer(path);
    if (o->file.empty()) {
      double p = scorer.score(o->text);
      if (o->json) std::cout << nlohmann::json({{"score", p}, {"toxic", p >= 0.5}}).dump() << "\n";
      else std::cout << fmt(p) << "\n";
      return kExitOk;
    }
    auto rows = judge::read_labeled_jsonl(o->file, {o->text_field, "", {}});
    std::vector<std::string> texts;
    for (auto& r : rows) texts.push_back(std::move(r.text));
    auto probs = scorer.score_batch(texts);
    for (size_t i = 0; i < probs.size(); ++i) {
      if (o->json) std::cout << nlohmann::json({{"row", i}, {"score", probs[i]}, {"toxic", probs[i] >= 0.5}}).dump() << "\n";
      else std::cout << fmt(probs[i]) << "\n";
    }
    return kExitOk;
  };
}

}  // namespace

std::function<int()> setup_scorer(CLI::App& app) {
  auto* cmd = app.add_subcommand("scorer", "Local toxicity scorer (calibrated fastText; Perspective-style probability)");
  cmd->require_subcommand(1);
  std::vector<std::pair<CLI::App*, std::function<int()>>> subs;
  auto train = setup_train(cmd);
  subs.emplace_back(cmd->get_subcommand("train"), train);
  auto eval = setup_eval(cmd);
  subs.emplace_back(cmd->get_subcommand("eval"), eval);
  auto score = setup_score_text(cmd);
  subs.emplace_back(cmd->get_subcommand("score"), score);
  return [subs]() {
    for (const auto& [sub, run] : subs)
      if (sub->parsed()) return run();
    throw UsageError("scorer: give a subcommand (train, eval, score)");
  };
}

}  // namespace polysafe::cli
