#include "hub/downloader.h"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "hub/hub_url.h"
#include "util/error.h"
#include "util/sha256.h"
#include "util/strings.h"

namespace polysafe::hub {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr size_t kMaxErrorBody = 4096;
constexpr size_t kMaxApiBody = 64u << 20;

void curl_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string effective_token(const DownloadOptions& o) {
  if (o.token) return *o.token;
  const char* t = std::getenv("HF_TOKEN");
  return t ? t : "";
}

std::string effective_endpoint(const DownloadOptions& o) {
  std::string e = o.endpoint.empty() ? hub_endpoint() : o.endpoint;
  while (!e.empty() && e.back() == '/') e.pop_back();
  return e;
}

// Everything that can reach a message passes through here: a server may echo
// the Authorization header back in an error body or header.
std::string scrub(std::string s, const std::string& token) {
  if (token.empty()) return s;
  for (size_t pos; (pos = s.find(token)) != std::string::npos;) s.replace(pos, token.size(), "***");
  return s;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_sha256_hex(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

// ETag values arrive as `"abc"` or `W/"abc"`; the Hub's LFS files carry the
// content sha256 there (X-Linked-Etag on the redirect, or ETag directly).
std::string etag_value(std::string v) {
  if (starts_with(v, "W/")) v = v.substr(2);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  return lower(v);
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return s.substr(i);
}

// One HTTP exchange (redirects followed). The body of a 200/206 goes to `out`
// (appending at `offset` for 206, truncating for 200); any other status's body
// is kept, capped, for the error message.
struct Exchange {
  CURL* curl = nullptr;
  FILE* out = nullptr;          // null: body kept in `text`
  uint64_t offset = 0;
  std::string filename;
  const ProgressCallback* progress = nullptr;

  long status = 0;
  bool decided = false;
  bool range_mismatch = false;
  bool write_failed = false;
  int write_errno = 0;
  uint64_t base = 0;            // bytes of the file before this body
  uint64_t body_bytes = 0;
  std::string text;             // API body or error body
  // Headers of the last response; linked_etag from any response in the chain.
  std::string etag, linked_etag, content_range, error_code, error_message, retry_after;
  char errbuf[CURL_ERROR_SIZE] = {0};

  bool body_to_file() const { return out && (status == 200 || status == 206); }

  static size_t on_header(char* p, size_t size, size_t n, void* ud) {
    auto* x = static_cast<Exchange*>(ud);
    std::string line(p, size * n);
    if (starts_with(line, "HTTP/")) {  // a new response in the redirect chain
      x->etag.clear();
      x->content_range.clear();
      x->error_code.clear();
      x->error_message.clear();
      x->retry_after.clear();
      return size * n;
    }
    auto colon = line.find(':');
    if (colon == std::string::npos) return size * n;
    std::string name = lower(line.substr(0, colon));
    std::string value = trim(line.substr(colon + 1));
    if (name == "etag") x->etag = value;
    else if (name == "x-linked-etag") x->linked_etag = value;
    else if (name == "content-range") x->content_range = value;
    else if (name == "x-error-code") x->error_code = value;
    else if (name == "x-error-message") x->error_message = value;
    else if (name == "retry-after") x->retry_after = value;
    return size * n;
  }

  static size_t on_body(char* p, size_t size, size_t n, void* ud) {
    auto* x = static_cast<Exchange*>(ud);
    const size_t len = size * n;
    if (!x->decided) {
      x->decided = true;
      curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &x->status);
      if (x->out && x->status == 206) {
        // "bytes START-END/TOTAL": the server must continue exactly where we stopped.
        unsigned long long start = 0;
        if (std::sscanf(x->content_range.c_str(), "bytes %llu-", &start) != 1 || start != x->offset) {
          x->range_mismatch = true;
          return 0;
        }
        x->base = x->offset;
      } else if (x->out && x->status == 200 && x->offset > 0) {
        // The server ignored the Range request and sends the whole file.
        std::fflush(x->out);
        if (::ftruncate(::fileno(x->out), 0) != 0) {
          x->write_failed = true;
          x->write_errno = errno;
          return 0;
        }
        x->base = 0;
      }
    }
    if (x->body_to_file()) {
      if (std::fwrite(p, 1, len, x->out) != len) {
        x->write_failed = true;
        x->write_errno = errno;
        return 0;
      }
      x->body_bytes += len;
    } else {
      // API responses are kept whole (up to a sanity cap); error bodies only
      // in part, they are for diagnostics.
      const size_t cap = x->out ? kMaxErrorBody : kMaxApiBody;
      if (x->text.size() + len > cap) {
        if (!x->out) return 0;  // absurdly large API answer: abort the transfer
        x->text.append(p, cap - std::min(cap, x->text.size()));
      } else {
        x->text.append(p, len);
      }
    }
    return len;
  }

  static int on_progress(void* ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t, curl_off_t) {
    auto* x = static_cast<Exchange*>(ud);
    if (x->progress && *x->progress && x->decided && x->body_to_file() && dlnow > 0) {
      DownloadProgress pr;
      pr.filename = x->filename;
      pr.bytes_done = x->base + static_cast<uint64_t>(dlnow);
      pr.bytes_total = dltotal > 0 ? x->base + static_cast<uint64_t>(dltotal) : 0;
      (*x->progress)(pr);
    }
    return 0;
  }
};

struct CurlHandle {
  CURL* h = curl_easy_init();
  curl_slist* headers = nullptr;
  ~CurlHandle() {
    if (headers) curl_slist_free_all(headers);
    if (h) curl_easy_cleanup(h);
  }
};

// Performs one GET; returns the curl result code. Never logs: CURLOPT_VERBOSE
// stays off so the Authorization header cannot reach stderr.
CURLcode perform(Exchange& x, const std::string& url, const std::string& token, const DownloadOptions& o) {
  curl_init_once();
  CurlHandle c;
  if (!c.h) throw HubError("cannot initialise libcurl");
  x.curl = c.h;
  if (!token.empty()) c.headers = curl_slist_append(c.headers, ("Authorization: Bearer " + token).c_str());
  c.headers = curl_slist_append(c.headers, "User-Agent: polysafe/" POLYSAFE_VERSION);
  curl_easy_setopt(c.h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c.h, CURLOPT_HTTPHEADER, c.headers);
  curl_easy_setopt(c.h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c.h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  // Redirects to the LFS CDN are followed; curl does not forward a custom
  // Authorization header to a different host.
  curl_easy_setopt(c.h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c.h, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(c.h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c.h, CURLOPT_CONNECTTIMEOUT, o.connect_timeout_s);
  curl_easy_setopt(c.h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c.h, CURLOPT_LOW_SPEED_TIME, o.stall_timeout_s);
  curl_easy_setopt(c.h, CURLOPT_ERRORBUFFER, x.errbuf);
  curl_easy_setopt(c.h, CURLOPT_HEADERFUNCTION, &Exchange::on_header);
  curl_easy_setopt(c.h, CURLOPT_HEADERDATA, &x);
  curl_easy_setopt(c.h, CURLOPT_WRITEFUNCTION, &Exchange::on_body);
  curl_easy_setopt(c.h, CURLOPT_WRITEDATA, &x);
  curl_easy_setopt(c.h, CURLOPT_XFERINFOFUNCTION, &Exchange::on_progress);
  curl_easy_setopt(c.h, CURLOPT_XFERINFODATA, &x);
  curl_easy_setopt(c.h, CURLOPT_NOPROGRESS, 0L);
  std::string range;
  if (x.offset > 0) {
    range = std::to_string(x.offset) + "-";
    curl_easy_setopt(c.h, CURLOPT_RANGE, range.c_str());
  }
  CURLcode rc = curl_easy_perform(c.h);
  if (!x.decided) curl_easy_getinfo(c.h, CURLINFO_RESPONSE_CODE, &x.status);  // empty body
  x.curl = nullptr;
  return rc;
}

bool retryable_status(long s) { return s == 408 || s == 429 || (s >= 500 && s <= 599); }

// The human part of a failed HTTP status, with the Hub's X-Error-Code taken
// into account. The caller prefixes repository, file and revision.
std::string describe_status(const Exchange& x, const std::string& revision, bool have_token) {
  std::string msg = "HTTP " + std::to_string(x.status) + ": ";
  if (x.status == 404) {
    if (x.error_code == "RepoNotFound")
      msg += std::string("repository not found") + (have_token ? "" : " (if it is private, set HF_TOKEN)");
    else if (x.error_code == "RevisionNotFound")
      msg += "revision '" + revision + "' not found";
    else
      msg += "file not found in the repository at revision '" + revision + "'";
  } else if (x.status == 401) {
    msg += have_token ? "the access token was rejected or has no access to this repository (check HF_TOKEN)"
                      : "authentication required (private or gated repository): set HF_TOKEN";
  } else if (x.status == 403) {
    msg += "access denied (gated repository: request access on the Hub, then use a token that has it)";
  } else if (x.status == 416) {
    msg += "requested range not satisfiable";
  } else if (x.status >= 500) {
    msg += "server error";
  } else if (x.status == 429) {
    msg += "rate limited";
  } else {
    msg += "unexpected response";
  }
  if (!x.error_message.empty()) msg += " (server says: " + escape_for_terminal(x.error_message.substr(0, 200)) + ")";
  return msg;
}

std::chrono::milliseconds wait_before_retry(const Exchange& x, std::chrono::milliseconds backoff,
                                            const DownloadOptions& o) {
  if (!x.retry_after.empty() && std::all_of(x.retry_after.begin(), x.retry_after.end(), ::isdigit) &&
      x.retry_after.size() < 7)
    return std::min(o.max_backoff, std::chrono::milliseconds(std::stoll(x.retry_after) * 1000));
  return std::min(o.max_backoff, backoff);
}

struct Target {
  std::string repo, filename, revision, url, token;
  std::string prefix() const { return repo + ": file '" + filename + "' (revision " + revision + ")"; }
  [[noreturn]] void fail(const std::string& what) const {
    throw HubError(scrub(prefix() + ": " + what + " [" + redact_url(url) + "]", token));
  }
};

struct FetchResult {
  std::string server_sha256;  // from X-Linked-Etag / ETag, when it is a sha256
  int attempts = 0;
};

// Brings `part` to the complete file, resuming from its current size.
FetchResult fetch_to_part(const Target& t, const std::string& part, const DownloadOptions& o) {
  FetchResult r;
  auto backoff = o.initial_backoff;
  std::string last_error;
  const int max_attempts = std::max(1, o.max_attempts);
  for (int attempt = 1; attempt <= max_attempts; ++attempt) {
    std::error_code ec;
    uint64_t offset = fs::exists(part, ec) ? fs::file_size(part, ec) : 0;
    FILE* f = std::fopen(part.c_str(), "ab");
    if (!f) throw HubError(t.prefix() + ": cannot open " + part + " for writing: " + std::strerror(errno));
    Exchange x;
    x.out = f;
    x.offset = offset;
    x.filename = t.filename;
    x.progress = &o.progress;
    CURLcode rc = perform(x, t.url, t.token, o);
    int close_rc = std::fclose(f);
    ++r.attempts;
    if (x.write_failed || close_rc != 0)
      throw HubError(t.prefix() + ": cannot write " + part + ": " + std::strerror(x.write_failed ? x.write_errno : errno));

    const bool got_body = rc == CURLE_OK && (x.status == 200 || x.status == 206);
    if (!got_body && fs::exists(part, ec) && fs::file_size(part, ec) == 0) fs::remove(part, ec);

    bool retry = false;
    if (x.range_mismatch) {
      // A 206 for some other range: the partial file cannot be trusted.
      fs::remove(part, ec);
      last_error = "server answered the resume request with range '" + x.content_range + "'";
      retry = true;
    } else if (rc != CURLE_OK) {
      last_error = std::string("transfer failed: ") + curl_easy_strerror(rc) + (x.errbuf[0] ? std::string(": ") + x.errbuf : "");
      retry = true;  // connection refused/reset, truncated body, timeout: resume next time
    } else if (x.status == 200 || x.status == 206) {
      std::string linked = etag_value(x.linked_etag), plain = etag_value(x.etag);
      if (is_sha256_hex(linked)) r.server_sha256 = linked;
      else if (is_sha256_hex(plain)) r.server_sha256 = plain;
      return r;
    } else if (x.status == 416 && offset > 0) {
      fs::remove(part, ec);  // the partial file is longer than the file now on the server
      last_error = "server rejected resuming at byte " + std::to_string(offset);
      retry = true;
    } else if (retryable_status(x.status)) {
      last_error = describe_status(x, t.revision, !t.token.empty());
      retry = true;
    } else {
      t.fail(describe_status(x, t.revision, !t.token.empty()));
    }
    if (retry && attempt < max_attempts) {
      std::this_thread::sleep_for(wait_before_retry(x, backoff, o));
      backoff = std::min(o.max_backoff, backoff * 2);
    }
  }
  t.fail(last_error + " (gave up after " + std::to_string(max_attempts) + " attempts)");
}

}  // namespace

DownloadedFile download_file(const std::string& repo_id, const std::string& filename,
                             const std::string& dest_dir, const DownloadOptions& o) {
  validate_repo_id(repo_id);
  validate_repo_filename(repo_id, filename);
  Target t{repo_id, filename, o.revision, resolve_url(effective_endpoint(o), repo_id, o.revision, filename),
           effective_token(o)};

  std::string expected_by_caller;
  if (auto it = o.expected_sha256.find(filename); it != o.expected_sha256.end()) {
    expected_by_caller = lower(it->second);
    if (!is_sha256_hex(expected_by_caller))
      throw HubError(t.prefix() + ": expected sha256 '" + escape_for_terminal(it->second) + "' is not 64 hex digits");
  }

  DownloadedFile out;
  out.filename = filename;
  const fs::path final_path = fs::path(dest_dir) / filename;
  out.path = final_path.string();
  const std::string part = out.path + ".part";
  std::error_code ec;
  fs::create_directories(final_path.parent_path(), ec);
  if (ec) throw HubError(t.prefix() + ": cannot create " + final_path.parent_path().string() + ": " + ec.message());

  if (fs::is_regular_file(final_path, ec) && !o.force) {
    out.size = fs::file_size(final_path, ec);
    if (expected_by_caller.empty()) {
      out.skipped = true;  // present from an earlier, verified download
      return out;
    }
    out.sha256 = sha256_file_hex(out.path);
    if (out.sha256 == expected_by_caller) {
      out.skipped = out.verified = true;
      return out;
    }
  }

  out.resumed_from = fs::exists(part, ec) ? fs::file_size(part, ec) : 0;
  for (int pass = 0;; ++pass) {
    uint64_t started_at = fs::exists(part, ec) ? fs::file_size(part, ec) : 0;
    FetchResult r = fetch_to_part(t, part, o);
    out.attempts += r.attempts;
    out.sha256 = sha256_file_hex(part);
    const std::string& expected = expected_by_caller.empty() ? r.server_sha256 : expected_by_caller;
    if (!expected.empty() && out.sha256 != expected) {
      fs::remove(part, ec);  // never resume from, or keep, bytes that fail the check
      // Bytes kept from an earlier run may belong to another version of the
      // file: one fresh download settles it.
      if (started_at > 0 && pass == 0) continue;
      t.fail("sha256 mismatch: expected " + expected + " (" +
             (expected_by_caller.empty() ? "from the server's ETag" : "given by the caller") + "), got " +
             out.sha256 + "; the download was discarded");
    }
    out.verified = !expected.empty();
    break;
  }
  fs::rename(part, final_path, ec);
  if (ec) throw HubError(t.prefix() + ": cannot move " + part + " into place: " + ec.message());
  out.size = fs::file_size(final_path, ec);
  if (o.progress) o.progress({filename, out.size, out.size});
  return out;
}

std::vector<std::string> list_repo_files(const std::string& repo_id, const DownloadOptions& o) {
  validate_repo_id(repo_id);
  Target t{repo_id, "(file list)", o.revision, model_info_url(effective_endpoint(o), repo_id, o.revision),
           effective_token(o)};
  auto backoff = o.initial_backoff;
  const int max_attempts = std::max(1, o.max_attempts);
  std::string last_error;
  for (int attempt = 1; attempt <= max_attempts; ++attempt) {
    Exchange x;
    CURLcode rc = perform(x, t.url, t.token, o);
    if (rc == CURLE_OK && x.status == 200) {
      json info;
      try {
        info = json::parse(x.text);
      } catch (const json::exception& e) {
        t.fail(std::string("model info is not valid JSON: ") + e.what());
      }
      std::vector<std::string> files;
      if (!info.is_object() || !info.contains("siblings") || !info["siblings"].is_array())
        t.fail("model info has no 'siblings' list");
      for (const auto& s : info["siblings"])
        if (s.is_object() && s.contains("rfilename") && s["rfilename"].is_string())
          files.push_back(s["rfilename"].get<std::string>());
      return files;
    }
    if (rc != CURLE_OK) {
      last_error = std::string("request failed: ") + curl_easy_strerror(rc);
    } else if (retryable_status(x.status)) {
      last_error = describe_status(x, o.revision, !t.token.empty());
    } else {
      if (x.status == 404 && x.error_code.empty()) x.error_code = "RepoNotFound";
      t.fail(describe_status(x, o.revision, !t.token.empty()));
    }
    if (attempt < max_attempts) {
      std::this_thread::sleep_for(wait_before_retry(x, backoff, o));
      backoff = std::min(o.max_backoff, backoff * 2);
    }
  }
  t.fail(last_error + " (gave up after " + std::to_string(max_attempts) + " attempts)");
}

bool is_default_model_file(const std::string& f) {
  if (f.find('/') != std::string::npos) return false;  // onnx/, original/, ... are other formats
  static const char* names[] = {"config.json", "generation_config.json", "tokenizer.json",
                                "tokenizer_config.json", "tokenizer.model", "special_tokens_map.json",
                                "added_tokens.json", "vocab.json", "merges.txt", "chat_template.jinja",
                                "chat_template.json", "model.safetensors.index.json"};
  for (const char* n : names)
    if (f == n) return true;
  return ends_with(f, ".safetensors");
}

std::vector<DownloadedFile> download_model(const std::string& repo_id, const std::vector<std::string>& files_in,
                                           const std::string& dest_dir, const DownloadOptions& o) {
  std::vector<std::string> files = files_in;
  if (files.empty()) {
    for (const auto& f : list_repo_files(repo_id, o))
      if (is_default_model_file(f)) files.push_back(f);
    if (files.empty())
      throw HubError(repo_id + " (revision " + o.revision + "): no config.json, tokenizer or *.safetensors files to download");
  }
  std::vector<DownloadedFile> out;
  for (const auto& f : files) out.push_back(download_file(repo_id, f, dest_dir, o));
  return out;
}

}  // namespace polysafe::hub
