#include "backend/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <deque>
#include <mutex>
#include <queue>
#include <random>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "backend/rate_limiter.h"
#include "backend/retry_policy.h"

namespace polysafe::backend {

namespace {

using Clock = std::chrono::steady_clock;

// A model's answer is kilobytes; anything this large is a misrouted request
// (a file server, a proxy's error page loop) and fails without a retry.
constexpr size_t kMaxReplyBytes = 64u << 20;
constexpr size_t kMaxErrorMessage = 500;
// The longest the loop sleeps without looking at should_stop.
constexpr int kMaxPollMs = 100;

void curl_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

// Cuts at a UTF-8 character boundary so a capped message stays valid text.
std::string cap_utf8(std::string s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  return s + "...";
}

// Transport failures where the same request can succeed on a new connection.
bool is_retryable_curl(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
      return true;
    default:
      return false;
  }
}

struct Call {
  size_t id = 0;
  std::string url, body;
  ReplyParser parse;
  int attempts = 0;
  Clock::time_point first_send{};
  std::vector<std::string> errors;
  // The transfer in flight.
  CURL* easy = nullptr;
  std::string reply, retry_after;
  bool too_big = false;
  char errbuf[CURL_ERROR_SIZE] = {0};

  static size_t on_body(char* p, size_t size, size_t n, void* ud) {
    auto* c = static_cast<Call*>(ud);
    if (c->reply.size() + size * n > kMaxReplyBytes) {
      c->too_big = true;
      return 0;  // aborts the transfer with CURLE_WRITE_ERROR
    }
    c->reply.append(p, size * n);
    return size * n;
  }

  static size_t on_header(char* p, size_t size, size_t n, void* ud) {
    auto* c = static_cast<Call*>(ud);
    const std::string_view line(p, size * n);
    if (line.substr(0, 5) == "HTTP/") {  // a new response (after 100 Continue, say)
      c->retry_after.clear();
    } else if (const auto colon = line.find(':'); colon != std::string_view::npos &&
                                                  lower(std::string(line.substr(0, colon))) == "retry-after") {
      c->retry_after = trim(line.substr(colon + 1));
    }
    return size * n;
  }
};

}  // namespace

std::string server_error_message(const std::string& body) {
  std::string msg;
  try {
    const auto j = nlohmann::json::parse(body);
    if (j.is_object()) {
      if (auto e = j.find("error"); e != j.end()) {
        if (e->is_string()) msg = e->get<std::string>();
        else if (e->is_object() && e->contains("message") && (*e)["message"].is_string())
          msg = (*e)["message"].get<std::string>();
      }
      if (msg.empty())
        for (const char* key : {"message", "detail"})
          if (auto m = j.find(key); m != j.end() && m->is_string()) {
            msg = m->get<std::string>();
            break;
          }
    }
  } catch (const nlohmann::json::exception&) {
  }
  if (msg.empty()) msg = body;
  for (auto& c : msg)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  msg = trim(msg);
  return cap_utf8(msg.empty() ? std::string("(empty body)") : msg, kMaxErrorMessage);
}

struct HttpClient::Impl {
  HttpOptions opts;
  std::string key;
  CURLM* multi = nullptr;
  curl_slist* headers = nullptr;
  std::vector<CURL*> idle;  // easy handles kept for reuse
  TokenBucket bucket;
  std::mt19937_64 rng{std::random_device{}()};

  // This run's calls, by id.
  std::vector<std::unique_ptr<Call>> calls;
  std::deque<size_t> fresh;
  using Due = std::pair<Clock::time_point, size_t>;
  std::priority_queue<Due, std::vector<Due>, std::greater<>> waiting;
  size_t in_flight = 0;

  Impl(const HttpOptions& o, std::string k) : opts(o), key(std::move(k)), bucket(o.rate_limit_rps) {}

  std::string redact(std::string s) const {
    if (key.empty()) return s;
    for (size_t pos = 0; (pos = s.find(key, pos)) != std::string::npos; pos += 3) s.replace(pos, key.size(), "***");
    return s;
  }

