// How the HTTP backends (OpenAI-compatible, Cohere) talk to a server: how many
// requests at once, how often and how patiently to retry, how fast to send, and
// the name of the environment variable holding the API key (the key itself is
// read at construction, kept in memory only, and never logged or stored).
#pragma once

#include <string>

namespace polysafe::backend {

struct HttpOptions {
  int concurrency = 8;             // simultaneous requests (connections), >= 1
  int max_retries = 5;             // retries after the first attempt on 429, 5xx, timeouts, bad bodies
  double timeout_s = 120;          // whole-request timeout
  double connect_timeout_s = 10;
  double backoff_base_s = 0.5;     // exponential backoff base: base * 2^attempt, full jitter
  double backoff_max_s = 30;       // cap on one wait (a longer Retry-After is honoured up to this too)
  double rate_limit_rps = 0;       // requests started per second; 0 = unlimited
  std::string api_key_env;         // e.g. "OPENAI_API_KEY"; empty = send no key
  std::string base_url;            // Cohere only: default https://api.cohere.com (tests point it at 127.0.0.1)
  bool chat = true;                // OpenAI-compatible: /chat/completions (true) or /completions
};

}  // namespace polysafe::backend
