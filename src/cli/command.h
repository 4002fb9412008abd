// The subcommand registry of the `polysafe` binary. Each command lives in its own
// cmd_<name>.cpp, registers its options on a CLI11 subcommand and returns an exit
// code. Commands only parse arguments and print: the work happens in the library.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace polysafe::cli {

// Exit codes (sysexits-style simplified): 0 ok, 1 failure, 2 usage error.
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

struct Command {
  // Adds the subcommand to `app` and returns the callback that runs it after parsing.
  std::function<std::function<int()>(CLI::App& app)> setup;
};

// Each cmd_*.cpp defines one of these.
std::function<int()> setup_models(CLI::App& app);
std::function<int()> setup_inspect(CLI::App& app);
std::function<int()> setup_tokenize(CLI::App& app);
std::function<int()> setup_detokenize(CLI::App& app);
std::function<int()> setup_chat_template(CLI::App& app);
std::function<int()> setup_download(CLI::App& app);
std::function<int()> setup_generate(CLI::App& app);
std::function<int()> setup_score(CLI::App& app);
std::function<int()> setup_embed(CLI::App& app);
std::function<int()> setup_perplexity(CLI::App& app);
std::function<int()> setup_convert(CLI::App& app);
std::function<int()> setup_langid(CLI::App& app);
std::function<int()> setup_judge(CLI::App& app);
std::function<int()> setup_scorer(CLI::App& app);
std::function<int()> setup_eval(CLI::App& app);
std::function<int()> setup_runs(CLI::App& app);
std::function<int()> setup_datastore(CLI::App& app);
std::function<int()> setup_report(CLI::App& app);

// Default model of commands whose MODEL argument is optional.
inline const char* kDefaultModel = "smollm2-135m-instruct";

}  // namespace polysafe::cli
