#include "backend/backend.h"

#include "util/sha256.h"

namespace polysafe::backend {

nlohmann::json to_json(const Request& r) {
  nlohmann::json j;
  j["chat"] = r.chat;
  if (r.chat) {
    j["messages"] = nlohmann::json::array();
    for (const auto& m : r.messages) j["messages"].push_back({{"role", m.role}, {"content", m.content}});
  } else {
    j["prompt"] = r.prompt;
  }
  const auto& p = r.params;
  j["params"] = {{"temperature", p.temperature}, {"top_p", p.top_p},   {"top_k", p.top_k}, {"max_tokens", p.max_tokens},
                 {"seed", p.seed},               {"n", p.n},           {"stop", p.stop}};
  return j;
}

std::string request_key(const std::string& fingerprint, const Request& request) {
  // nlohmann::json objects are std::map-ordered, so dump() is canonical.
  nlohmann::json j = to_json(request);
  j["backend"] = fingerprint;
  return sha256_hex(j.dump());
}

}  // namespace polysafe::backend
