// `polysafe models`: what models this machine has, and how to get the others.
#include <iostream>

#include "cli/command.h"
#include "hub/model_registry.h"
#include "util/strings.h"

#include <filesystem>
#include <nlohmann/json.hpp>

namespace polysafe::cli {

std::function<int()> setup_models(CLI::App& app) {
  auto* cmd = app.add_subcommand("models", "List the models polysafe can find (installed packages, cache, given paths)");
  auto paths = std::make_shared<std::vector<std::string>>();
  auto json = std::make_shared<bool>(false);
  cmd->add_option("paths", *paths, "Extra model files or checkpoint directories to list");
  cmd->add_flag("--json", *json, "Print JSON");
  return [paths, json]() {
    auto models = hub::list_models(*paths);
    if (*json) {
      nlohmann::json j = nlohmann::json::array();
      for (const auto& m : models)
        j.push_back({{"name", m.short_name}, {"description", m.description}, {"path", m.path},
                     {"installed", m.installed}, {"source", m.source}, {"install", m.install_hint}});
      std::cout << j.dump(2) << "\n";
      return kExitOk;
    }
    for (const auto& m : models) {
      std::cout << (m.installed ? "  [x] " : "  [ ] ") << m.short_name << "\n";
      std::cout << "      " << m.description << "\n";
      if (m.installed) {
        std::error_code ec;
        auto size = std::filesystem::is_regular_file(m.path, ec) ? std::filesystem::file_size(m.path, ec) : 0;
        std::cout << "      " << m.path;
        if (size) std::cout << " (" << human_bytes(size) << ")";
        std::cout << "\n";
      } else if (!m.install_hint.empty()) {
        std::cout << "      not installed; install with: " << m.install_hint << "\n";
      } else {
        std::cout << "      not found\n";
      }
    }
    std::cout << "cache: " << hub::cache_dir() << "\n";
    return kExitOk;
  };
}

}  // namespace polysafe::cli
