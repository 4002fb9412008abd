// Fuzzes the chat-template engine: the input is a template source, parsed and
// rendered against a fixed small conversation under tight limits. Any input must
// yield a rendered string or a polysafe::Error (TemplateError), never a crash,
// hang or unbounded allocation.
#include <cstdint>
#include <string>
#include <vector>

#include "chat_template/chat_template.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<polysafe::chat_template::ChatMessage> kMessages = {
      {"system", "You are helpful."},
      {"user", "Bonjour «monde» 😀 \"q\" \\ back\nslash"},
      {"assistant", "مرحبا"},
      {"user", ""},
  };
  std::string source(reinterpret_cast<const char*>(data), size);
  try {
    auto t = polysafe::chat_template::ChatTemplate::parse(source, "fuzz");
    polysafe::chat_template::ChatTemplateLimits limits;
    limits.max_output_bytes = 1 << 20;
    limits.max_call_depth = 50;
    limits.max_steps = 200000;
    t.set_limits(limits);
    (void)t.render_chat(kMessages, true, "<s>", "</s>");
    nlohmann::ordered_json ctx = {{"messages", nlohmann::ordered_json::array()},
                                  {"nums", {3, 1, 2}},
                                  {"custom", {{"b", 2}, {"a", {1, 2.5, "x", nullptr, true}}}}};
    (void)t.render_ordered(ctx);
  } catch (const polysafe::Error&) {
  }
  return 0;
}
