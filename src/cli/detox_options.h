// Options shared by the commands that decode with Goodtriever (generate, eval
// toxicity): the toxic and non-toxic datastores and the rule's parameters, and
// opening the stores for a loaded model. Only plumbing: detox/ does the work.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <string>

#include "detox/datastore.h"
#include "detox/goodtriever.h"
#include "util/error.h"

namespace polysafe::cli {

struct DetoxOptions {
  std::string toxic, nontoxic;  // datastore directories; toxic empty = plain decoding
  detox::GoodtrieverParams params;
  int64_t nprobe = 0;           // IVF-PQ cells searched (0: the store's own setting)
  bool enabled() const { return !toxic.empty(); }
};

inline void add_detox_options(CLI::App* cmd, DetoxOptions& o) {
  cmd->add_option("--detox", o.toxic, "Goodtriever: toxic datastore directory (polysafe datastore build)");
  cmd->add_option("--nontoxic", o.nontoxic, "Goodtriever: non-toxic datastore (default: the model's own distribution)");
  cmd->add_option("--detox-k", o.params.k, "Goodtriever: neighbours per store and step");
  cmd->add_option("--detox-lambda", o.params.lambda, "Goodtriever: strength of the push away from the toxic store");
  cmd->add_option("--detox-temperature", o.params.temperature, "Goodtriever: T of softmax(-distance / T)");
  cmd->add_option("--detox-top-p", o.params.top_p, "Goodtriever: nucleus applied to the model before the push");
  cmd->add_option("--detox-nprobe", o.nprobe, "Goodtriever: IVF-PQ cells searched per query (0: the store's setting)");
}

// The opened stores and the hook over them; lives as long as the generation.
struct DetoxSession {
  std::optional<detox::Datastore> toxic, nontoxic;
  std::unique_ptr<detox::Goodtriever> goodtriever;
};

inline std::unique_ptr<DetoxSession> open_detox(const DetoxOptions& o, const engine::Model& model) {
  if (!o.enabled()) {
    if (!o.nontoxic.empty()) throw UsageError("--nontoxic needs --detox TOXIC_DATASTORE");
    return nullptr;
  }
  o.params.validate();
  auto s = std::make_unique<DetoxSession>();
  s->toxic.emplace(detox::Datastore::open(o.toxic, model));
  if (o.nprobe > 0) s->toxic->set_nprobe(o.nprobe);
  if (!o.nontoxic.empty()) {
    s->nontoxic.emplace(detox::Datastore::open(o.nontoxic, model));
    if (o.nprobe > 0) s->nontoxic->set_nprobe(o.nprobe);
  }
  s->goodtriever = std::make_unique<detox::Goodtriever>(*s->toxic, s->nontoxic ? &*s->nontoxic : nullptr, o.params);
  return s;
}

}  // namespace polysafe::cli
