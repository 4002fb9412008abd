// CohereBackend end to end against the loopback server's /v2/chat: answers on
// the right index, n samples as n calls with their own seeds, Cohere's field
// names (p, k, stop_sequences; the server rejects OpenAI's), finish reasons
// mapped to OpenAI's words, token usage, and the API key variable.
#include "backend/cohere_backend.h"

#include <gtest/gtest.h>

#include "backend_test_support.h"
#include "test_server.h"

namespace polysafe::backend {
namespace {

using test::expected_answer;
using test::TestServer;
using test::word_count;

const char* kKey = "co-test-0d9c8b7a6f5e4d3c";

HttpOptions cohere_opts(const TestServer& server, int concurrency = 8) {
  HttpOptions o;
  o.concurrency = concurrency;
  o.base_url = server.url();
  o.backoff_base_s = 0.02;
  o.api_key_env = "POLYSAFE_TEST_CO_KEY";
  return o;
}

TEST(CohereBackend, AnswersReachTheirRequests) {
  TestServer server({"--require-key", kKey});
  test::ScopedEnv env("POLYSAFE_TEST_CO_KEY", kKey);
  CohereBackend b("command-r", cohere_opts(server));
  EXPECT_EQ(b.spec(), "cohere:command-r");
  EXPECT_EQ(b.fingerprint(), "cohere:command-r|" + server.url());
  const auto prompts = test::xsafety_prompts(60);
  auto reqs = test::chat_requests(prompts);
  reqs[5].chat = false;  // a plain prompt is sent as one user turn
  reqs[5].prompt = "Quelle heure est-il ?";
  const auto o = test::run_all(b, reqs);
  ASSERT_EQ(o.callbacks(), reqs.size());
  for (size_t i = 0; i < reqs.size(); ++i) {
    const Response& r = o.responses[i];
    EXPECT_EQ(o.calls[i], 1);
    ASSERT_TRUE(r.ok) << r.error;
    const std::string content = i == 5 ? "Quelle heure est-il ?" : prompts[i];
    EXPECT_EQ(r.texts.at(0), expected_answer(content));
    EXPECT_EQ(r.finish_reason, "stop");  // COMPLETE
    EXPECT_EQ(r.prompt_tokens, (i == 5 ? 0 : word_count("Answer briefly.")) + word_count(content));
    EXPECT_EQ(r.completion_tokens, word_count(r.texts[0]));
  }
  const auto st = server.stats();
  EXPECT_EQ(st["paths"]["/v2/chat"], 60);
  EXPECT_EQ(st["fields"]["p"], 60);
  EXPECT_FALSE(st["fields"].contains("k"));
  EXPECT_FALSE(st["fields"].contains("stop_sequences"));
}

TEST(CohereBackend, SamplesParametersAndFinishReasons) {
  TestServer server;
  test::ScopedEnv env("POLYSAFE_TEST_CO_KEY", kKey);
  CohereBackend b("command-r", cohere_opts(server, 4));
  auto reqs = test::chat_requests({"eins zwei drei", "vier fünf sechs sieben", "acht neun"});
  reqs[0].params.n = 3;
  reqs[0].params.seed = 7;
  reqs[1].params.max_tokens = 2;
  reqs[1].params.top_k = 50;
  reqs[2].params.stop = {"]"};
  reqs[2].params.top_p = 0.5;
  const auto o = test::run_all(b, reqs);
  for (const auto& r : o.responses) ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(o.responses[0].texts.size(), 3u);
  for (int k = 0; k < 3; ++k) EXPECT_EQ(o.responses[0].texts[k], expected_answer("eins zwei drei", 7 + k));
  EXPECT_EQ(o.responses[0].attempts, 3);  // one call per sample
  EXPECT_EQ(o.responses[1].texts[0], "ANSWER[" + sha256_hex("vier fünf sechs sieben").substr(0, 8) + "]: vier");
  EXPECT_EQ(o.responses[1].finish_reason, "length");  // MAX_TOKENS
  EXPECT_EQ(o.responses[2].texts[0], "ANSWER[" + sha256_hex("acht neun").substr(0, 8));
  const auto st = server.stats();
  EXPECT_EQ(st["requests"], 5);
  EXPECT_EQ(st["fields"]["k"], 1);
  EXPECT_EQ(st["fields"]["stop_sequences"], 1);
  EXPECT_EQ(st["fields"]["seed"], 5);
}

TEST(CohereBackend, RetriesLikeOpenAi) {
  TestServer server({"--faults", "429=0.3,503=0.2,truncated=0.2", "--fault-seed", "3", "--retry-after", "0"});
  test::ScopedEnv env("POLYSAFE_TEST_CO_KEY", kKey);
  CohereBackend b("command-r", cohere_opts(server, 8));
  const auto prompts = test::xsafety_prompts(40);
  const auto o = test::run_all(b, test::chat_requests(prompts));
  size_t errors = 0;
  for (size_t i = 0; i < prompts.size(); ++i) {
    ASSERT_TRUE(o.responses[i].ok) << o.responses[i].error;
    EXPECT_EQ(o.responses[i].texts[0], expected_answer(prompts[i]));
    errors += o.responses[i].attempt_errors.size();
  }
  const auto st = server.stats();
  EXPECT_GT(errors, 0u);
  EXPECT_EQ(st["fault_total"].get<size_t>(), errors);
}

TEST(CohereBackend, KeyVariableDefaultsToCoApiKey) {
  test::ScopedEnv env("CO_API_KEY", nullptr);
  try {
    CohereBackend b("command-r", HttpOptions{});
    FAIL() << "expected BackendError";
  } catch (const BackendError& e) {
    EXPECT_STREQ(e.what(), "API key variable $CO_API_KEY is not set");
  }
  test::ScopedEnv set("CO_API_KEY", kKey);
  CohereBackend b("command-r", HttpOptions{});
  EXPECT_EQ(b.fingerprint(), "cohere:command-r|https://api.cohere.com");
  EXPECT_THROW(CohereBackend("", HttpOptions{}), BackendError);
}

}  // namespace
}  // namespace polysafe::backend
