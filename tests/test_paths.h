// Where tests find real data and models. Shared datasets live beside the project
// (../shared/data, or $POLYSAFE_SHARED_DATA); models are found the way the CLI
// finds them (hub::resolve_model), so tests exercise the real discovery code.
#pragma once

#include <string>

namespace polysafe::test {

std::string source_dir();          // project root
std::string shared_data_dir();     // ../shared/data
std::string polysafe_binary();     // built CLI
// Path of an installed default model ("smollm2-135m-instruct", "gemma3-270m").
std::string model_path(const std::string& short_name);
// Runs a shell command, returns its exit status and captures stdout (+stderr if asked).
int run_command(const std::string& cmd, std::string* output, bool merge_stderr = true);

}  // namespace polysafe::test
