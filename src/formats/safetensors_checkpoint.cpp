#include "formats/safetensors_checkpoint.h"

#include <algorithm>
#include <filesystem>

#include "util/error.h"
#include "util/mapped_file.h"
#include "util/strings.h"

namespace polysafe::formats {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// A shard name from an index must stay inside the checkpoint directory.
bool safe_relative_name(const std::string& name) {
  if (name.empty() || name.find('\\') != std::string::npos || name.find('\0') != std::string::npos)
    return false;
  fs::path p(name);
  if (p.is_absolute()) return false;
  for (const auto& part : p)
    if (part == ".." ) return false;
  return true;
}

}  // namespace

SafetensorsCheckpoint::SafetensorsCheckpoint(const std::string& path) : origin_(path) {
  std::error_code ec;
  std::string single;
  if (fs::is_directory(path, ec)) {
    fs::path dir(path);
    if (fs::exists(dir / kIndexName)) {
      index_path_ = (dir / kIndexName).string();
    } else if (fs::exists(dir / "model.safetensors")) {
      single = (dir / "model.safetensors").string();
    } else {
      std::vector<std::string> found;
      for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.is_regular_file() && ends_with(e.path().filename().string(), ".safetensors"))
          found.push_back(e.path().string());
      if (found.size() != 1)
        throw FormatError(path + ": expected " + kIndexName + ", model.safetensors or exactly one " +
                          "*.safetensors file in the directory, found " + std::to_string(found.size()) +
                          " .safetensors files");
      single = found[0];
    }
  } else if (ends_with(path, ".json")) {
    index_path_ = path;
  } else {
    single = path;
  }

  if (!single.empty()) {
    shards_.push_back(std::make_unique<SafetensorsFile>(single));
    for (const auto& t : shards_[0]->tensors()) by_name_.emplace(t.name, &t);
  } else {
    const std::string& ip = index_path_;
    json index;
    try {
      index = json::parse(read_text_file(ip));
    } catch (const json::exception& e) {
      throw FormatError(ip + ": not valid JSON: " + e.what());
    } catch (const FormatError&) {
      throw;
    } catch (const Error& e) {
      throw FormatError(e.what());
    }
    if (!index.is_object()) throw FormatError(ip + ": expected a JSON object");
    if (index.contains("metadata")) index_metadata_ = index["metadata"];
    auto wm = index.find("weight_map");
    if (wm == index.end()) throw FormatError(ip + ": field 'weight_map': missing");
    if (!wm->is_object() || wm->empty())
      throw FormatError(ip + ": field 'weight_map': expected a non-empty object {tensor: shard file}");
    const fs::path dir = fs::path(ip).parent_path();
    std::map<std::string, SafetensorsFile*> opened;
    for (auto it = wm->begin(); it != wm->end(); ++it) {
      const std::string where = ip + ": weight_map entry '" + it.key() + "'";
      if (!it.value().is_string()) throw FormatError(where + ": expected a shard file name string");
      const std::string shard = it.value().get<std::string>();
      if (!safe_relative_name(shard))
        throw FormatError(where + ": shard name '" + shard + "' must be a relative path inside the checkpoint directory");
      auto o = opened.find(shard);
      if (o == opened.end()) {
        const fs::path sp = dir / shard;
        if (!fs::is_regular_file(sp, ec))
          throw FormatError(where + ": shard file '" + sp.string() + "' does not exist");
        shards_.push_back(std::make_unique<SafetensorsFile>(sp.string()));
        o = opened.emplace(shard, shards_.back().get()).first;
      }
      const SafetensorsTensor* t = o->second->find(it.key());
      if (!t) throw FormatError(where + ": tensor not found in shard '" + shard + "'");
      by_name_.emplace(it.key(), t);
    }
  }
  for (const auto& [name, t] : by_name_) tensors_.push_back(t);
}

std::vector<std::string> SafetensorsCheckpoint::files() const {
  std::vector<std::string> out;
  for (const auto& s : shards_) out.push_back(s->path());
  return out;
}

const std::map<std::string, std::string>& SafetensorsCheckpoint::metadata() const {
  return shards_.front()->metadata();
}

const SafetensorsTensor* SafetensorsCheckpoint::find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

const SafetensorsTensor& SafetensorsCheckpoint::tensor(std::string_view name) const {
  if (const auto* t = find(name)) return *t;
  throw FormatError((sharded() ? index_path_ : origin_) + ": tensor '" + std::string(name) + "': not found");
}

uint64_t SafetensorsCheckpoint::total_bytes() const {
  uint64_t n = 0;
  for (const auto* t : tensors_) n += t->n_bytes;
  return n;
}

}  // namespace polysafe::formats
