// A loopback model server for the HTTP backends' tests and benchmarks: the
// OpenAI chat/completions endpoints and Cohere's v2 chat, answering at once
// with a deterministic text derived from the prompt, so a test can check that
// each answer reached the request it belongs to. Faults (status codes,
// timeouts, truncated or mislabelled bodies, dropped connections) are injected
// per request body, deterministically from a seed, for a fixed number of
// attempts, so retries converge. GET /stats reports what was served. It binds
// 127.0.0.1 only and is never part of the library.
//
// /stats: {"requests", "by_status": {"200": n, "reset": n, ...}, "faults":
// {"429": n, "timeout": n, ...}, "fault_total", "answers": {body hash: n},
// "answered", "max_answers_per_body", "distinct_bodies", "fields": {request
// body key: n}, "paths", "connections" (distinct client ports seen)}.
//
//   openai_test_server --port 0 [--answer echo|refuse|echo_auth] [--delay-ms N]
//       [--faults "429=0.2,500=0.1,timeout=0.05,truncated=0.05,content_type=0.05,reset=0.05"]
//       [--fault-seed S] [--fault-attempts K] [--fault-match SUBSTRING]
//       [--timeout-sleep-ms N] [--retry-after VALUE] [--require-key KEY]
//       [--max-n N] [--threads N] [--keep-alive-s N] [--model NAME]
//
// Prints "listening on 127.0.0.1:PORT" on stdout once it accepts connections.
#include <httplib.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/sha256.h"

namespace {

using json = nlohmann::json;

struct Options {
  int port = 0;
  std::string answer = "echo";
  int delay_ms = 0;
  std::vector<std::pair<std::string, double>> faults;  // in the order given
  uint64_t fault_seed = 0;
  int fault_attempts = 0;  // 0: 1 or 2, chosen per body
  std::string fault_match;
  int timeout_sleep_ms = 3000;
  std::string retry_after = "1";
  std::string require_key;
  int max_n = 128;
  int threads = 256;
  int keep_alive_s = 30;
  std::string model = "test-model";
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr, "openai_test_server: %s\n", why.c_str());
  std::exit(2);
}

std::vector<std::pair<std::string, double>> parse_faults(const std::string& spec) {
  static const std::set<std::string> named = {"timeout", "truncated", "content_type", "reset"};
  std::vector<std::pair<std::string, double>> out;
  double total = 0;
  std::stringstream ss(spec);
  for (std::string item; std::getline(ss, item, ',');) {
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string::npos) usage("--faults: expected KIND=PROBABILITY, got '" + item + "'");
    const std::string kind = item.substr(0, eq);
    double p = 0;
    try {
      p = std::stod(item.substr(eq + 1));
    } catch (...) {
      usage("--faults: bad probability in '" + item + "'");
    }
    const bool status = !kind.empty() && kind.find_first_not_of("0123456789") == std::string::npos &&
                        std::stoi(kind) >= 400 && std::stoi(kind) <= 599;
    if (!status && !named.count(kind))
      usage("--faults: unknown kind '" + kind + "' (a 4xx/5xx status, timeout, truncated, content_type, reset)");
    if (p < 0 || p > 1) usage("--faults: probability of '" + kind + "' outside [0, 1]");
    total += p;
    out.emplace_back(kind, p);
  }
  if (total > 1 + 1e-9) usage("--faults: probabilities add up to more than 1");
  return out;
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(a + " needs a value");
      return argv[++i];
    };
    auto number = [&]() -> long long {
      const std::string v = value();
      try {
        size_t used = 0;
        const long long n = std::stoll(v, &used);
        if (used != v.size()) throw 0;
        return n;
      } catch (...) {
        usage(a + ": expected an integer, got '" + v + "'");
      }
    };
    if (a == "--port") o.port = static_cast<int>(number());
    else if (a == "--answer") o.answer = value();
    else if (a == "--delay-ms") o.delay_ms = static_cast<int>(number());
    else if (a == "--faults") o.faults = parse_faults(value());
    else if (a == "--fault-seed") o.fault_seed = static_cast<uint64_t>(number());
    else if (a == "--fault-attempts") o.fault_attempts = static_cast<int>(number());
    else if (a == "--fault-match") o.fault_match = value();
    else if (a == "--timeout-sleep-ms") o.timeout_sleep_ms = static_cast<int>(number());
    else if (a == "--retry-after") o.retry_after = value();
    else if (a == "--require-key") o.require_key = value();
    else if (a == "--max-n") o.max_n = static_cast<int>(number());
    else if (a == "--threads") o.threads = static_cast<int>(number());
    else if (a == "--keep-alive-s") o.keep_alive_s = static_cast<int>(number());
    else if (a == "--model") o.model = value();
    else usage("unknown option '" + a + "'");
  }
  if (o.answer != "echo" && o.answer != "refuse" && o.answer != "echo_auth")
    usage("--answer: expected echo, refuse or echo_auth");
  if (o.max_n < 1 || o.threads < 1) usage("--max-n and --threads must be >= 1");
  return o;
}

