#include "backend/http_endpoint.h"

#include <cctype>
#include <cstdlib>

#include "backend/backend.h"

namespace polysafe::backend {

std::string checked_base_url(std::string url, const std::string& what) {
  for (char c : url)
    if (std::isspace(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) < 0x20)
      throw BackendError(what + " '" + url + "': contains whitespace or control characters");
  size_t host = 0;
  if (url.rfind("http://", 0) == 0) host = 7;
  else if (url.rfind("https://", 0) == 0) host = 8;
  else throw BackendError(what + " '" + url + "': expected an http:// or https:// URL");
  if (host >= url.size() || url[host] == '/' || url[host] == ':' || url[host] == '?' || url[host] == '#')
    throw BackendError(what + " '" + url + "': no host after the scheme");
  while (url.size() > host && url.back() == '/') url.pop_back();
  return url;
}

std::string api_key_from_env(const std::string& env_name) {
  if (env_name.empty()) return "";
  const char* v = std::getenv(env_name.c_str());
  if (!v) throw BackendError("API key variable $" + env_name + " is not set");
  if (!*v) throw BackendError("API key variable $" + env_name + " is empty");
  return v;
}

}  // namespace polysafe::backend
