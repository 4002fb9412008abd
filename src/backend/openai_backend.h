// OpenAI-compatible HTTP backend (vLLM, llama.cpp server, Ollama, TGI, OpenAI):
// POST {base_url}/chat/completions or {base_url}/completions with the model
// name, through the shared HTTP client (concurrency, retries with backoff and
// Retry-After, timeouts, rate limit). The API key comes from the environment
// variable named in HttpOptions; it is never logged, stored or put in errors.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "backend/backend.h"
#include "backend/http_options.h"

namespace polysafe::backend {

class HttpClient;

class OpenAiBackend : public Backend {
 public:
  // base_url: "http://127.0.0.1:8080/v1" (no trailing path). BackendError on a
  // URL that is not http(s), an empty model, or an api_key_env that is unset.
  OpenAiBackend(std::string base_url, std::string model, HttpOptions opts);
  ~OpenAiBackend() override;

  std::string spec() const override;         // "openai:BASE_URL#MODEL"
  std::string fingerprint() const override;  // spec + endpoint kind
  void generate(const std::vector<Request>& requests, const ResponseCallback& on_done,
                const std::function<bool()>& should_stop = {}) override;

 private:
  std::string base_url_, model_, api_key_;
  HttpOptions opts_;
  // One client, so kept-alive connections outlive a generate() call; the
  // mutex makes concurrent generate() calls take turns.
  std::unique_ptr<HttpClient> client_;
  std::mutex mu_;
};

}  // namespace polysafe::backend
