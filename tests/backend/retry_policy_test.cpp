// The pure parts of the HTTP engine: which failures are retried, backoff with
// full jitter, Retry-After in both RFC 9110 forms, the token bucket, and how
// a server's error body becomes a one-line message.
#include <gtest/gtest.h>

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <random>

#include "backend/http_client.h"
#include "backend/rate_limiter.h"
#include "backend/retry_policy.h"

namespace polysafe::backend {
namespace {

TEST(RetryPolicy, RetryableStatuses) {
  for (long s : {408L, 429L, 500L, 502L, 503L, 504L, 599L}) EXPECT_TRUE(is_retryable_status(s)) << s;
  for (long s : {200L, 301L, 400L, 401L, 403L, 404L, 409L, 413L, 422L, 600L}) EXPECT_FALSE(is_retryable_status(s)) << s;
}

TEST(RetryPolicy, BackoffIsFullJitterUnderTheCap) {
  std::mt19937_64 rng(7);
  for (int retry = 0; retry < 8; ++retry) {
    const double ceiling = std::min(4.0, 0.5 * (1 << retry));
    double lo = 1e9, hi = 0, sum = 0;
    const int draws = 4000;
    for (int i = 0; i < draws; ++i) {
      const double d = backoff_delay_s(retry, 0.5, 4.0, std::nullopt, rng);
      ASSERT_GE(d, 0.0);
      ASSERT_LE(d, ceiling);
      lo = std::min(lo, d);
      hi = std::max(hi, d);
      sum += d;
    }
    // Uniform on [0, ceiling]: spread over the whole range, mean near the middle.
    EXPECT_LT(lo, 0.02 * ceiling) << retry;
    EXPECT_GT(hi, 0.98 * ceiling) << retry;
    EXPECT_NEAR(sum / draws, ceiling / 2, 0.05 * ceiling) << retry;
  }
}

TEST(RetryPolicy, RetryAfterRaisesTheDelayUpToTheCap) {
  std::mt19937_64 rng(1);
  for (int i = 0; i < 200; ++i) {
    EXPECT_GE(backoff_delay_s(0, 0.01, 30, 1.0, rng), 1.0);
    EXPECT_LE(backoff_delay_s(0, 0.01, 30, 1.0, rng), 1.0);  // base 0.01 never exceeds it
    EXPECT_EQ(backoff_delay_s(3, 0.5, 2.0, 120.0, rng), 2.0);
  }
  EXPECT_EQ(backoff_delay_s(2, 0, 30, std::nullopt, rng), 0.0);
  EXPECT_LE(backoff_delay_s(1000, 1, 5, std::nullopt, rng), 5.0);  // no overflow on many retries
}

TEST(RetryPolicy, ParsesRetryAfterSecondsAndDates) {
  const std::time_t now = curl_getdate("Wed, 21 Oct 2015 07:28:00 GMT", nullptr);
  ASSERT_NE(now, -1);
  EXPECT_EQ(parse_retry_after("1", now), 1.0);
  EXPECT_EQ(parse_retry_after(" 120 ", now), 120.0);
  EXPECT_EQ(parse_retry_after("0", now), 0.0);
  EXPECT_EQ(parse_retry_after("1.5", now), 1.5);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:07 GMT", now), 7.0);   // IMF-fixdate
  EXPECT_EQ(parse_retry_after("Wednesday, 21-Oct-15 07:29:00 GMT", now), 60.0);  // RFC 850
  EXPECT_EQ(parse_retry_after("Wed Oct 21 07:28:30 2015", now), 30.0);        // asctime
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), 0.0);    // in the past
  EXPECT_FALSE(parse_retry_after("", now));
  EXPECT_FALSE(parse_retry_after("soon", now));
  EXPECT_FALSE(parse_retry_after("-5", now));
  EXPECT_FALSE(parse_retry_after("5s", now));
}

TEST(TokenBucket, SpacesRequestsAtTheRate) {
  using namespace std::chrono;
  TokenBucket b(10);  // 10 per second, burst 1
  const auto t0 = TokenBucket::Clock::time_point{} + seconds(100);
  EXPECT_TRUE(b.try_take(t0));
  EXPECT_FALSE(b.try_take(t0));
  EXPECT_FALSE(b.try_take(t0 + milliseconds(99)));
  const auto next = b.next_available(t0 + milliseconds(50));
  EXPECT_GE(next, t0 + milliseconds(100));
  EXPECT_LE(next, t0 + milliseconds(101));
  EXPECT_TRUE(b.try_take(next));
  // 20 takes, each as soon as allowed: 19 gaps of 100 ms.
  TokenBucket c(10);
  auto t = t0;
  int taken = 0;
  auto first = t0, last = t0;
  while (taken < 20) {
    t = c.next_available(t);
    ASSERT_TRUE(c.try_take(t));
    if (taken == 0) first = t;
    last = t;
    ++taken;
  }
  EXPECT_NEAR(duration<double>(last - first).count(), 1.9, 1e-3);
  TokenBucket off(0);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(off.try_take(t0));
}

TEST(TokenBucket, BurstRefillsButNeverOverflows) {
  using namespace std::chrono;
  TokenBucket b(2, 3);
  const auto t0 = TokenBucket::Clock::time_point{} + seconds(5);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(b.try_take(t0));
  EXPECT_FALSE(b.try_take(t0));
  const auto later = t0 + seconds(60);  // a long idle spell refills to the burst, not 120
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(b.try_take(later));
  EXPECT_FALSE(b.try_take(later));
}

TEST(ServerErrorMessage, PicksTheHumanPart) {
  EXPECT_EQ(server_error_message(R"({"error":{"message":"  model 'x' not found \n","type":"invalid_request_error"}})"),
            "model 'x' not found");
  EXPECT_EQ(server_error_message(R"({"message":"invalid api token"})"), "invalid api token");  // Cohere
  EXPECT_EQ(server_error_message(R"({"object":"error","message":"max_tokens too large","code":400})"),
            "max_tokens too large");  // vLLM
  EXPECT_EQ(server_error_message(R"({"error":"Input validation error"})"), "Input validation error");  // TGI
  EXPECT_EQ(server_error_message(R"({"detail":"Not Found"})"), "Not Found");
  EXPECT_EQ(server_error_message("<html>\n<body>Bad gateway</body>\n</html>"), "<html> <body>Bad gateway</body> </html>");
  EXPECT_EQ(server_error_message(""), "(empty body)");
  const std::string big(5000, 'x');
  const std::string capped = server_error_message(big);
  EXPECT_EQ(capped.size(), 503u);
  EXPECT_EQ(capped.substr(500), "...");
  // Capping never splits a UTF-8 character.
  std::string cyr;
  for (int i = 0; i < 400; ++i) cyr += "я";
  const std::string c2 = server_error_message(cyr);
  EXPECT_EQ(c2, cyr.substr(0, 500) + "...");
}

}  // namespace
}  // namespace polysafe::backend
