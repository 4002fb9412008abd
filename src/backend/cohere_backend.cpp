#include "backend/cohere_backend.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "backend/http_client.h"
#include "backend/http_endpoint.h"
#include "backend/sample_fanout.h"

namespace polysafe::backend {

namespace {

using json = nlohmann::json;

constexpr const char* kDefaultBaseUrl = "https://api.cohere.com";
constexpr const char* kDefaultKeyEnv = "CO_API_KEY";

[[noreturn]] void bad(const std::string& field, const std::string& want, const json& got) {
  throw std::runtime_error("field '" + field + "': expected " + want + ", got " + std::string(got.type_name()));
}

// Cohere's finish reasons in the words the OpenAI API uses, so reports and
// stores see one vocabulary: COMPLETE/STOP_SEQUENCE -> stop, MAX_TOKENS ->
// length; anything else (TOOL_CALL, ERROR, ...) lower-cased.
std::string finish_reason(const std::string& r) {
  if (r == "COMPLETE" || r == "STOP_SEQUENCE") return "stop";
  if (r == "MAX_TOKENS") return "length";
  std::string s = r;
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// v2 chat response: {"message": {"content": [{"type": "text", "text": ...}]},
// "finish_reason": ..., "usage": {"tokens": {...}, "billed_units": {...}}}.
void parse_reply(const std::string& body, Response& out) {
  json j;
  try {
    j = json::parse(body);
  } catch (const json::parse_error& e) {
    throw std::runtime_error(std::string("not valid JSON (") + e.what() + ")");
  }
  if (!j.is_object()) bad("(top level)", "an object", j);
  const auto msg = j.find("message");
  if (msg == j.end()) throw std::runtime_error("field 'message': missing");
  if (!msg->is_object()) bad("message", "an object", *msg);
  std::string text;
  if (const auto content = msg->find("content"); content != msg->end() && !content->is_null()) {
    if (!content->is_array()) bad("message.content", "an array", *content);
    for (size_t i = 0; i < content->size(); ++i) {
      const json& item = (*content)[i];
      const std::string at = "message.content[" + std::to_string(i) + "]";
      if (!item.is_object()) bad(at, "an object", item);
      const auto type = item.find("type");
      if (type == item.end() || !type->is_string()) bad(at + ".type", "a string", type == item.end() ? json() : *type);
      if (*type != "text") continue;  // thinking, tool plans... are not the answer
      const auto t = item.find("text");
      if (t == item.end() || !t->is_string()) bad(at + ".text", "a string", t == item.end() ? json() : *t);
      text += t->get<std::string>();
    }
  }
  out.texts.push_back(std::move(text));
  if (const auto fr = j.find("finish_reason"); fr != j.end() && !fr->is_null()) {
    if (!fr->is_string()) bad("finish_reason", "a string", *fr);
    out.finish_reason = finish_reason(fr->get<std::string>());
  }
  if (const auto u = j.find("usage"); u != j.end() && u->is_object()) {
    // usage.tokens counts what the model saw (prompt template included);
    // billed_units what was charged. Prefer the former, as local backends do.
    for (const char* group : {"tokens", "billed_units"}) {
      const auto g = u->find(group);
      if (g == u->end() || !g->is_object()) continue;
      auto count = [&](const char* key, int64_t& dst) {
        const auto v = g->find(key);
        if (v == g->end() || v->is_null()) return;
        if (!v->is_number()) bad(std::string("usage.") + group + "." + key, "a number", *v);
        dst = static_cast<int64_t>(v->get<double>());
      };
      count("input_tokens", out.prompt_tokens);
      count("output_tokens", out.completion_tokens);
      break;
    }
  }
}

}  // namespace

CohereBackend::CohereBackend(std::string model, HttpOptions opts) : model_(std::move(model)), opts_(std::move(opts)) {
  if (model_.empty()) throw BackendError("cohere backend: empty model name (expected cohere:MODEL)");
  base_url_ = checked_base_url(opts_.base_url.empty() ? kDefaultBaseUrl : opts_.base_url, "cohere base URL");
  if (opts_.api_key_env.empty()) opts_.api_key_env = kDefaultKeyEnv;
  api_key_ = api_key_from_env(opts_.api_key_env);
  client_ = std::make_unique<HttpClient>(opts_, api_key_);
}

CohereBackend::~CohereBackend() = default;

std::string CohereBackend::spec() const { return "cohere:" + model_; }

std::string CohereBackend::fingerprint() const { return spec() + "|" + base_url_; }

void CohereBackend::generate(const std::vector<Request>& requests, const ResponseCallback& on_done,
                             const std::function<bool()>& should_stop) {
  std::lock_guard<std::mutex> lock(mu_);
  // Cohere's chat returns one answer per call: n samples are n calls, sample
  // i with seed + i (sample_fanout.h). A prompt (chat == false) becomes one
  // user turn: the API has no raw completion endpoint.
  auto make_call = [this](const Request& r, int first, int /*count*/) {
    const auto& p = r.params;
    json msgs = json::array();
    if (r.chat) {
      for (const auto& m : r.messages) msgs.push_back({{"role", m.role}, {"content", m.content}});
    } else {
      msgs.push_back({{"role", "user"}, {"content", r.prompt}});
    }
    json body = {{"model", model_},
                 {"messages", std::move(msgs)},
                 {"temperature", p.temperature},
                 // The API accepts p in [0.01, 0.99]; 1 ("off") is sent as 0.99.
                 {"p", std::clamp(p.top_p, 0.01, 0.99)},
                 {"max_tokens", p.max_tokens},
                 {"seed", p.seed + static_cast<uint64_t>(first)}};
    if (p.top_k > 0) body["k"] = p.top_k;
    if (!p.stop.empty()) body["stop_sequences"] = p.stop;
    return SampleCall{base_url_ + "/v2/chat", body.dump(-1, ' ', false, json::error_handler_t::replace),
                      &parse_reply};
  };
  run_sampled(*client_, requests, 1, make_call, on_done, should_stop);
}

}  // namespace polysafe::backend
