// The HTTP engine under injected faults, through OpenAiBackend against the
// loopback server: every kind of fault retried to success with each failed
// attempt accounted for exactly as the server counted it, retries running
// out, Retry-After, backoff that does not hold up other requests, timeouts,
// the rate limit and should_stop.
#include <gtest/gtest.h>

#include <map>

#include "backend/openai_backend.h"
#include "backend_test_support.h"
#include "test_server.h"

namespace polysafe::backend {
namespace {

using test::expected_answer;
using test::TestServer;

HttpOptions quick(int concurrency) {
  HttpOptions o;
  o.concurrency = concurrency;
  o.timeout_s = 10;
  o.backoff_base_s = 0.02;
  o.backoff_max_s = 2;
  return o;
}

// Which injected fault an attempt error reports.
std::string fault_kind(const std::string& e) {
  if (e.rfind("http 429: ", 0) == 0) return "429";
  if (e.rfind("http 500: ", 0) == 0) return "500";
  if (e.rfind("http 503: ", 0) == 0) return "503";
  if (e.rfind("timeout: ", 0) == 0) return "timeout";
  if (e.rfind("http 200: unusable body: ", 0) == 0) return "truncated";
  if (e.rfind("http 200: content type 'text/html", 0) == 0) return "content_type";
  if (e.rfind("connection: ", 0) == 0) return "reset";
  return "unexpected: " + e;
}

TEST(HttpFaults, EveryFaultKindRetriedToTheRightAnswer) {
  TestServer server({"--faults", "429=0.15,500=0.1,503=0.05,timeout=0.05,truncated=0.05,content_type=0.05,reset=0.05",
                     "--fault-seed", "42", "--timeout-sleep-ms", "2500"});
  HttpOptions opts = quick(16);
  opts.max_retries = 4;  // each faulty body fails at most twice
  // Long enough that no honest answer times out on a loaded machine (that
  // would be an error the server did not inject), short enough to be quick.
  opts.timeout_s = 1.0;
  OpenAiBackend b(server.url("/v1"), "m", opts);
  const auto prompts = test::xsafety_prompts(300);
  const auto reqs = test::chat_requests(prompts);
  const auto o = test::run_all(b, reqs);

  ASSERT_EQ(o.callbacks(), 300u);
  std::map<std::string, uint64_t> seen;
  uint64_t attempts = 0, errors = 0;
  for (size_t i = 0; i < reqs.size(); ++i) {
    const Response& r = o.responses[i];
    EXPECT_EQ(o.calls[i], 1) << i;
    ASSERT_TRUE(r.ok) << i << ": " << r.error;
    EXPECT_EQ(r.texts.at(0), expected_answer(prompts[i])) << i;
    EXPECT_EQ(r.attempts, 1 + static_cast<int>(r.attempt_errors.size()));
    EXPECT_LE(r.attempt_errors.size(), 2u);
    for (const auto& e : r.attempt_errors) ++seen[fault_kind(e)];
    attempts += static_cast<uint64_t>(r.attempts);
    errors += r.attempt_errors.size();
  }
  const auto st = server.stats();
  EXPECT_EQ(st["requests"].get<uint64_t>(), attempts);
  EXPECT_EQ(st["fault_total"].get<uint64_t>(), errors);
  EXPECT_EQ(st["answered"], 300);
  EXPECT_EQ(st["max_answers_per_body"], 1);
  for (const char* kind : {"429", "500", "503", "timeout", "truncated", "content_type", "reset"}) {
    EXPECT_GT(TestServer::faults(st, kind), 0u) << kind << " was never injected: widen the test";
    EXPECT_EQ(seen[kind], TestServer::faults(st, kind)) << kind;
  }
  for (const auto& [kind, n] : seen) EXPECT_EQ(kind.rfind("unexpected", 0), std::string::npos) << kind;
}

TEST(HttpFaults, RetriesRunOut) {
  TestServer server({"--faults", "500=1", "--fault-attempts", "100"});
  HttpOptions opts = quick(2);
  opts.max_retries = 2;
  opts.backoff_base_s = 0.01;
  OpenAiBackend b(server.url("/v1"), "m", opts);
  const auto o = test::run_all(b, test::chat_requests({"never works"}));
  const Response& r = o.responses[0];
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.attempts, 3);
  ASSERT_EQ(r.attempt_errors.size(), 3u);
  for (const auto& e : r.attempt_errors) EXPECT_EQ(e, "http 500: injected fault: http 500");
  EXPECT_EQ(r.error, "http 500: injected fault: http 500");
  EXPECT_TRUE(r.texts.empty());
  EXPECT_EQ(server.stats()["requests"], 3);
}

TEST(HttpFaults, RetryAfterIsHonoured) {
  TestServer server({"--faults", "429=1", "--fault-attempts", "1", "--retry-after", "1"});
  HttpOptions opts = quick(1);
  opts.backoff_base_s = 0.001;  // backoff alone would retry within a millisecond
  OpenAiBackend b(server.url("/v1"), "m", opts);
  const auto o = test::run_all(b, test::chat_requests({"slow down"}));
  const Response& r = o.responses[0];
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.attempts, 2);
  ASSERT_EQ(r.attempt_errors.size(), 1u);
  EXPECT_EQ(r.attempt_errors[0], "http 429: injected fault: http 429");
  EXPECT_GE(r.latency_s, 1.0);
  EXPECT_LT(r.latency_s, 1.8);
}

