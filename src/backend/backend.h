// One interface for every model a run talks to: the local engine, any
// OpenAI-compatible HTTP server and Cohere's chat API. A request is plain data
// with a deterministic cache key; responses come back one by one, on the
// calling thread, as they complete, so the caller can store each at once and a
// kill loses only the requests still in flight. Backends never log API keys.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace polysafe::backend {

// A backend that cannot be built from its spec or config (bad URL, unknown
// kind, missing API key variable). Request failures are Response::error, not this.
class BackendError : public Error {
 public:
  using Error::Error;
};

struct Message {
  std::string role;  // "system", "user", "assistant"
  std::string content;
};

struct GenerationParams {
  double temperature = 0;       // 0 = greedy
  double top_p = 1;
  int top_k = 0;                // 0 = off (not every API has it)
  int max_tokens = 256;
  uint64_t seed = 0;
  int n = 1;                    // samples for this request
  std::vector<std::string> stop;
};

struct Request {
  std::vector<Message> messages;  // chat request (the default)
  std::string prompt;             // completion request when `chat` is false
  bool chat = true;
  GenerationParams params;
};

// How a local model's answer was made valid UTF-8 from its tokens' bytes (see
// engine::Generation): the bytes of a character the answer ended inside
// (dropped), and the ill-formed sequences the model wrote (each one U+FFFD in
// the text). Remote APIs send text, not bytes, so they have none.
struct Utf8Repair {
  int64_t dropped_tail_bytes = 0;
  int64_t invalid_sequences = 0;
};

struct Response {
  bool ok = false;
  std::vector<std::string> texts;  // params.n answers when ok
  std::vector<Utf8Repair> utf8;    // per answer, parallel to texts; empty when the backend sends text
  std::string finish_reason;       // of the first answer: "stop", "length", ...
  int64_t prompt_tokens = -1, completion_tokens = -1;  // -1 when the backend does not say
  int attempts = 0;                // HTTP attempts (1 for local)
  double latency_s = 0;            // wall time from first send to the final answer
  std::string error;               // when !ok: what went wrong, last attempt ("http 500: ...")
  std::vector<std::string> attempt_errors;  // every failed attempt, in order (retries included)
};

// Called once per request, with its index into the batch, on the calling thread.
using ResponseCallback = std::function<void(size_t index, Response response)>;

class Backend {
 public:
  virtual ~Backend() = default;
  // "local:SmolLM2-135M-Instruct", "openai:http://127.0.0.1:8080/v1#m", "cohere:command-r".
  virtual std::string spec() const = 0;
  // What identifies the model in cache keys: the spec plus, for local models,
  // the weights' fingerprint. Never contains secrets.
  virtual std::string fingerprint() const = 0;
  // Runs every request (concurrently or batched, as the backend can) and calls
  // on_done exactly once per request. A stop flag checked between requests
  // lets Ctrl-C end a run cleanly: unsent requests then get no callback.
  virtual void generate(const std::vector<Request>& requests, const ResponseCallback& on_done,
                        const std::function<bool()>& should_stop = {}) = 0;
  // Mean-pooled hidden states, one row per text, at `point` ("final-norm" or
  // "ffn-input"): the features of hidden-state judges. Only a backend that
  // runs the model here can; the others throw BackendError naming themselves.
  virtual std::vector<std::vector<float>> embed(const std::vector<std::string>& texts, const std::string& point) {
    (void)texts;
    (void)point;
    throw BackendError("backend '" + spec() + "' cannot embed texts: hidden-state features need a local model");
  }
};

// Deterministic cache key: sha256 hex of the canonical JSON of
// {fingerprint, chat, messages or prompt, every generation parameter}.
std::string request_key(const std::string& fingerprint, const Request& request);
nlohmann::json to_json(const Request& request);

}  // namespace polysafe::backend
