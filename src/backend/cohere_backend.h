// Cohere chat API v2 backend: POST {base_url}/v2/chat with the model name and
// messages, through the shared HTTP client. The key (Bearer) comes from the
// environment variable named in HttpOptions (default CO_API_KEY); it is never
// logged, stored or put in errors.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "backend/backend.h"
#include "backend/http_options.h"

namespace polysafe::backend {

class HttpClient;

class CohereBackend : public Backend {
 public:
  // BackendError on an empty model, a bad base URL, or an unset key variable.
  CohereBackend(std::string model, HttpOptions opts);
  ~CohereBackend() override;

  std::string spec() const override;         // "cohere:MODEL"
  std::string fingerprint() const override;  // spec + base URL
  void generate(const std::vector<Request>& requests, const ResponseCallback& on_done,
                const std::function<bool()>& should_stop = {}) override;

 private:
  std::string model_, base_url_, api_key_;
  HttpOptions opts_;
  // One client, so kept-alive connections outlive a generate() call; the
  // mutex makes concurrent generate() calls take turns.
  std::unique_ptr<HttpClient> client_;
  std::mutex mu_;
};

}  // namespace polysafe::backend