TEST(HttpFaults, BackoffDoesNotHoldUpOtherRequests) {
  // One request ("SLOW") is told to come back in 1 s; 39 others take 20 ms
  // each on 4 connections and must all finish while it waits.
  TestServer server({"--faults", "429=1", "--fault-attempts", "1", "--fault-match", "SLOW", "--delay-ms", "20"});
  OpenAiBackend b(server.url("/v1"), "m", quick(4));
  std::vector<std::string> prompts = {"SLOW request"};
  for (const auto& p : test::xsafety_prompts(39)) prompts.push_back(p);
  const auto o = test::run_all(b, test::chat_requests(prompts));
  ASSERT_EQ(o.callbacks(), 40u);
  EXPECT_EQ(o.order.back(), 0u);
  EXPECT_LT(o.at_s[38], 0.9);  // the 39 others
  const Response& slow = o.responses[0];
  ASSERT_TRUE(slow.ok) << slow.error;
  EXPECT_EQ(slow.attempts, 2);
  EXPECT_GE(slow.latency_s, 1.0);
  EXPECT_EQ(slow.texts[0], expected_answer("SLOW request"));
}

TEST(HttpFaults, TimeoutsAreRetried) {
  TestServer server({"--faults", "timeout=1", "--fault-attempts", "1", "--timeout-sleep-ms", "3000"});
  HttpOptions opts = quick(2);
  opts.timeout_s = 0.5;
  OpenAiBackend b(server.url("/v1"), "m", opts);
  const auto o = test::run_all(b, test::chat_requests({"first", "second"}));
  for (size_t i = 0; i < 2; ++i) {
    const Response& r = o.responses[i];
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.attempts, 2);
    ASSERT_EQ(r.attempt_errors.size(), 1u);
    EXPECT_EQ(r.attempt_errors[0].rfind("timeout: ", 0), 0u) << r.attempt_errors[0];
    EXPECT_GE(r.latency_s, 0.5);
    EXPECT_LT(r.latency_s, 2.5);  // did not wait for the server's 3 s
  }
  EXPECT_EQ(o.responses[1].texts[0], expected_answer("second"));
}

