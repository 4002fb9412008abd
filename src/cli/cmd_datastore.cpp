// `polysafe datastore build|add|remove|stats`: Goodtriever datastores from a
// JSONL corpus (one {"text": ..., "lang": ...} per line) through the local
// engine. build writes a new store; add and remove change an existing one
// without rebuilding it (each rewrites the directory atomically); stats reads
// the manifest. Only parsing and printing here: src/detox/ does the work.
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/engine_options.h"
#include "detox/datastore.h"
#include "util/error.h"
#include "util/jsonl.h"

namespace polysafe::cli {

namespace {

std::vector<detox::CorpusText> read_corpus(const std::string& path, const std::string& text_field,
                                           const std::string& lang_field, const std::string& source) {
  std::vector<detox::CorpusText> out;
  jsonl::for_each_record<UsageError>(path, true, [&](const nlohmann::json& j, const std::string& where, size_t) {
    if (!j.contains(text_field) || !j[text_field].is_string())
      throw UsageError(where + ": field '" + text_field + "': expected a string");
    detox::CorpusText t;
    t.text = j[text_field].get<std::string>();
    if (j.contains(lang_field) && j[lang_field].is_string()) t.lang = j[lang_field].get<std::string>();
    t.source = source;
    out.push_back(std::move(t));
  });
  if (out.empty()) throw UsageError("--corpus: '" + path + "' holds no texts");
  return out;
}

void print_manifest(const detox::DatastoreManifest& m, bool json) {
  if (json) {
    std::cout << m.to_json().dump(2) << "\n";
    return;
  }
  std::cout << m.entries << " entries, dimension " << m.dim << ", index " << detox::index_kind_name(m.index.kind)
            << ", model " << m.model.describe() << ", layer " << m.layer << "\n";
  for (const auto& s : m.sources)
    std::cout << "  source " << s.tag << ": " << s.entries << " entries from " << s.texts << " texts (" << s.skipped
              << " too short)\n";
}

}  // namespace

std::function<int()> setup_datastore(CLI::App& app) {
  auto* cmd = app.add_subcommand("datastore", "Goodtriever datastores: build, add, remove, stats");
  cmd->require_subcommand(1);
  struct Opts {
    std::string dir, model = kDefaultModel, corpus, text_field = "text", lang_field = "lang", source = "default",
                index = "flat";
    int64_t block = 1024, stride = 512, nlist = 1024, m = 64, nbits = 8, nprobe = 32;
    bool json = false;
    EngineOptions eng;
  };
  auto o = std::make_shared<Opts>();
  auto* build = cmd->add_subcommand("build", "Teacher-force a corpus into a new datastore");
  auto* add = cmd->add_subcommand("add", "Add a corpus to a datastore (no rebuild)");
  auto* remove = cmd->add_subcommand("remove", "Remove a source's entries from a datastore");
  auto* stats = cmd->add_subcommand("stats", "What a datastore holds (its manifest)");
  for (auto* sub : {build, add, remove, stats}) sub->add_option("dir", o->dir, "Datastore directory")->required();
  for (auto* sub : {build, add, remove}) {
    sub->add_option("--model", o->model, "Model the hidden states come from (default " + std::string(kDefaultModel) + ")");
    add_engine_options(sub, o->eng);
  }
  for (auto* sub : {build, add}) {
    sub->add_option("--corpus", o->corpus, "JSONL corpus, one object per line")->required();
    sub->add_option("--text-field", o->text_field, "Field holding the text (default text)");
    sub->add_option("--lang-field", o->lang_field, "Field holding the language (default lang)");
  }
  for (auto* sub : {build, add, remove})
    sub->add_option("--source", o->source, "Source tag of the texts (entries are removable by it)");
  build->add_option("--index", o->index, "flat (exact) or ivfpq (trained)")->check(CLI::IsMember({"flat", "ivfpq"}));
  build->add_option("--block", o->block, "Tokens per teacher-forcing window");
  build->add_option("--stride", o->stride, "Tokens between window starts");
  build->add_option("--nlist", o->nlist, "IVF cells");
  build->add_option("--pq-m", o->m, "PQ sub-quantizers (must divide the hidden size)");
  build->add_option("--pq-bits", o->nbits, "Bits per PQ code");
  build->add_option("--nprobe", o->nprobe, "IVF cells searched");
  stats->add_flag("--json", o->json, "Print the manifest as JSON");
  return [o, build, add, remove, stats]() -> int {
    if (stats->parsed()) {
      const std::string path = o->dir + "/manifest.json";
      std::ifstream in(path);
      if (!in) throw Error(path + ": cannot open (not a datastore directory?)");
      nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
      if (j.is_discarded()) throw Error(path + ": not valid JSON");
      print_manifest(detox::DatastoreManifest::from_json(j, path), o->json);
      return kExitOk;
    }
    auto model = load_engine_model(o->model, o->eng);
    if (build->parsed()) {
      detox::BuildOptions bo;
      bo.block = o->block;
      bo.stride = o->stride;
      bo.index.kind = o->index == "ivfpq" ? detox::IndexKind::IvfPq : detox::IndexKind::Flat;
      bo.index.nlist = o->nlist;
      bo.index.m = o->m;
      bo.index.nbits = o->nbits;
      bo.index.nprobe = o->nprobe;
      auto ds = detox::Datastore::build(*model, read_corpus(o->corpus, o->text_field, o->lang_field, o->source), bo,
                                        o->dir);
      print_manifest(ds.stats(), false);
      return kExitOk;
    }
    auto ds = detox::Datastore::open(o->dir, *model);
    if (add->parsed()) {
      auto r = ds.add(read_corpus(o->corpus, o->text_field, o->lang_field, o->source));
      ds.save();
      std::cerr << "polysafe: added " << r.entries << " entries from " << r.texts << " texts (" << r.skipped
                << " too short)\n";
    } else if (remove->parsed()) {
      const int64_t n = ds.remove_source(o->source);
      if (n == 0) throw Error(o->dir + ": no entries with source '" + o->source + "'");
      ds.save();
      std::cerr << "polysafe: removed " << n << " entries of source '" << o->source << "'\n";
    }
    print_manifest(ds.stats(), false);
    return kExitOk;
  };
}

}  // namespace polysafe::cli
