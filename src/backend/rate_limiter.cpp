#include "backend/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace polysafe::backend {

TokenBucket::TokenBucket(double rate_per_s, double burst)
    : rate_(rate_per_s), burst_(std::max(1.0, burst)), tokens_(std::max(1.0, burst)) {}

void TokenBucket::refill(Clock::time_point now) const {
  if (!started_) {
    started_ = true;
    last_ = now;
    return;
  }
  if (now <= last_) return;
  tokens_ = std::min(burst_, tokens_ + std::chrono::duration<double>(now - last_).count() * rate_);
  last_ = now;
}

bool TokenBucket::try_take(Clock::time_point now) {
  if (unlimited()) return true;
  refill(now);
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

TokenBucket::Clock::time_point TokenBucket::next_available(Clock::time_point now) const {
  if (unlimited()) return now;
  refill(now);
  if (tokens_ >= 1.0) return now;
  // From the last refill, not from `now`: a caller asking about an earlier
  // instant than it last used still gets a time at which try_take succeeds.
  const double wait_s = (1.0 - tokens_) / rate_;
  const auto at = last_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(wait_s)) +
                  Clock::duration(1);  // round up: at the returned instant the token is there
  return std::max(at, now);
}

}  // namespace polysafe::backend
