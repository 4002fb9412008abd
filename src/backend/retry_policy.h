// When and how long the HTTP backends wait before trying a request again:
// which statuses and transport failures are worth a retry, exponential backoff
// with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter",
// 2015), and the server's Retry-After header (RFC 9110 §10.2.3: delay-seconds
// or an HTTP-date). Pure functions: no I/O, no clock of their own, no logging.
#pragma once

#include <ctime>
#include <optional>
#include <random>
#include <string_view>

namespace polysafe::backend {

// 408, 429 and every 5xx: the same request may succeed later. Every other
// non-2xx status (400, 401, 403, 404, 422, ...) fails at once.
bool is_retryable_status(long status);

// Delay before retry number `retry` (0 for the first retry): uniform in
// [0, min(max_s, base_s * 2^retry)]. A Retry-After the server sent raises the
// delay to at least that value; the result never exceeds max_s.
double backoff_delay_s(int retry, double base_s, double max_s, std::optional<double> retry_after_s,
                       std::mt19937_64& rng);

// Seconds to wait from a Retry-After value: "120", "1.5", or an HTTP-date
// ("Wed, 21 Oct 2015 07:28:00 GMT", relative to `now`; a past date is 0).
// nullopt for anything else, so a malformed header falls back to backoff.
std::optional<double> parse_retry_after(std::string_view value, std::time_t now);

}  // namespace polysafe::backend
