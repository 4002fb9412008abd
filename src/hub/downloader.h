// Downloads model files from a Hugging Face Hub compatible server over HTTP(S)
// (libcurl): `{endpoint}/{repo}/resolve/{revision}/{file}`, resumable through a
// `<file>.part` beside the destination (HTTP Range), retried with exponential
// backoff on 5xx/429 and connection failures, sha256-checked against the
// caller's value or the server's (X-Linked-Etag for LFS files, else a sha256
// ETag), and moved into place only once complete and verified.
// The token ($HF_TOKEN) is sent only as an Authorization header: it must never
// be logged, printed or included in an error message. This unit never prints.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace polysafe::hub {

struct DownloadProgress {
  std::string filename;      // repo-relative
  uint64_t bytes_done = 0;   // bytes of the file on disk so far (resumed bytes included)
  uint64_t bytes_total = 0;  // 0 while unknown
};
using ProgressCallback = std::function<void(const DownloadProgress&)>;

struct DownloadOptions {
  std::string revision = "main";         // branch, tag or commit
  std::string endpoint;                  // empty: hub_endpoint() ($HF_ENDPOINT or huggingface.co)
  std::optional<std::string> token;      // nullopt: $HF_TOKEN; "" sends none
  std::map<std::string, std::string> expected_sha256;  // filename -> hex; beats the server's value
  int max_attempts = 5;                  // per file, first try included
  std::chrono::milliseconds initial_backoff{1000};  // doubled after each failed attempt
  std::chrono::milliseconds max_backoff{30000};     // also caps a server's Retry-After
  long connect_timeout_s = 30;
  long stall_timeout_s = 60;             // a transfer below 1 byte/s for this long is retried
  bool force = false;                    // re-download files that already exist
  ProgressCallback progress;
};

struct DownloadedFile {
  std::string filename;       // repo-relative
  std::string path;           // on disk
  uint64_t size = 0;
  std::string sha256;         // of the file on disk
  bool verified = false;      // sha256 equalled an expected value (caller's or server's)
  bool skipped = false;       // already present, not downloaded again
  uint64_t resumed_from = 0;  // bytes of a .part from an earlier run that were kept
  int attempts = 0;           // HTTP requests made for the file content
};

// Downloads one file to dest_dir/filename (subdirectories created). Throws
// HubError naming the repository, file and revision; on any failure nothing
// is left under the final name (a valid partial stays as .part for resuming,
// a corrupt one is deleted).
DownloadedFile download_file(const std::string& repo_id, const std::string& filename,
                             const std::string& dest_dir, const DownloadOptions& options = {});

// Downloads `files`, or when empty the files a local engine needs (config,
// tokenizer, chat template, *.safetensors and their index), listed through
// the Hub API ({endpoint}/api/models/{repo}/revision/{revision}).
std::vector<DownloadedFile> download_model(const std::string& repo_id, const std::vector<std::string>& files,
                                           const std::string& dest_dir, const DownloadOptions& options = {});

// Every file of the repository at the revision (Hub API "siblings").
std::vector<std::string> list_repo_files(const std::string& repo_id, const DownloadOptions& options = {});

// Whether download_model() fetches this repo-relative file by default.
bool is_default_model_file(const std::string& filename);

}  // namespace polysafe::hub
