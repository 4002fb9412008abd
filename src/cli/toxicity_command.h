// `polysafe eval toxicity`, registered under `eval` by cmd_eval.cpp. The
// returned callback runs the command, or returns -1 when it was not chosen.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace polysafe::cli {

std::function<int()> add_toxicity_command(CLI::App* eval_cmd);

}  // namespace polysafe::cli
