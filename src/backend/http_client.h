// The one HTTP engine behind the OpenAI-compatible and Cohere backends: JSON
// POSTs through libcurl's multi interface on the calling thread, up to
// `concurrency` in flight over kept-alive connections, timeouts, retries with
// jittered exponential backoff and Retry-After, and a requests-per-second cap.
// Waiting for a retry never blocks other requests. The API key is sent only as
// an Authorization header and is redacted from every error and answer text;
// this unit never logs or prints.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "backend/backend.h"
#include "backend/http_options.h"

namespace polysafe::backend {

// Fills the answer fields of `out` (texts, finish_reason, token counts) from
// the body of a 2xx reply. Throwing any std::exception marks the body as
// unusable (truncated JSON, missing fields): the attempt counts as failed and
// is retried like a 5xx, with the exception's message in the attempt's error.
using ReplyParser = std::function<void(const std::string& body, Response& out)>;

// The final outcome of one call, on the thread running HttpClient::run. The
// Response's ok/attempts/latency_s/error/attempt_errors are the client's; its
// answer fields are the parser's.
using CallDone = std::function<void(size_t call_id, Response response)>;

class HttpClient {
 public:
  // BackendError naming the option when one is out of range (concurrency < 1,
  // negative retries or timeouts). api_key: empty sends no Authorization.
  HttpClient(const HttpOptions& opts, std::string api_key);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Queues a POST of the JSON `body` to `url` for the next (or the running)
  // run(); returns the call's id, counted from 0 within one run. May be called
  // from inside on_done: the running run() then sends that call too.
  size_t post(std::string url, std::string body, ReplyParser parse);

  // Sends every queued call and returns when each has its final outcome,
  // calling on_done exactly once per call. Error strings read
  //   "http 503: <server's message>", "timeout: <libcurl's reason>",
  //   "connection: <libcurl's reason>", "http 200: unusable body: <parser's reason>",
  //   "http 200: content type 'text/html', expected JSON".
  // should_stop is checked before each send (retries included): once it
  // returns true nothing more is sent, transfers in flight finish, and calls
  // that never completed (unsent, waiting to retry, or failed with a retryable
  // error after the stop) get no callback. If on_done throws, the transfers in
  // flight are abandoned, the queue is cleared and the exception propagates.
  // Not thread-safe: one run() at a time per client.
  void run(const CallDone& on_done, const std::function<bool()>& should_stop = {});

  // `s` with every occurrence of the API key replaced by "***".
  std::string redact(std::string s) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The human part of an error body: error.message (OpenAI, vLLM, llama.cpp),
// message (Cohere, vLLM), error as a string, or detail; else the raw body.
// Whitespace-trimmed and capped at 500 bytes.
std::string server_error_message(const std::string& body);

}  // namespace polysafe::backend
