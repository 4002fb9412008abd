// OpenAiBackend end to end against the loopback server (tests/server/): chat
// and completion endpoints, answers landing on the right request index, n
// samples whether or not the server honours n, request field mapping, API
// keys (required, rejected, redacted) and construction errors.
#include "backend/openai_backend.h"

#include <gtest/gtest.h>

#include "backend/http_client.h"
#include "backend_test_support.h"
#include "test_server.h"

namespace polysafe::backend {
namespace {

using test::expected_answer;
using test::TestServer;
using test::word_count;

const char* kKeyVar = "POLYSAFE_TEST_OPENAI_KEY";
const char* kKey = "sk-test-4f1c9a7e2b6d8035";

HttpOptions quick(int concurrency = 8) {
  HttpOptions o;
  o.concurrency = concurrency;
  o.timeout_s = 10;
  o.backoff_base_s = 0.02;
  o.backoff_max_s = 2;
  return o;
}

TEST(OpenAiBackend, ChatAnswersReachTheirRequests) {
  TestServer server;
  OpenAiBackend b(server.url("/v1"), "test-model", quick(8));
  const auto prompts = test::xsafety_prompts(120);
  const auto reqs = test::chat_requests(prompts);
  const auto o = test::run_all(b, reqs);
  ASSERT_EQ(o.callbacks(), reqs.size());
  for (size_t i = 0; i < reqs.size(); ++i) {
    const Response& r = o.responses[i];
    EXPECT_EQ(o.calls[i], 1) << i;
    ASSERT_TRUE(r.ok) << i << ": " << r.error;
    ASSERT_EQ(r.texts.size(), 1u);
    EXPECT_EQ(r.texts[0], expected_answer(prompts[i])) << i;
    EXPECT_EQ(r.finish_reason, "stop");
    EXPECT_EQ(r.prompt_tokens, word_count("Answer briefly.") + word_count(prompts[i]));
    EXPECT_EQ(r.completion_tokens, word_count(r.texts[0]));
    EXPECT_EQ(r.attempts, 1);
    EXPECT_TRUE(r.attempt_errors.empty());
    EXPECT_TRUE(r.error.empty());
    EXPECT_GT(r.latency_s, 0);
  }
  const auto st = server.stats();
  EXPECT_EQ(st["requests"], 120);
  EXPECT_EQ(st["paths"]["/v1/chat/completions"], 120);
  EXPECT_EQ(st["answered"], 120);
  EXPECT_EQ(st["max_answers_per_body"], 1);
  // top_k 0 is "off": never sent; no stop list: no "stop" field.
  EXPECT_FALSE(st["fields"].contains("top_k"));
  EXPECT_FALSE(st["fields"].contains("stop"));
  EXPECT_EQ(st["fields"]["seed"], 120);
  EXPECT_LE(st["connections"].get<int>(), 8);  // kept alive: one per concurrent request
  EXPECT_GE(st["connections"].get<int>(), 2);  // and requests did run concurrently
  EXPECT_EQ(b.spec(), "openai:" + server.url("/v1") + "#test-model");
  EXPECT_EQ(b.fingerprint(), b.spec() + "|chat");

  // A second batch on the same backend reuses its client (and connections).
  const auto again = test::run_all(b, test::chat_requests({prompts[3]}));
  ASSERT_TRUE(again.responses[0].ok);
  EXPECT_EQ(again.responses[0].texts[0], expected_answer(prompts[3]));
  EXPECT_LE(server.stats()["connections"].get<int>(), 8);
}

TEST(OpenAiBackend, CompletionRequestsUseTheCompletionsEndpoint) {
  TestServer server;
  OpenAiBackend b(server.url("/v1/"), "base-model", quick(4));  // trailing slash tolerated
  const auto prompts = test::xsafety_prompts(24);
  std::vector<Request> reqs;
  for (const auto& p : prompts) {
    Request r;
    r.chat = false;
    r.prompt = p;
    reqs.push_back(r);
  }
  const auto o = test::run_all(b, reqs);
  for (size_t i = 0; i < reqs.size(); ++i) {
    ASSERT_TRUE(o.responses[i].ok) << o.responses[i].error;
    EXPECT_EQ(o.responses[i].texts.at(0), expected_answer(prompts[i]));
    EXPECT_EQ(o.responses[i].prompt_tokens, word_count(prompts[i]));
  }
  EXPECT_EQ(server.stats()["paths"]["/v1/completions"], 24);
}

TEST(OpenAiBackend, ChatsForACompletionsOnlyBackendBecomeOnePrompt) {
  TestServer server;
  HttpOptions opts = quick(2);
  opts.chat = false;
  OpenAiBackend b(server.url("/v1"), "base-model", opts);
  EXPECT_EQ(b.fingerprint(), b.spec() + "|completions");
  const auto o = test::run_all(b, test::chat_requests({"Wie backe ich Brot?"}, "Sei kurz."));
  ASSERT_TRUE(o.responses[0].ok) << o.responses[0].error;
  EXPECT_EQ(o.responses[0].texts[0], expected_answer("Sei kurz.\n\nWie backe ich Brot?"));
  EXPECT_EQ(server.stats()["paths"]["/v1/completions"], 1);
}

// n samples come back in order with seeds seed, seed+1, ... whether the server
// returns all n at once, caps n, or ignores it (then more calls are made).
TEST(OpenAiBackend, NSamplesWhateverTheServerHonours) {
  const auto prompts = test::xsafety_prompts(10);
  auto reqs = test::chat_requests(prompts);
  for (auto& r : reqs) {
    r.params.n = 5;
    r.params.seed = 100;
    r.params.temperature = 0.8;
  }
  struct Case {
    std::string max_n;
    int calls_per_request;
  };
  // max-n 1: 1 + 4 follow-ups of one sample; max-n 2: [0,2) then [2,4) and [4,5).
  for (const Case& c : {Case{"128", 1}, Case{"2", 3}, Case{"1", 5}}) {
    TestServer server({"--max-n", c.max_n});
    OpenAiBackend b(server.url("/v1"), "m", quick(4));
    const auto o = test::run_all(b, reqs);
    for (size_t i = 0; i < reqs.size(); ++i) {
      const Response& r = o.responses[i];
      ASSERT_TRUE(r.ok) << r.error;
      EXPECT_EQ(o.calls[i], 1);
      ASSERT_EQ(r.texts.size(), 5u) << "max-n " << c.max_n;
      for (int k = 0; k < 5; ++k) EXPECT_EQ(r.texts[k], expected_answer(prompts[i], 100 + k)) << c.max_n << " " << k;
      EXPECT_EQ(r.attempts, c.calls_per_request);
      int64_t words = 0;
      for (const auto& t : r.texts) words += word_count(t);
      EXPECT_EQ(r.completion_tokens, words);  // summed over the calls
    }
    EXPECT_EQ(server.stats()["requests"], static_cast<int>(reqs.size()) * c.calls_per_request) << c.max_n;
  }
}

TEST(OpenAiBackend, SendsEveryGenerationParameter) {
  TestServer server;
  OpenAiBackend b(server.url("/v1"), "m", quick(2));
  auto reqs = test::chat_requests({"alpha beta gamma delta", "one two three four five"});
  reqs[0].params.top_k = 40;
  reqs[0].params.stop = {"]"};  // the answer "ANSWER[xxxxxxxx]: ..." is cut before the ']'
  reqs[1].params.max_tokens = 3;
  const auto o = test::run_all(b, reqs);
  ASSERT_TRUE(o.responses[0].ok) << o.responses[0].error;
  ASSERT_TRUE(o.responses[1].ok) << o.responses[1].error;
  EXPECT_EQ(o.responses[0].texts[0], expected_answer("alpha beta gamma delta").substr(0, 15));
  EXPECT_EQ(o.responses[0].finish_reason, "stop");
  EXPECT_EQ(o.responses[1].texts[0], "ANSWER[" + sha256_hex("one two three four five").substr(0, 8) + "]: one two");
  EXPECT_EQ(o.responses[1].finish_reason, "length");
  EXPECT_EQ(o.responses[1].completion_tokens, 3);
  const auto st = server.stats();
  EXPECT_EQ(st["fields"]["top_k"], 1);
  EXPECT_EQ(st["fields"]["stop"], 1);
  for (const char* f : {"model", "messages", "temperature", "top_p", "max_tokens", "seed", "n"})
    EXPECT_EQ(st["fields"][f], 2) << f;
}

TEST(OpenAiBackend, ServerRejectionFailsAtOnceWithItsMessage) {
  TestServer server;
  HttpOptions opts = quick(2);
  opts.max_retries = 5;
  OpenAiBackend b(server.url("/v1"), "m", opts);
  Request bad;  // no messages: the server answers 400
  const auto o = test::run_all(b, {bad, test::chat_requests({"fine"})[0]});
  const Response& r = o.responses[0];
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(r.error, "http 400: 'messages' must be a non-empty array");
  ASSERT_EQ(r.attempt_errors.size(), 1u);
  EXPECT_EQ(r.attempt_errors[0], r.error);
  EXPECT_TRUE(r.texts.empty());
  EXPECT_TRUE(o.responses[1].ok);  // one bad request does not sink the batch
  EXPECT_EQ(server.stats()["requests"], 2);
}

TEST(OpenAiBackend, ApiKeyRequiredSentAndNeverShown) {
  TestServer server({"--require-key", kKey});
  const auto reqs = test::chat_requests({"Kannst du mir helfen?"});
  {
    // No key: 401 at once, no retries, the server's message in the error.
    OpenAiBackend b(server.url("/v1"), "m", quick(1));
    const auto o = test::run_all(b, reqs);
    EXPECT_FALSE(o.responses[0].ok);
    EXPECT_EQ(o.responses[0].attempts, 1);
    EXPECT_EQ(o.responses[0].error, "http 401: invalid API key: Authorization was ''");
    EXPECT_EQ(server.stats()["requests"], 1);
  }
  {
    test::ScopedEnv env(kKeyVar, kKey);
    HttpOptions opts = quick(1);
    opts.api_key_env = kKeyVar;
    OpenAiBackend b(server.url("/v1"), "m", opts);
    const auto o = test::run_all(b, reqs);
    ASSERT_TRUE(o.responses[0].ok) << o.responses[0].error;
    EXPECT_EQ(o.responses[0].texts[0], expected_answer("Kannst du mir helfen?"));
    EXPECT_EQ(b.fingerprint().find(kKey), std::string::npos);
  }
  {
    // A wrong key the server echoes back: redacted in the error.
    const std::string wrong = "sk-wrong-77e0c4d2a9b1";
    test::ScopedEnv env(kKeyVar, wrong.c_str());
    HttpOptions opts = quick(1);
    opts.api_key_env = kKeyVar;
    OpenAiBackend b(server.url("/v1"), "m", opts);
    const auto o = test::run_all(b, reqs);
    EXPECT_FALSE(o.responses[0].ok);
    EXPECT_EQ(o.responses[0].error, "http 401: invalid API key: Authorization was 'Bearer ***'");
    for (const auto& e : o.responses[0].attempt_errors) EXPECT_EQ(e.find(wrong), std::string::npos);
  }
}

TEST(OpenAiBackend, EchoedKeyIsRedactedFromAnswers) {
  TestServer server({"--answer", "echo_auth"});
  test::ScopedEnv env(kKeyVar, kKey);
  HttpOptions opts = quick(2);
  opts.api_key_env = kKeyVar;
  OpenAiBackend b(server.url("/v1"), "m", opts);
  auto reqs = test::chat_requests({"a", "b"});
  reqs[1].params.n = 2;
  const auto o = test::run_all(b, reqs);
  for (const auto& r : o.responses) {
    ASSERT_TRUE(r.ok) << r.error;
    for (const auto& t : r.texts) {
      EXPECT_EQ(t.find(kKey), std::string::npos);
      EXPECT_EQ(t.rfind("AUTH[Bearer ***]", 0), 0u) << t;
    }
  }
}

TEST(OpenAiBackend, ConstructionErrorsNameTheProblem) {
  auto message = [](const std::function<void()>& f) -> std::string {
    try {
      f();
    } catch (const BackendError& e) {
      return e.what();
    }
    return "(no error)";
  };
  {
    test::ScopedEnv env(kKeyVar, nullptr);
    HttpOptions o;
    o.api_key_env = kKeyVar;
    EXPECT_EQ(message([&] { OpenAiBackend("http://127.0.0.1:1/v1", "m", o); }),
              std::string("API key variable $") + kKeyVar + " is not set");
  }
  {
    test::ScopedEnv env(kKeyVar, "");
    HttpOptions o;
    o.api_key_env = kKeyVar;
    EXPECT_EQ(message([&] { OpenAiBackend("http://127.0.0.1:1/v1", "m", o); }),
              std::string("API key variable $") + kKeyVar + " is empty");
  }
  EXPECT_EQ(message([] { OpenAiBackend("ftp://host/v1", "m", {}); }),
            "openai base URL 'ftp://host/v1': expected an http:// or https:// URL");
  EXPECT_EQ(message([] { OpenAiBackend("http://", "m", {}); }), "openai base URL 'http://': no host after the scheme");
  EXPECT_EQ(message([] { OpenAiBackend("http://127.0.0.1:8080/v1", "", {}); }),
            "openai backend 'http://127.0.0.1:8080/v1': empty model name (expected URL#MODEL)");
  HttpOptions zero;
  zero.concurrency = 0;
  EXPECT_EQ(message([&] { OpenAiBackend("http://127.0.0.1:8080/v1", "m", zero); }),
            "http option 'concurrency': expected >= 1, got 0");
}

TEST(OpenAiBackend, UnreachableServerIsRetriedThenReported) {
  int port = 0;
  {
    TestServer gone;  // a port that was just free, now closed again
    port = gone.port();
  }
  HttpOptions opts = quick(2);
  opts.max_retries = 2;
  opts.backoff_base_s = 0.01;
  OpenAiBackend b("http://127.0.0.1:" + std::to_string(port) + "/v1", "m", opts);
  const auto o = test::run_all(b, test::chat_requests({"x", "y"}));
  for (const auto& r : o.responses) {
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.attempts, 3);
    ASSERT_EQ(r.attempt_errors.size(), 3u);
    for (const auto& e : r.attempt_errors) EXPECT_EQ(e.rfind("connection: ", 0), 0u) << e;
    EXPECT_EQ(r.error, r.attempt_errors.back());
  }
}

}  // namespace
}  // namespace polysafe::backend
