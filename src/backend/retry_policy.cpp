#include "backend/retry_policy.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>

namespace polysafe::backend {

bool is_retryable_status(long status) { return status == 408 || status == 429 || (status >= 500 && status <= 599); }

double backoff_delay_s(int retry, double base_s, double max_s, std::optional<double> retry_after_s,
                       std::mt19937_64& rng) {
  max_s = std::max(0.0, max_s);
  // 2^retry overflows nothing that matters: the cap applies before the draw.
  const double ceiling = std::min(max_s, std::max(0.0, base_s) * std::ldexp(1.0, std::clamp(retry, 0, 60)));
  double delay = ceiling > 0 ? std::uniform_real_distribution<double>(0.0, ceiling)(rng) : 0.0;
  if (retry_after_s) delay = std::max(delay, *retry_after_s);
  return std::min(delay, max_s);
}

std::optional<double> parse_retry_after(std::string_view value, std::time_t now) {
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) value.remove_prefix(1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  const std::string s(value);
  if (std::isdigit(static_cast<unsigned char>(s[0]))) {
    // delay-seconds is an integer in RFC 9110; a fractional value from a
    // lenient server is still a clear intent, so accept it.
    size_t used = 0;
    double v = 0;
    try {
      v = std::stod(s, &used);
    } catch (...) {
      return std::nullopt;
    }
    if (used != s.size() || !std::isfinite(v) || v < 0) return std::nullopt;
    return v;
  }
  // curl_getdate parses RFC 1123/850 and asctime dates, the three forms
  // RFC 9110 §5.6.7 requires recipients to accept.
  const time_t when = curl_getdate(s.c_str(), nullptr);
  if (when == -1) return std::nullopt;
  return std::max(0.0, std::difftime(when, now));
}

}  // namespace polysafe::backend