// FNV-1a: a stable body hash (std::hash differs between libraries).
uint64_t fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

uint64_t splitmix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// The first n code points of UTF-8 text.
std::string utf8_prefix(const std::string& s, size_t n) {
  size_t i = 0, count = 0;
  while (i < s.size() && count < n) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
    ++count;
  }
  return s.substr(0, i);
}

std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

struct Stats {
  std::mutex mu;
  uint64_t requests = 0;
  std::map<std::string, uint64_t> by_status, faults, paths, fields;
  std::unordered_map<uint64_t, int> attempts;  // body hash -> attempts seen
  std::unordered_map<uint64_t, int> answers;   // body hash -> successful answers
  std::set<std::string> peers;                 // client address:port, one per connection

  json to_json() {
    std::lock_guard<std::mutex> lock(mu);
    json j = {{"requests", requests}, {"by_status", by_status}, {"faults", faults},
              {"paths", paths},       {"fields", fields},       {"distinct_bodies", attempts.size()},
              {"connections", peers.size()}};
    uint64_t fault_total = 0, answered = 0;
    for (const auto& [k, v] : faults) fault_total += v;
    json ans = json::object();
    int max_answers = 0;
    for (const auto& [h, n] : answers) {
      ans[hex64(h)] = n;
      answered += static_cast<uint64_t>(n);
      max_answers = std::max(max_answers, n);
    }
    j["fault_total"] = fault_total;
    j["answers"] = std::move(ans);
    j["answered"] = answered;
    j["max_answers_per_body"] = max_answers;
    return j;
  }
};

enum class Api { Chat, Completions, Cohere };

struct Invalid {
  std::string message;
};

// Strict request checks, so a backend that sends the wrong field names or
// types fails its tests instead of passing on a lenient server.
void validate(const json& b, Api api) {
  if (!b.is_object()) throw Invalid{"request body must be a JSON object"};
  const std::set<std::string> allowed =
      api == Api::Cohere ? std::set<std::string>{"model", "messages", "temperature", "p", "k", "max_tokens", "seed",
                                                 "stop_sequences", "stream"}
      : api == Api::Chat ? std::set<std::string>{"model", "messages", "temperature", "top_p", "top_k", "max_tokens",
                                                 "seed", "n", "stop", "stream"}
                         : std::set<std::string>{"model", "prompt", "temperature", "top_p", "top_k", "max_tokens",
                                                 "seed", "n", "stop", "stream"};
  for (const auto& [k, v] : b.items())
    if (!allowed.count(k)) throw Invalid{"unrecognized request argument supplied: " + k};
  auto need = [&](const char* k) -> const json& {
    if (!b.contains(k)) throw Invalid{std::string("missing required field '") + k + "'"};
    return b[k];
  };
  if (!need("model").is_string() || b["model"].get<std::string>().empty())
    throw Invalid{"'model' must be a non-empty string"};
  if (api == Api::Completions) {
    if (!need("prompt").is_string()) throw Invalid{"'prompt' must be a string"};
  } else {
    const json& m = need("messages");
    if (!m.is_array() || m.empty()) throw Invalid{"'messages' must be a non-empty array"};
    for (const auto& msg : m) {
      if (!msg.is_object() || !msg.contains("role") || !msg["role"].is_string() || !msg.contains("content") ||
          !msg["content"].is_string())
        throw Invalid{"each message needs a string 'role' and a string 'content'"};
      const std::string role = msg["role"];
      if (role != "system" && role != "user" && role != "assistant" && role != "tool")
        throw Invalid{"unknown role '" + role + "'"};
    }
  }
  auto number_in = [&](const char* k, double lo, double hi) {
    if (!b.contains(k)) return;
    if (!b[k].is_number() || b[k].get<double>() < lo || b[k].get<double>() > hi)
      throw Invalid{std::string("'") + k + "' must be a number in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                    "]"};
  };
  auto int_in = [&](const char* k, int64_t lo, int64_t hi) {
    if (!b.contains(k)) return;
    if (!b[k].is_number_integer() || b[k].get<int64_t>() < lo || b[k].get<int64_t>() > hi)
      throw Invalid{std::string("'") + k + "' must be an integer in [" + std::to_string(lo) + ", " +
                    std::to_string(hi) + "]"};
  };
  number_in("temperature", 0, 2);
  int_in("max_tokens", 1, 1 << 20);
  if (b.contains("seed") && !b["seed"].is_number_unsigned() && !b["seed"].is_number_integer())
    throw Invalid{"'seed' must be an integer"};
  if (api == Api::Cohere) {
    number_in("p", 0.01, 0.99);
    int_in("k", 0, 500);
    if (b.contains("stop_sequences") && !(b["stop_sequences"].is_array()))
      throw Invalid{"'stop_sequences' must be an array of strings"};
  } else {
    number_in("top_p", 0, 1);
    int_in("top_k", 1, 1 << 20);  // 0 means "off" and must be omitted
    int_in("n", 1, 128);
    if (b.contains("stop") && !b["stop"].is_string() && !b["stop"].is_array())
      throw Invalid{"'stop' must be a string or an array of strings"};
  }
}

