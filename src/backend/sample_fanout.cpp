#include "backend/sample_fanout.h"

#include <algorithm>
#include <chrono>
#include <map>

namespace polysafe::backend {

namespace {

using Clock = std::chrono::steady_clock;

struct Part {
  size_t request = 0;
  int first = 0, count = 0;
};

struct Pending {
  int open = 0;        // calls in flight or queued
  bool reported = false;
  bool started = false;
  Clock::time_point start{};
  std::map<int, std::vector<std::string>> texts;  // by first sample
  Response merged;
};

void add_tokens(int64_t& total, int64_t part) {
  if (part < 0) return;
  total = (total < 0 ? 0 : total) + part;
}

}  // namespace

void run_sampled(HttpClient& client, const std::vector<Request>& requests, int max_per_call,
                 const MakeSampleCall& make_call, const ResponseCallback& on_done,
                 const std::function<bool()>& should_stop) {
  std::vector<Pending> pending(requests.size());
  std::vector<Part> parts;  // by call id

  auto post_range = [&](size_t ri, int first, int count, int chunk) {
    for (int off = first; off < first + count; off += chunk) {
      const int c = std::min(chunk, first + count - off);
      SampleCall call = make_call(requests[ri], off, c);
      const size_t id = client.post(std::move(call.url), std::move(call.body), std::move(call.parse));
      if (parts.size() <= id) parts.resize(id + 1);
      parts[id] = {ri, off, c};
      ++pending[ri].open;
    }
  };

  for (size_t i = 0; i < requests.size(); ++i) {
    const int n = std::max(1, requests[i].params.n);
    post_range(i, 0, n, max_per_call > 0 ? max_per_call : n);
  }

  client.run(
      [&](size_t id, Response r) {
        const Part part = parts.at(id);
        Pending& p = pending[part.request];
        --p.open;
        if (p.reported) return;  // an earlier call of this request already failed
        const auto now = Clock::now();
        const auto sent = now - std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(r.latency_s));
        if (!p.started || sent < p.start) p.start = sent;
        p.started = true;
        Response& m = p.merged;
        m.attempts += r.attempts;
        for (auto& e : r.attempt_errors) m.attempt_errors.push_back(std::move(e));
        add_tokens(m.prompt_tokens, r.prompt_tokens);
        add_tokens(m.completion_tokens, r.completion_tokens);
        if (r.ok && r.texts.empty()) {  // a parser bug, not a server's choice: never loop on it
          r.ok = false;
          r.error = "reply had no answers";
          m.attempt_errors.push_back(r.error);
        }
        if (!r.ok) {
          m.ok = false;
          m.error = std::move(r.error);
          m.latency_s = std::chrono::duration<double>(now - p.start).count();
          p.reported = true;
          on_done(part.request, std::move(m));
          return;
        }
        if (part.first == 0) m.finish_reason = r.finish_reason;
        const int got = std::min<int>(part.count, static_cast<int>(r.texts.size()));
        r.texts.resize(static_cast<size_t>(got));
        p.texts[part.first] = std::move(r.texts);
        // The server honoured fewer samples than asked (it ignores or caps n):
        // ask again for the rest, in calls of the size it did honour.
        if (got < part.count) post_range(part.request, part.first + got, part.count - got, std::max(1, got));
        if (p.open > 0) return;
        for (auto& [first, texts] : p.texts)
          for (auto& t : texts) m.texts.push_back(std::move(t));
        m.ok = true;
        m.latency_s = std::chrono::duration<double>(now - p.start).count();
        p.reported = true;
        on_done(part.request, std::move(m));
      },
      should_stop);
}

}  // namespace polysafe::backend