  void start(Call& c, Clock::time_point now) {
    CURL* e = nullptr;
    if (idle.empty()) {
      e = curl_easy_init();
      if (!e) throw BackendError("http client: curl_easy_init failed");
    } else {
      e = idle.back();
      idle.pop_back();
      curl_easy_reset(e);  // keeps its connections; the multi handle owns the pool anyway
    }
    c.reply.clear();
    c.retry_after.clear();
    c.too_big = false;
    c.errbuf[0] = 0;
    curl_easy_setopt(e, CURLOPT_URL, c.url.c_str());
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, c.body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(c.body.size()));
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "polysafe/" POLYSAFE_VERSION);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Call::on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &c);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Call::on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &c);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c.errbuf);
    curl_easy_setopt(e, CURLOPT_PRIVATE, &c);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(std::ceil(opts.timeout_s * 1000)));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::ceil(opts.connect_timeout_s * 1000)));
    if (CURLMcode mc = curl_multi_add_handle(multi, e); mc != CURLM_OK) {
      idle.push_back(e);
      throw BackendError(std::string("http client: curl_multi_add_handle: ") + curl_multi_strerror(mc));
    }
    c.easy = e;
    if (c.attempts++ == 0) c.first_send = now;
    ++in_flight;
  }

  void release(Call& c) {
    curl_multi_remove_handle(multi, c.easy);
    idle.push_back(c.easy);
    c.easy = nullptr;
    --in_flight;
  }

  // One attempt ended: retry it, or report its final outcome.
  void finish(Call& c, CURLcode rc, bool stopping, const CallDone& on_done) {
    long status = 0;
    char* ct = nullptr;
    curl_easy_getinfo(c.easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(c.easy, CURLINFO_CONTENT_TYPE, &ct);
    const std::string content_type = ct ? ct : "";
    release(c);

    Response r;
    std::string err;
    bool retryable = false;
    const std::string http = "http " + std::to_string(status) + ": ";
    if (rc != CURLE_OK) {
      const std::string why = c.errbuf[0] ? trim(c.errbuf) : curl_easy_strerror(rc);
      if (c.too_big) {
        err = "reply larger than " + std::to_string(kMaxReplyBytes >> 20) + " MiB";
      } else if (rc == CURLE_OPERATION_TIMEDOUT) {
        err = "timeout: " + why;
        retryable = true;
      } else {
        err = "connection: " + why;
        retryable = is_retryable_curl(rc);
      }
    } else if (status >= 200 && status <= 299) {
      if (!content_type.empty() && lower(content_type).find("json") == std::string::npos) {
        err = http + "content type '" + content_type + "', expected JSON";
        retryable = true;
      } else {
        try {
          c.parse(c.reply, r);
        } catch (const std::exception& ex) {
          err = http + "unusable body: " + cap_utf8(ex.what(), kMaxErrorMessage);
          retryable = true;
          r = Response{};
        }
      }
    } else {
      err = http + server_error_message(c.reply);
      retryable = is_retryable_status(status);
    }

    if (!err.empty()) {
      err = redact(std::move(err));
      c.errors.push_back(err);
      if (retryable && c.attempts <= opts.max_retries) {
        if (stopping) return;  // would be retried: unfinished, so no callback
        std::optional<double> after;
        if (!c.retry_after.empty()) after = parse_retry_after(c.retry_after, std::time(nullptr));
        const double delay = backoff_delay_s(c.attempts - 1, opts.backoff_base_s, opts.backoff_max_s, after, rng);
        waiting.emplace(Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(delay)),
                        c.id);
        return;
      }
    }
    r.ok = err.empty();
    r.error = err;
    r.attempts = c.attempts;
    r.attempt_errors = std::move(c.errors);
    r.latency_s = std::chrono::duration<double>(Clock::now() - c.first_send).count();
    for (auto& t : r.texts) t = redact(std::move(t));
    r.finish_reason = redact(std::move(r.finish_reason));
    // The call is over: free its buffers now, a batch can hold many.
    std::string().swap(c.body);
    std::string().swap(c.reply);
    c.parse = nullptr;
    on_done(c.id, std::move(r));
  }

  void abandon() {
    for (auto& c : calls)
      if (c && c->easy) release(*c);
    calls.clear();
    fresh.clear();
    waiting = {};
    in_flight = 0;
  }
};