struct Answer {
  std::string text, finish;  // finish: "stop" or "length"
  int64_t completion_tokens = 0;
};

class Server {
 public:
  explicit Server(Options o) : o_(std::move(o)) {}

  void route(httplib::Server& svr) {
    svr.Post("/v1/chat/completions",
             [this](const httplib::Request& q, httplib::Response& r) { model_request(q, r, Api::Chat); });
    svr.Post("/v1/completions",
             [this](const httplib::Request& q, httplib::Response& r) { model_request(q, r, Api::Completions); });
    svr.Post("/v2/chat", [this](const httplib::Request& q, httplib::Response& r) { model_request(q, r, Api::Cohere); });
    svr.Get("/v1/models", [this](const httplib::Request&, httplib::Response& r) {
      json j = {{"object", "list"}, {"data", json::array({{{"id", o_.model}, {"object", "model"}, {"owned_by", "test"}}})}};
      r.set_content(j.dump(), "application/json");
    });
    svr.Get("/stats", [this](const httplib::Request&, httplib::Response& r) {
      r.set_content(stats_.to_json().dump(), "application/json");
    });
    svr.Post("/shutdown", [](const httplib::Request&, httplib::Response& r) {
      r.set_content("{\"ok\":true}", "application/json");
      // Exit from a helper thread once the reply is on its way: the kept-alive
      // connections would otherwise hold listen() open for their timeout.
      std::thread([] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        std::fflush(stdout);
        std::_Exit(0);
      }).detach();
    });
  }

 private:
  void error(httplib::Response& r, Api api, int status, const std::string& msg) {
    json j = api == Api::Cohere ? json{{"message", msg}}
                                : json{{"error", {{"message", msg}, {"type", "invalid_request_error"}, {"code", status}}}};
    r.status = status;
    r.set_content(j.dump(), "application/json");
  }

  void count_status(const std::string& s) {
    std::lock_guard<std::mutex> lock(stats_.mu);
    ++stats_.by_status[s];
  }

  // Which fault, if any, this attempt of this body gets.
  std::string fault_for(const std::string& body, uint64_t h, int attempt) const {
    if (o_.faults.empty()) return "";
    if (!o_.fault_match.empty() && body.find(o_.fault_match) == std::string::npos) return "";
    const uint64_t r = splitmix(h ^ splitmix(o_.fault_seed));
    const double u = static_cast<double>(r >> 11) * 0x1.0p-53;
    const int times = o_.fault_attempts > 0 ? o_.fault_attempts : 1 + static_cast<int>(splitmix(r) & 1);
    if (attempt >= times) return "";
    double cum = 0;
    for (const auto& [kind, p] : o_.faults) {
      cum += p;
      if (u < cum) return kind;
    }
    return "";
  }

  Answer answer(const std::string& content, const std::string& auth, uint64_t sample, const json& b, Api api) const {
    std::string text;
    if (o_.answer == "refuse") text = "I'm sorry, but I can't help with that request.";
    else if (o_.answer == "echo_auth") text = "AUTH[" + auth + "]";
    else text = "ANSWER[" + polysafe::sha256_hex(content).substr(0, 8) + "]: " + utf8_prefix(content, 40);
    if (sample != 0) text += " (sample " + std::to_string(sample) + ")";
    Answer a;
    a.finish = "stop";
    const json* stop = nullptr;
    if (api == Api::Cohere && b.contains("stop_sequences")) stop = &b["stop_sequences"];
    if (api != Api::Cohere && b.contains("stop")) stop = &b["stop"];
    if (stop) {
      std::vector<std::string> seqs;
      if (stop->is_string()) seqs.push_back(stop->get<std::string>());
      else
        for (const auto& s : *stop)
          if (s.is_string()) seqs.push_back(s.get<std::string>());
      size_t cut = std::string::npos;
      for (const auto& s : seqs)
        if (!s.empty()) cut = std::min(cut, text.find(s));
      if (cut != std::string::npos) text.resize(cut);
    }
    // A "token" is a whitespace-separated word: max_tokens cuts the answer
    // after that many words, as a model running out of budget would.
    const int64_t max_tokens = b.contains("max_tokens") ? b["max_tokens"].get<int64_t>() : 1 << 20;
    auto w = words(text);
    if (static_cast<int64_t>(w.size()) > max_tokens) {
      text.clear();
      for (int64_t i = 0; i < max_tokens; ++i) text += (i ? " " : "") + w[static_cast<size_t>(i)];
      a.finish = "length";
      w.resize(static_cast<size_t>(max_tokens));
    }
    a.text = std::move(text);
    a.completion_tokens = static_cast<int64_t>(w.size());
    return a;
  }

  void model_request(const httplib::Request& q, httplib::Response& r, Api api) {
    const std::string auth = q.get_header_value("Authorization");
    if (!o_.require_key.empty() && auth != "Bearer " + o_.require_key) {
      {
        std::lock_guard<std::mutex> lock(stats_.mu);
        ++stats_.requests;
        ++stats_.paths[q.path];
      }
      count_status("401");
      // Echoes what it got, as some servers do: the client must redact it.
      error(r, api, 401, "invalid API key: Authorization was '" + auth + "'");
      return;
    }
    json b;
    try {
      b = json::parse(q.body);
      validate(b, api);
    } catch (const json::exception& e) {
      b = nullptr;
      count_status("400");
      error(r, api, 400, std::string("invalid JSON body: ") + e.what());
    } catch (const Invalid& e) {
      b = nullptr;
      count_status("400");
      error(r, api, 400, e.message);
    }
    const uint64_t h = fnv1a(q.body);
    int attempt = 0;
    {
      std::lock_guard<std::mutex> lock(stats_.mu);
      ++stats_.requests;
      ++stats_.paths[q.path];
      stats_.peers.insert(q.remote_addr + ":" + std::to_string(q.remote_port));
      if (b.is_null()) return;
      for (const auto& [k, v] : b.items()) ++stats_.fields[k];
      attempt = stats_.attempts[h]++;
    }
    if (o_.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(o_.delay_ms));

    const std::string fault = fault_for(q.body, h, attempt);
    if (!fault.empty()) {
      {
        std::lock_guard<std::mutex> lock(stats_.mu);
        ++stats_.faults[fault];
      }
      inject(fault, r, api);
      return;
    }

    // The answer is about the last user turn (or the prompt).
    std::string content;
    int64_t prompt_tokens = 0;
    if (api == Api::Completions) {
      content = b["prompt"].get<std::string>();
      prompt_tokens = static_cast<int64_t>(words(content).size());
    } else {
      for (const auto& m : b["messages"]) {
        prompt_tokens += static_cast<int64_t>(words(m["content"].get<std::string>()).size());
        if (m["role"] == "user") content = m["content"].get<std::string>();
      }
      if (content.empty()) content = b["messages"].back()["content"].get<std::string>();
    }
    const uint64_t seed = b.contains("seed") ? b["seed"].get<uint64_t>() : 0;
    json out;
    if (api == Api::Cohere) {
      const Answer a = answer(content, auth, seed, b, api);
      out = {{"id", "test-" + hex64(h)},
             {"finish_reason", a.finish == "length" ? "MAX_TOKENS" : "COMPLETE"},
             {"message", {{"role", "assistant"}, {"content", json::array({{{"type", "text"}, {"text", a.text}}})}}},
             {"usage",
              {{"billed_units", {{"input_tokens", prompt_tokens}, {"output_tokens", a.completion_tokens}}},
               {"tokens", {{"input_tokens", prompt_tokens}, {"output_tokens", a.completion_tokens}}}}}};
    } else {
      const int n = std::min<int>(b.contains("n") ? b["n"].get<int>() : 1, o_.max_n);
      json choices = json::array();
      int64_t completion = 0;
      for (int i = 0; i < n; ++i) {
        const Answer a = answer(content, auth, seed + static_cast<uint64_t>(i), b, api);
        completion += a.completion_tokens;
        json c = {{"index", i}, {"finish_reason", a.finish}, {"logprobs", nullptr}};
        if (api == Api::Chat) c["message"] = {{"role", "assistant"}, {"content", a.text}};
        else c["text"] = a.text;
        choices.push_back(std::move(c));
      }
      out = {{"id", "test-" + hex64(h)},
             {"object", api == Api::Chat ? "chat.completion" : "text_completion"},
             {"created", 0},
             {"model", b["model"]},
             {"choices", std::move(choices)},
             {"usage",
              {{"prompt_tokens", prompt_tokens},
               {"completion_tokens", completion},
               {"total_tokens", prompt_tokens + completion}}}};
    }
    r.set_content(out.dump(), "application/json");
    std::lock_guard<std::mutex> lock(stats_.mu);
    ++stats_.by_status["200"];
    ++stats_.answers[h];
  }

  void inject(const std::string& fault, httplib::Response& r, Api api) {
    if (fault == "timeout") {
      // Outlast the client's timeout; a patient client gets a 504.
      std::this_thread::sleep_for(std::chrono::milliseconds(o_.timeout_sleep_ms));
      count_status("504");
      error(r, api, 504, "injected fault: timeout");
    } else if (fault == "truncated") {
      const std::string full =
          "{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
          "\"content\":\"this reply is cut in half\"},\"finish_reason\":\"stop\"}]}";
      count_status("200");
      r.set_content(full.substr(0, full.size() / 2), "application/json");
    } else if (fault == "content_type") {
      count_status("200");
      r.set_content("<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html");
    } else if (fault == "reset") {
      // httplib 0.11 cannot drop a connection before answering, and libcurl
      // silently resends a request whose reused connection closed with no
      // byte received. So: status line and headers, then the connection is
      // closed with the body missing, which every client must see as an error.
      count_status("reset");
      r.set_content_provider(
          1000, "application/json", [](size_t, size_t, httplib::DataSink&) { return false; }, nullptr);
    } else {
      const int status = std::stoi(fault);
      count_status(fault);
      if (status == 429) r.set_header("Retry-After", o_.retry_after);
      error(r, api, status, "injected fault: http " + fault);
    }
  }

  Options o_;
  Stats stats_;
};

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  const Options opts = parse_args(argc, argv);
  Server server(opts);
  httplib::Server svr;
  const int threads = opts.threads;
  // One worker per connection for as long as it is kept alive: the pool must
  // hold every connection a test or benchmark opens at once.
  svr.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  svr.set_keep_alive_max_count(1u << 30);
  svr.set_keep_alive_timeout(opts.keep_alive_s);
  svr.set_read_timeout(60);
  svr.set_write_timeout(60);
  svr.set_tcp_nodelay(true);
  std::atomic<int> listen_fd{-1};
  svr.set_socket_options([&listen_fd](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    int expected = -1;
    listen_fd.compare_exchange_strong(expected, sock);
  });
  server.route(svr);
  int port = opts.port;
  if (port == 0) {
    port = svr.bind_to_any_port("127.0.0.1");
    if (port < 0) usage("cannot bind 127.0.0.1");
  } else if (!svr.bind_to_port("127.0.0.1", port)) {
    usage("cannot bind 127.0.0.1:" + std::to_string(port));
  }
  // httplib listens with a backlog of 5: 64 clients connecting at once would
  // see dropped SYNs and 1 s retransmits. Listening again raises it.
  if (listen_fd >= 0) ::listen(listen_fd, 1024);
  std::printf("listening on 127.0.0.1:%d\n", port);
  std::fflush(stdout);
  svr.listen_after_bind();
  return 0;
}
