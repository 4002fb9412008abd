#include "hub/hub_url.h"

#include <cctype>
#include <cstdlib>

#include "util/error.h"
#include "util/strings.h"

namespace polysafe::hub {

std::string hub_endpoint() {
  std::string e;
  if (const char* v = std::getenv("HF_ENDPOINT"); v && *v) e = v;
  else e = kDefaultEndpoint;
  while (!e.empty() && e.back() == '/') e.pop_back();
  return e;
}

void validate_repo_id(const std::string& repo_id) {
  auto bad = [&](const std::string& why) {
    throw HubError("repository id '" + escape_for_terminal(repo_id) + "': " + why +
                   " (expected 'org/name' or 'name')");
  };
  if (repo_id.empty()) bad("empty");
  auto parts = split(repo_id, '/');
  if (parts.size() > 2) bad("more than one '/'");
  for (const auto& p : parts) {
    if (p.empty()) bad("empty part");
    if (p.size() > 96) bad("part longer than 96 characters");
    if (p == "." || p.find("..") != std::string::npos) bad("'..' is not allowed");
    if (p.front() == '-' || p.front() == '.' || p.back() == '-' || p.back() == '.')
      bad("a part may not start or end with '-' or '.'");
    for (unsigned char c : p)
      if (!(std::isalnum(c) || c == '-' || c == '_' || c == '.')) bad("character not allowed");
  }
}

void validate_repo_filename(const std::string& repo_id, const std::string& filename) {
  auto bad = [&](const std::string& why) {
    throw HubError(repo_id + ": file name '" + escape_for_terminal(filename) + "': " + why);
  };
  if (filename.empty()) bad("empty");
  if (filename.size() > 1024) bad("longer than 1024 bytes");
  if (filename.front() == '/') bad("absolute paths are not allowed");
  for (unsigned char c : filename)
    if (c < 0x20 || c == 0x7f || c == '\\') bad("control characters and backslashes are not allowed");
  for (const auto& seg : split(filename, '/'))
    if (seg.empty() || seg == "." || seg == "..") bad("empty, '.' and '..' path segments are not allowed");
}

std::string url_encode(const std::string& s, bool keep_slash) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

std::string resolve_url(const std::string& endpoint, const std::string& repo_id,
                        const std::string& revision, const std::string& filename) {
  return endpoint + "/" + repo_id + "/resolve/" + url_encode(revision, false) + "/" + url_encode(filename, true);
}

std::string model_info_url(const std::string& endpoint, const std::string& repo_id,
                           const std::string& revision) {
  return endpoint + "/api/models/" + repo_id + "/revision/" + url_encode(revision, false);
}

std::string redact_url(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  auto host_start = scheme + 3;
  auto path = url.find('/', host_start);
  auto at = url.rfind('@', path == std::string::npos ? url.size() : path);
  if (at == std::string::npos || at < host_start) return url;
  return url.substr(0, host_start) + "***@" + url.substr(at + 1);
}

}  // namespace polysafe::hub
