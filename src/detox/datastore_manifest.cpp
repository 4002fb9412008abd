#include "detox/datastore_manifest.h"

#include <filesystem>
#include <system_error>

#include "detox/detox_error.h"
#include "engine/model.h"

namespace polysafe::detox {

namespace fs = std::filesystem;

ModelFingerprint ModelFingerprint::of(const engine::Model& model) {
  ModelFingerprint f;
  fs::path p(model.path());
  std::error_code ec;
  if (fs::is_directory(p, ec)) {
    for (const auto& e : fs::directory_iterator(p, ec))
      if (e.is_regular_file(ec)) f.size += e.file_size(ec);
    f.file = p.has_filename() ? p.filename().string() : p.parent_path().filename().string();
  } else {
    const auto n = fs::file_size(p, ec);
    f.size = ec ? 0 : uint64_t(n);
    f.file = p.filename().string();
  }
  f.arch = model.config().arch_name;
  f.hidden = model.config().hidden;
  f.vocab = model.config().vocab;
  return f;
}

std::string ModelFingerprint::describe() const {
  return "'" + file + "' (" + arch + ", hidden " + std::to_string(hidden) + ", vocab " +
         std::to_string(vocab) + ", " + std::to_string(size) + " bytes)";
}

const char* index_kind_name(IndexKind k) { return k == IndexKind::Flat ? "flat" : "ivfpq"; }

nlohmann::json DatastoreManifest::to_json() const {
  nlohmann::json src = nlohmann::json::array();
  for (const auto& s : sources)
    src.push_back({{"tag", s.tag}, {"entries", s.entries}, {"texts", s.texts},
                   {"skipped", s.skipped}, {"langs", s.langs}});
  return {{"format", "polysafe-datastore"},
          {"version", version},
          {"model", {{"file", model.file}, {"size", model.size}, {"arch", model.arch},
                     {"hidden", model.hidden}, {"vocab", model.vocab}}},
          {"layer", layer},
          {"dim", dim},
          {"index", {{"kind", index_kind_name(index.kind)}, {"nlist", index.nlist}, {"m", index.m},
                     {"nbits", index.nbits}, {"nprobe", index.nprobe}}},
          {"entries", entries},
          {"next_id", next_id},
          {"block", block},
          {"stride", stride},
          {"sources", src}};
}

namespace {

const nlohmann::json& field(const nlohmann::json& j, const char* name, const std::string& where) {
  if (!j.is_object() || !j.contains(name)) throw DetoxError(where + ": field '" + name + "': missing");
  return j.at(name);
}

template <class T>
T get(const nlohmann::json& j, const char* name, const std::string& where) {
  const auto& v = field(j, name, where);
  try {
    return v.get<T>();
  } catch (const nlohmann::json::exception&) {
    throw DetoxError(where + ": field '" + name + "': unexpected type " + std::string(v.type_name()));
  }
}

int64_t get_count(const nlohmann::json& j, const char* name, const std::string& where) {
  const auto v = get<int64_t>(j, name, where);
  if (v < 0) throw DetoxError(where + ": field '" + name + "': negative (" + std::to_string(v) + ")");
  return v;
}

}  // namespace

DatastoreManifest DatastoreManifest::from_json(const nlohmann::json& j, const std::string& where) {
  if (get<std::string>(j, "format", where) != "polysafe-datastore")
    throw DetoxError(where + ": field 'format': not a polysafe datastore manifest");
  DatastoreManifest m;
  m.version = get<int>(j, "version", where);
  if (m.version != kFormatVersion)
    throw DetoxError(where + ": field 'version': " + std::to_string(m.version) + " not supported (this build reads " +
                     std::to_string(kFormatVersion) + ")");
  const auto& mj = field(j, "model", where);
  m.model.file = get<std::string>(mj, "file", where);
  m.model.size = get<uint64_t>(mj, "size", where);
  m.model.arch = get<std::string>(mj, "arch", where);
  m.model.hidden = get_count(mj, "hidden", where);
  m.model.vocab = get_count(mj, "vocab", where);
  m.layer = get<std::string>(j, "layer", where);
  m.dim = get_count(j, "dim", where);
  const auto& ij = field(j, "index", where);
  const auto kind = get<std::string>(ij, "kind", where);
  if (kind == "flat") m.index.kind = IndexKind::Flat;
  else if (kind == "ivfpq") m.index.kind = IndexKind::IvfPq;
  else throw DetoxError(where + ": field 'index.kind': '" + kind + "' (expected flat or ivfpq)");
  m.index.nlist = get_count(ij, "nlist", where);
  m.index.m = get_count(ij, "m", where);
  m.index.nbits = get_count(ij, "nbits", where);
  m.index.nprobe = get_count(ij, "nprobe", where);
  m.entries = get_count(j, "entries", where);
  m.next_id = get_count(j, "next_id", where);
  m.block = get_count(j, "block", where);
  m.stride = get_count(j, "stride", where);
  int64_t total = 0;
  for (const auto& s : field(j, "sources", where)) {
    SourceInfo si;
    si.tag = get<std::string>(s, "tag", where);
    si.entries = get_count(s, "entries", where);
    si.texts = get_count(s, "texts", where);
    si.skipped = get_count(s, "skipped", where);
    si.langs = get<std::map<std::string, int64_t>>(s, "langs", where);
    total += si.entries;
    m.sources.push_back(std::move(si));
  }
  if (total != m.entries)
    throw DetoxError(where + ": field 'sources': entries sum to " + std::to_string(total) + ", but 'entries' is " +
                     std::to_string(m.entries));
  return m;
}

const SourceInfo* DatastoreManifest::find_source(const std::string& tag) const {
  for (const auto& s : sources)
    if (s.tag == tag) return &s;
  return nullptr;
}

}  // namespace polysafe::detox
