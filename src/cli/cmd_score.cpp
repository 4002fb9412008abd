// `polysafe score MODEL --context C --continuation X`: log-probability of a
// continuation given a context, per token and summed.
#include <cmath>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/engine_options.h"
#include "engine/scorer.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"
#include "util/strings.h"
#include "util/utf8.h"

namespace polysafe::cli {

std::function<int()> setup_score(CLI::App& app) {
  auto* cmd = app.add_subcommand("score", "Log-probability of a continuation given a context");
  struct Opts {
    std::string model, context, continuation;
    bool json = false;
    EngineOptions eng;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("model", o->model, "Model: short name, GGUF file or checkpoint directory")->required();
  cmd->add_option("--context", o->context, "Context text (the model's BOS is added)")->required();
  cmd->add_option("--continuation", o->continuation, "Continuation to score")->required();
  cmd->add_flag("--json", o->json, "Print JSON");
  add_engine_options(cmd, o->eng);
  return [o]() {
    for (const auto* s : {&o->context, &o->continuation})
      if (auto bad = utf8::first_invalid(*s)) throw UsageError("invalid UTF-8 at byte " + std::to_string(*bad));
    if (o->continuation.empty()) throw UsageError("--continuation is empty");
    auto model = load_engine_model(o->model, o->eng);
    engine::Scorer scorer(*model);
    auto s = scorer.score(o->context, o->continuation);
    const auto& tok = model->tokenizer();
    if (o->json) {
      nlohmann::json j;
      j["context_tokens"] = s.context_tokens;
      j["tokens"] = s.tokens;
      j["logprobs"] = s.logprobs;
      j["sum"] = s.sum;
      j["greedy"] = s.greedy;
      std::cout << j.dump() << "\n";
    } else {
      for (size_t i = 0; i < s.tokens.size(); ++i)
        std::cout << s.tokens[i] << "\t" << escape_for_terminal(tok.token_to_piece(s.tokens[i])) << "\t"
                  << s.logprobs[i] << "\n";
      std::cout << "sum " << s.sum << " (" << s.tokens.size() << " tokens, greedy " << (s.greedy ? "yes" : "no")
                << ")\n";
    }
    return kExitOk;
  };
}

}  // namespace polysafe::cli
