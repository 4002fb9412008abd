// A token bucket that spaces out the requests an HTTP backend starts, so a run
// stays under a provider's requests-per-second limit instead of collecting
// 429s. Retries spend tokens like first attempts. The caller passes the clock,
// so the bucket never sleeps and never blocks the requests already in flight.
#pragma once

#include <chrono>

namespace polysafe::backend {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  // rate_per_s <= 0: unlimited. burst: tokens the bucket holds at most (and
  // starts with); 1 spaces requests evenly, 1/rate apart.
  explicit TokenBucket(double rate_per_s, double burst = 1);

  bool unlimited() const { return rate_ <= 0; }
  // Takes a token if one is available at `now`.
  bool try_take(Clock::time_point now);
  // When the next token will be available (now if one already is).
  Clock::time_point next_available(Clock::time_point now) const;

 private:
  void refill(Clock::time_point now) const;

  double rate_, burst_;
  mutable double tokens_;
  mutable Clock::time_point last_{};
  mutable bool started_ = false;
};

}  // namespace polysafe::backend