HttpClient::HttpClient(const HttpOptions& opts, std::string api_key) {
  auto bad = [](const std::string& name, const std::string& want, double got) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", got);
    return BackendError("http option '" + name + "': expected " + want + ", got " + buf);
  };
  if (opts.concurrency < 1) throw bad("concurrency", ">= 1", opts.concurrency);
  if (opts.max_retries < 0) throw bad("max_retries", ">= 0", opts.max_retries);
  if (!(opts.timeout_s > 0)) throw bad("timeout_s", "> 0", opts.timeout_s);
  if (!(opts.connect_timeout_s > 0)) throw bad("connect_timeout_s", "> 0", opts.connect_timeout_s);
  if (!(opts.backoff_base_s >= 0)) throw bad("backoff_base_s", ">= 0", opts.backoff_base_s);
  if (!(opts.backoff_max_s >= 0)) throw bad("backoff_max_s", ">= 0", opts.backoff_max_s);
  if (!(opts.rate_limit_rps >= 0)) throw bad("rate_limit_rps", ">= 0 (0 = unlimited)", opts.rate_limit_rps);
  if (api_key.find_first_of("\r\n") != std::string::npos)
    throw BackendError("http client: the API key contains a line break");

  curl_init_once();
  impl_ = std::make_unique<Impl>(opts, std::move(api_key));
  impl_->multi = curl_multi_init();
  if (!impl_->multi) throw BackendError("http client: curl_multi_init failed");
  // Keep one idle connection per concurrent request alive between runs.
  curl_multi_setopt(impl_->multi, CURLMOPT_MAXCONNECTS, static_cast<long>(opts.concurrency) + 4);
  auto add = [this](const std::string& h) {
    curl_slist* next = curl_slist_append(impl_->headers, h.c_str());
    if (!next) throw BackendError("http client: out of memory building headers");
    impl_->headers = next;
  };
  add("Content-Type: application/json");
  add("Accept: application/json");
  add("Expect:");  // no 100-continue round trip for bodies over 1 KiB
  if (!impl_->key.empty()) add("Authorization: Bearer " + impl_->key);
}

HttpClient::~HttpClient() {
  if (!impl_) return;
  impl_->abandon();
  for (CURL* e : impl_->idle) curl_easy_cleanup(e);
  if (impl_->multi) curl_multi_cleanup(impl_->multi);
  curl_slist_free_all(impl_->headers);
}

size_t HttpClient::post(std::string url, std::string body, ReplyParser parse) {
  auto c = std::make_unique<Call>();
  c->id = impl_->calls.size();
  c->url = std::move(url);
  c->body = std::move(body);
  c->parse = std::move(parse);
  impl_->fresh.push_back(c->id);
  impl_->calls.push_back(std::move(c));
  return impl_->calls.size() - 1;
}

std::string HttpClient::redact(std::string s) const { return impl_->redact(std::move(s)); }

void HttpClient::run(const CallDone& on_done, const std::function<bool()>& should_stop) {
  Impl& m = *impl_;
  const size_t concurrency = static_cast<size_t>(m.opts.concurrency);
  bool stopping = false;
  auto check_stop = [&] {
    if (!stopping && should_stop && should_stop()) {
      stopping = true;
      m.fresh.clear();
      m.waiting = {};
    }
    return stopping;
  };
  auto idle_work = [&] { return m.in_flight == 0 && m.fresh.empty() && m.waiting.empty(); };
  try {
    for (;;) {
      const Clock::time_point now = Clock::now();
      // Start what may start: due retries first (they are the oldest work),
      // then fresh calls in order, as far as concurrency and the rate allow.
      while (m.in_flight < concurrency && !check_stop()) {
        const bool retry_due = !m.waiting.empty() && m.waiting.top().first <= now;
        if ((!retry_due && m.fresh.empty()) || !m.bucket.try_take(now)) break;
        size_t id;
        if (retry_due) {
          id = m.waiting.top().second;
          m.waiting.pop();
        } else {
          id = m.fresh.front();
          m.fresh.pop_front();
        }
        m.start(*m.calls[id], now);
      }
      if (idle_work()) break;

      int running = 0;
      curl_multi_perform(m.multi, &running);
      int left = 0;
      while (CURLMsg* msg = curl_multi_info_read(m.multi, &left)) {
        if (msg->msg != CURLMSG_DONE) continue;
        Call* c = nullptr;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &c);
        m.finish(*c, msg->data.result, stopping, on_done);
      }
      if (idle_work()) break;

      // Sleep until a transfer has news, a retry falls due or the rate
      // allows the next start; never longer than kMaxPollMs, so should_stop
      // is looked at often. With every slot busy only transfers can wake us.
      const Clock::time_point later = Clock::now();
      long long wait_ms = kMaxPollMs;
      if (!stopping && m.in_flight < concurrency && (!m.fresh.empty() || !m.waiting.empty())) {
        Clock::time_point next = m.fresh.empty() ? m.waiting.top().first : later;
        next = std::max(next, m.bucket.next_available(later));
        if (next <= later) continue;  // something can start right now
        wait_ms = std::min<long long>(wait_ms, std::chrono::ceil<std::chrono::milliseconds>(next - later).count());
      }
      curl_multi_poll(m.multi, nullptr, 0, static_cast<int>(wait_ms), nullptr);
    }
  } catch (...) {
    m.abandon();
    throw;
  }
  m.abandon();  // nothing in flight by now; resets ids for the next run
}

}  // namespace polysafe::backend
