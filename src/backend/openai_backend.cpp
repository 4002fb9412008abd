#include "backend/openai_backend.h"

#include <algorithm>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "backend/http_client.h"
#include "backend/http_endpoint.h"
#include "backend/sample_fanout.h"

namespace polysafe::backend {

namespace {

using json = nlohmann::json;

[[noreturn]] void bad(const std::string& field, const std::string& want, const json& got) {
  throw std::runtime_error("field '" + field + "': expected " + want + ", got " + std::string(got.type_name()));
}

json parse_json(const std::string& body) {
  try {
    return json::parse(body);
  } catch (const json::parse_error& e) {
    throw std::runtime_error(std::string("not valid JSON (") + e.what() + ")");
  }
}

// OpenAI chat.completion / text_completion objects, as vLLM, llama.cpp's
// server, Ollama and TGI return them. Choices come back ordered by "index".
void parse_reply(const std::string& body, Response& out, bool chat) {
  const json j = parse_json(body);
  if (!j.is_object()) bad("(top level)", "an object", j);
  const auto ch = j.find("choices");
  if (ch == j.end()) throw std::runtime_error("field 'choices': missing");
  if (!ch->is_array() || ch->empty()) bad("choices", "a non-empty array", *ch);
  std::vector<std::pair<int64_t, const json*>> order;
  for (size_t i = 0; i < ch->size(); ++i) {
    const json& c = (*ch)[i];
    const std::string at = "choices[" + std::to_string(i) + "]";
    if (!c.is_object()) bad(at, "an object", c);
    const auto idx = c.find("index");
    order.emplace_back(idx != c.end() && idx->is_number_integer() ? idx->get<int64_t>() : static_cast<int64_t>(i), &c);
  }
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 0; i < order.size(); ++i) {
    const json& c = *order[i].second;
    const std::string at = "choices[" + std::to_string(i) + "]";
    if (chat) {
      const auto msg = c.find("message");
      if (msg == c.end() || !msg->is_object()) bad(at + ".message", "an object", msg == c.end() ? json() : *msg);
      const auto content = msg->find("content");
      if (content != msg->end() && content->is_string()) {
        out.texts.push_back(content->get<std::string>());
      } else if (content == msg->end() || content->is_null()) {
        // No text: a structured refusal (OpenAI's message.refusal) is the
        // answer a safety run needs; a pure tool call has none.
        const auto refusal = msg->find("refusal");
        out.texts.push_back(refusal != msg->end() && refusal->is_string() ? refusal->get<std::string>() : "");
      } else {
        bad(at + ".message.content", "a string", *content);
      }
    } else {
      const auto text = c.find("text");
      if (text == c.end() || !text->is_string()) bad(at + ".text", "a string", text == c.end() ? json() : *text);
      out.texts.push_back(text->get<std::string>());
    }
    if (i == 0) {
      const auto fr = c.find("finish_reason");
      if (fr != c.end() && fr->is_string()) out.finish_reason = fr->get<std::string>();
      else if (fr != c.end() && !fr->is_null()) bad(at + ".finish_reason", "a string", *fr);
    }
  }
  if (const auto u = j.find("usage"); u != j.end() && u->is_object()) {
    auto count = [&](const char* key, int64_t& dst) {
      const auto v = u->find(key);
      if (v == u->end() || v->is_null()) return;
      if (!v->is_number_integer()) bad(std::string("usage.") + key, "an integer", *v);
      dst = v->get<int64_t>();
    };
    count("prompt_tokens", out.prompt_tokens);
    count("completion_tokens", out.completion_tokens);
  }
}

void parse_chat_reply(const std::string& body, Response& out) { parse_reply(body, out, true); }
void parse_completion_reply(const std::string& body, Response& out) { parse_reply(body, out, false); }

// Chat turns for a server without a chat endpoint (a base model served with
// no chat template): the contents, in order, separated by blank lines.
std::string flatten(const std::vector<Message>& messages) {
  std::string s;
  for (const auto& m : messages) {
    if (!s.empty()) s += "\n\n";
    s += m.content;
  }
  return s;
}

}  // namespace

OpenAiBackend::OpenAiBackend(std::string base_url, std::string model, HttpOptions opts)
    : base_url_(checked_base_url(std::move(base_url), "openai base URL")), model_(std::move(model)),
      opts_(std::move(opts)) {
  if (model_.empty()) throw BackendError("openai backend '" + base_url_ + "': empty model name (expected URL#MODEL)");
  api_key_ = api_key_from_env(opts_.api_key_env);
  client_ = std::make_unique<HttpClient>(opts_, api_key_);
}

OpenAiBackend::~OpenAiBackend() = default;

std::string OpenAiBackend::spec() const { return "openai:" + base_url_ + "#" + model_; }

std::string OpenAiBackend::fingerprint() const { return spec() + (opts_.chat ? "|chat" : "|completions"); }

void OpenAiBackend::generate(const std::vector<Request>& requests, const ResponseCallback& on_done,
                             const std::function<bool()>& should_stop) {
  std::lock_guard<std::mutex> lock(mu_);
  // A request goes to /chat/completions when it is a chat and the backend
  // has a chat endpoint; prompts, and chats for a completions-only backend,
  // go to /completions. The whole n is asked for in one call; a server that
  // returns fewer choices (llama.cpp's server ignores n) gets follow-up calls
  // for the rest, each sample with its own seed (sample_fanout.h).
  auto make_call = [this](const Request& r, int first, int count) {
    const bool chat = r.chat && opts_.chat;
    const auto& p = r.params;
    json body = {{"model", model_},
                 {"temperature", p.temperature},
                 {"top_p", p.top_p},
                 {"max_tokens", p.max_tokens},
                 {"seed", p.seed + static_cast<uint64_t>(first)},
                 {"n", count}};
    if (chat) {
      json msgs = json::array();
      for (const auto& m : r.messages) msgs.push_back({{"role", m.role}, {"content", m.content}});
      body["messages"] = std::move(msgs);
    } else {
      body["prompt"] = r.chat ? flatten(r.messages) : r.prompt;
    }
    if (!p.stop.empty()) body["stop"] = p.stop;
    // Not in OpenAI's API; vLLM, llama.cpp and Ollama's OpenAI layer accept it.
    if (p.top_k > 0) body["top_k"] = p.top_k;
    return SampleCall{base_url_ + (chat ? "/chat/completions" : "/completions"),
                      body.dump(-1, ' ', false, json::error_handler_t::replace),
                      chat ? &parse_chat_reply : &parse_completion_reply};
  };
  run_sampled(*client_, requests, 0, make_call, on_done, should_stop);
}

}  // namespace polysafe::backend
