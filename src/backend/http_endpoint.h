// What both HTTP backends read from their options before the first request:
// a checked base URL and the API key from the environment variable the
// options name. Errors name the URL or the variable, never a key's value.
#pragma once

#include <string>

namespace polysafe::backend {

// "http(s)://host[:port][/path]" without trailing slashes. BackendError
// ("<what> '<url>': ...") for another scheme, no host, or whitespace.
std::string checked_base_url(std::string url, const std::string& what);

// The value of $env_name; "" when env_name is empty (no key is sent).
// BackendError naming the variable when it is unset or empty.
std::string api_key_from_env(const std::string& env_name);

}  // namespace polysafe::backend
