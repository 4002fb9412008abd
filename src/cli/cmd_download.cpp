// `polysafe download REPO`: fetch a checkpoint from a Hugging Face Hub
// compatible server ($HF_ENDPOINT), resumable and checksummed. The token is read
// from $HF_TOKEN by the library and never printed.
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cli/command.h"
#include "hub/downloader.h"
#include "hub/model_registry.h"
#include "util/strings.h"

namespace polysafe::cli {

std::function<int()> setup_download(CLI::App& app) {
  auto* cmd = app.add_subcommand("download", "Download a model checkpoint from a model hub (resumable, checksummed)");
  struct Opts {
    std::string repo;
    std::vector<std::string> files;
    std::string revision = "main";
    std::string out;
    bool force = false;
    bool quiet = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("repo", o->repo, "Repository id, e.g. HuggingFaceTB/SmolLM2-135M-Instruct")->required();
  cmd->add_option("--file", o->files, "Files to fetch (default: config, tokenizer and safetensors files)");
  cmd->add_option("--revision", o->revision, "Branch, tag or commit")->capture_default_str();
  cmd->add_option("--out", o->out, "Destination directory (default: <cache>/models/<repo>)");
  cmd->add_flag("--force", o->force, "Download again even if the file exists");
  cmd->add_flag("--quiet", o->quiet, "No progress output");
  return [o]() {
    std::string dest = o->out.empty() ? (std::filesystem::path(hub::cache_dir()) / "models" / o->repo).string() : o->out;
    hub::DownloadOptions opt;
    opt.revision = o->revision;
    opt.force = o->force;
    if (!o->quiet) {
      opt.progress = [](const hub::DownloadProgress& p) {
        if (p.bytes_total)
          std::fprintf(stderr, "\r%s: %s / %s", p.filename.c_str(), human_bytes(p.bytes_done).c_str(),
                       human_bytes(p.bytes_total).c_str());
        else
          std::fprintf(stderr, "\r%s: %s", p.filename.c_str(), human_bytes(p.bytes_done).c_str());
      };
    }
    auto files = hub::download_model(o->repo, o->files, dest, opt);
    if (!o->quiet) std::fprintf(stderr, "\n");
    for (const auto& f : files) {
      std::cout << f.path << "  " << human_bytes(f.size) << "  sha256 " << f.sha256
                << (f.verified ? " (verified)" : " (no checksum published)")
                << (f.skipped ? " [already present]" : "")
                << (f.resumed_from ? " [resumed at " + human_bytes(f.resumed_from) + "]" : "") << "\n";
    }
    std::cout << dest << "\n";
    return kExitOk;
  };
}

}  // namespace polysafe::cli
