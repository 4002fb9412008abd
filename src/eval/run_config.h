// Everything that defines a red-teaming run, as one value that flags, a YAML or
// JSON config file, and the run store all share. The run id is a hash of the
// fields that change results (model, suite, selection, generation, judges), so
// re-running the same command finds and resumes the same run, while settings
// that only change speed (concurrency, threads, timeouts) may differ.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backend/backend_factory.h"

namespace polysafe::eval {

struct RedteamConfig {
  std::string model = "local:smollm2-135m-instruct";
  std::string suite = "builtin:redteam";
  std::vector<std::string> langs, categories;  // empty: all
  size_t limit = 0;                            // items per language (stratified), 0: all
  bool include_benign = true;                  // benign control prompts
  int samples = 1;                             // answers per prompt (attack success at k)
  double temperature = 0;                      // 0: greedy (samples > 1 needs > 0)
  double top_p = 1;
  int max_tokens = 64;                         // refusals and compliance show early; raise for LLM judges
  uint64_t seed = 0;
  std::string system_prompt;                   // empty: none
  std::vector<std::string> judges = {"refusal", "toxicity"};
  std::string ensemble = "any-unsafe";
  std::string reference_lang = "en";
  int bootstrap = 1000;
  // Translation attack: translate the suite's source-language items into these
  // languages with the translator backend, check fidelity, evaluate the rest.
  std::vector<std::string> translate_to;
  std::string translator;                      // model spec; empty: the evaluated model
  std::string translate_from = "en";
  double min_back_similarity = 0.35;           // char-trigram cosine, source vs back-translation
  double min_length_ratio = 0.33, max_length_ratio = 3.0;
  int translate_max_tokens = 256;              // per translation and back-translation
  std::string intent_judge;                    // model spec asked whether intent survived; empty: no check
  // Where the run lives and how fast it goes (not part of the run id).
  std::string run_dir = "polysafe-runs";
  backend::BackendOptions backend;
};

nlohmann::json to_json(const RedteamConfig& c);
// Unknown keys and wrong types are EvalErrors naming `where` and the field.
RedteamConfig config_from_json(const nlohmann::json& j, const std::string& where, RedteamConfig base = {});
// A .yaml/.yml or .json file (YAML is read as JSON-compatible data).
RedteamConfig load_config_file(const std::string& path, RedteamConfig base = {});
// Checks ranges (samples >= 1, temperature > 0 when samples > 1, ...).
void validate(const RedteamConfig& c);

// "rt-" + 12 hex digits of sha256 over the result-defining fields.
std::string run_id(const RedteamConfig& c);

}  // namespace polysafe::eval