TEST(HttpFaults, RateLimitSpacesRequests) {
  TestServer server;
  HttpOptions opts = quick(8);
  opts.rate_limit_rps = 10;
  OpenAiBackend b(server.url("/v1"), "m", opts);
  const auto o = test::run_all(b, test::chat_requests(test::xsafety_prompts(20)));
  ASSERT_EQ(o.callbacks(), 20u);
  for (const auto& r : o.responses) EXPECT_TRUE(r.ok) << r.error;
  // 20 starts at 10/s: 19 gaps of 0.1 s.
  EXPECT_GE(o.elapsed_s, 1.85);
  EXPECT_LT(o.elapsed_s, 4.0);
}

TEST(HttpFaults, ShouldStopHaltsSending) {
  TestServer server({"--delay-ms", "5"});
  OpenAiBackend b(server.url("/v1"), "m", quick(4));
  const auto prompts = test::xsafety_prompts(200);
  const auto reqs = test::chat_requests(prompts);
  const auto o = test::run_all(b, reqs, [](const test::Outcome& so_far) { return so_far.callbacks() >= 10; });
  // Requests in flight when the stop came finish and are reported; nothing
  // else is sent, and what was never sent gets no callback.
  EXPECT_GE(o.callbacks(), 10u);
  EXPECT_LE(o.callbacks(), 14u);
  for (size_t i : o.order) {
    EXPECT_EQ(o.calls[i], 1);
    EXPECT_TRUE(o.responses[i].ok);
    EXPECT_EQ(o.responses[i].texts[0], expected_answer(prompts[i]));
  }
  EXPECT_EQ(server.stats()["requests"].get<size_t>(), o.callbacks());

  // The backend stays usable: the rest of the batch runs on the next call.
  std::vector<Request> rest;
  std::vector<size_t> rest_index;
  for (size_t i = 0; i < reqs.size(); ++i)
    if (o.calls[i] == 0) rest.push_back(reqs[i]), rest_index.push_back(i);
  const auto o2 = test::run_all(b, rest);
  ASSERT_EQ(o2.callbacks(), rest.size());
  for (size_t k = 0; k < rest.size(); ++k)
    EXPECT_EQ(o2.responses[k].texts.at(0), expected_answer(prompts[rest_index[k]]));
  EXPECT_EQ(server.stats()["answered"], 200);
}

TEST(HttpFaults, StopDuringBackoffReportsNothingUnfinished) {
  // Every request is told to wait 1 s; a stop during the wait ends the run at
  // once with no callbacks (nothing finished), instead of after the wait.
  TestServer server({"--faults", "429=1", "--fault-attempts", "1", "--retry-after", "1"});
  OpenAiBackend b(server.url("/v1"), "m", quick(4));
  const auto start = std::chrono::steady_clock::now();
  const auto o = test::run_all(b, test::chat_requests({"a", "b", "c"}), [&](const test::Outcome&) {
    return std::chrono::steady_clock::now() - start > std::chrono::milliseconds(300);
  });
  EXPECT_EQ(o.callbacks(), 0u);
  EXPECT_LT(o.elapsed_s, 0.8);
  EXPECT_EQ(server.stats()["requests"], 3);
}

// Not a test: requests/s of the client against the server's instant answers.
// Run with --gtest_also_run_disabled_tests --gtest_filter='*Throughput*'.
TEST(HttpFaults, DISABLED_Throughput) {
  TestServer server;
  OpenAiBackend b(server.url("/v1"), "m", quick(64));
  const auto prompts = test::xsafety_prompts(1000);
  std::vector<Request> reqs;
  for (int round = 0; round < 20; ++round)
    for (const auto& p : prompts) reqs.push_back(test::chat_requests({p + " #" + std::to_string(round)})[0]);
  const auto o = test::run_all(b, reqs);
  size_t ok = 0;
  for (const auto& r : o.responses) ok += r.ok;
  EXPECT_EQ(ok, reqs.size());
  std::printf("%zu requests at concurrency 64 in %.2f s: %.0f requests/s\n", reqs.size(), o.elapsed_s,
              reqs.size() / o.elapsed_s);
}

}  // namespace
}  // namespace polysafe::backend
