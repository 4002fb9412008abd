// `polysafe perplexity MODEL FILE`: rolling-window perplexity of a text file, or
// of each {"text": ...} line of a .jsonl file (plus the token-weighted total).
#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/engine_options.h"
#include "engine/scorer.h"
#include "util/error.h"
#include "util/strings.h"
#include "util/utf8.h"

namespace polysafe::cli {

std::function<int()> setup_perplexity(CLI::App& app) {
  auto* cmd = app.add_subcommand("perplexity", "Perplexity of a text (rolling window)");
  struct Opts {
    std::string model, file;
    int64_t window = 0, stride = 0;
    bool json = false;
    EngineOptions eng;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("model", o->model, "Model: short name, GGUF file or checkpoint directory")->required();
  cmd->add_option("file", o->file, "Text file, or .jsonl with a \"text\" field per line")->required();
  cmd->add_option("--window", o->window, "Tokens per window (0: min(context, 512))");
  cmd->add_option("--stride", o->stride, "New tokens scored per later window (0: window / 2)");
  cmd->add_flag("--json", o->json, "Print JSON");
  add_engine_options(cmd, o->eng);
  return [o]() {
    std::ifstream in(o->file, std::ios::binary);
    if (!in) throw UsageError("cannot open '" + o->file + "'");
    std::vector<std::string> texts;
    if (ends_with(o->file, ".jsonl")) {
      std::string line;
      for (size_t n = 1; std::getline(in, line); ++n) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        try {
          auto j = nlohmann::json::parse(line);
          if (!j.is_object() || !j.contains("text") || !j["text"].is_string())
            throw UsageError(o->file + ":" + std::to_string(n) + ": expected {\"text\": \"...\"}");
          texts.push_back(j["text"].get<std::string>());
        } catch (const nlohmann::json::exception& e) {
          throw UsageError(o->file + ":" + std::to_string(n) + ": not JSON (" + e.what() + ")");
        }
      }
    } else {
      std::ostringstream ss;
      ss << in.rdbuf();
      texts.push_back(ss.str());
    }
    for (size_t i = 0; i < texts.size(); ++i)
      if (auto bad = utf8::first_invalid(texts[i]))
        throw UsageError(o->file + ": text " + std::to_string(i) + ": invalid UTF-8 at byte " + std::to_string(*bad));
    auto model = load_engine_model(o->model, o->eng);
    engine::Scorer scorer(*model);
    double nll = 0;
    size_t n = 0;
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& t : texts) {
      auto r = scorer.perplexity(t, o->window, o->stride);
      nll += r.nll;
      n += r.n_tokens;
      rows.push_back({{"tokens", r.n_tokens}, {"nll", r.nll}, {"perplexity", r.perplexity}});
      if (!o->json && texts.size() > 1) std::cout << r.perplexity << "\t" << r.n_tokens << " tokens\n";
    }
    double ppl = std::exp(nll / double(n));
    if (o->json) {
      std::cout << nlohmann::json{{"perplexity", ppl}, {"tokens", n}, {"nll", nll}, {"texts", rows}}.dump() << "\n";
    } else {
      std::cout << "perplexity " << ppl << " over " << n << " tokens\n";
    }
    return kExitOk;
  };
}

}  // namespace polysafe::cli
