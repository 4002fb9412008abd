// request_key: the cache key a run stores answers under. Equal requests must
// share a key across processes; a change to anything that can change the
// answer (backend, messages, prompt, any generation parameter) must not.
#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "backend/backend.h"

namespace polysafe::backend {
namespace {

Request base_request() {
  Request r;
  r.messages = {{"system", "You are helpful."}, {"user", "Wie backe ich Brot?"}};
  r.params.temperature = 0.7;
  r.params.top_p = 0.9;
  r.params.top_k = 40;
  r.params.max_tokens = 128;
  r.params.seed = 17;
  r.params.n = 2;
  r.params.stop = {"\n\n", "END"};
  return r;
}

TEST(RequestKey, IsDeterministicHexSha256) {
  const std::string a = request_key("openai:http://h/v1#m|chat", base_request());
  const std::string b = request_key("openai:http://h/v1#m|chat", base_request());
  EXPECT_EQ(a, b);
  ASSERT_EQ(a.size(), 64u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  // Pinned: the key must not drift between builds, or every stored answer of
  // earlier runs would be recomputed. Recompute only on a deliberate change.
  Request tiny;
  tiny.messages = {{"user", "hi"}};
  EXPECT_EQ(to_json(tiny).dump(),
            R"({"chat":true,"messages":[{"content":"hi","role":"user"}],"params":{"max_tokens":256,"n":1,"seed":0,"stop":[],"temperature":0.0,"top_k":0,"top_p":1.0}})");
}

TEST(RequestKey, ChangesWithEveryField) {
  const std::string fp = "cohere:command-r|https://api.cohere.com";
  const std::string ref = request_key(fp, base_request());
  std::vector<std::pair<std::string, std::function<void(Request&)>>> edits = {
      {"system content", [](Request& r) { r.messages[0].content += " "; }},
      {"user content", [](Request& r) { r.messages[1].content = "Wie backe ich Kuchen?"; }},
      {"role", [](Request& r) { r.messages[0].role = "user"; }},
      {"extra message", [](Request& r) { r.messages.push_back({"assistant", ""}); }},
      {"message order", [](Request& r) { std::swap(r.messages[0], r.messages[1]); }},
      {"chat flag", [](Request& r) { r.chat = false; }},
      {"temperature", [](Request& r) { r.params.temperature = 0.70001; }},
      {"top_p", [](Request& r) { r.params.top_p = 0.95; }},
      {"top_k", [](Request& r) { r.params.top_k = 0; }},
      {"max_tokens", [](Request& r) { r.params.max_tokens = 129; }},
      {"seed", [](Request& r) { r.params.seed = 18; }},
      {"n", [](Request& r) { r.params.n = 1; }},
      {"stop order", [](Request& r) { std::swap(r.params.stop[0], r.params.stop[1]); }},
      {"stop removed", [](Request& r) { r.params.stop.pop_back(); }},
  };
  std::set<std::string> seen = {ref};
  for (const auto& [what, edit] : edits) {
    Request r = base_request();
    edit(r);
    const std::string k = request_key(fp, r);
    EXPECT_NE(k, ref) << what;
    EXPECT_TRUE(seen.insert(k).second) << what << " collides with another edit";
  }
  EXPECT_NE(request_key(fp + "x", base_request()), ref) << "fingerprint";
}

TEST(RequestKey, PromptMattersOnlyForCompletions) {
  Request a = base_request(), b = base_request();
  b.prompt = "ignored for chat requests";
  EXPECT_EQ(request_key("f", a), request_key("f", b));
  a.chat = b.chat = false;
  a.prompt = "Once upon a time";
  b.prompt = "Once upon a time,";
  EXPECT_NE(request_key("f", a), request_key("f", b));
  b.prompt = a.prompt;
  b.messages.clear();  // messages do not belong to a completion request
  EXPECT_EQ(request_key("f", a), request_key("f", b));
}

}  // namespace
}  // namespace polysafe::backend
