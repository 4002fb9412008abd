// Renders a model's chat template (tokenizer.chat_template, a Jinja program) for a
// conversation exactly as HF transformers' apply_chat_template does: jinja2
// ImmutableSandboxedEnvironment(trim_blocks, lstrip_blocks, loopcontrols) with
// HF's tojson, raise_exception and strftime_now. Output must be byte-identical to
// that reference; anything outside the supported subset is a TemplateError naming
// template, line, column and construct, never a guess. Rendering is bounded
// (depth, steps, output size), so hostile templates stop with an error.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace polysafe::tokenizer {

namespace jinja {
struct Program;
}

struct ChatMessage {
  std::string role;
  std::string content;
};

struct ChatTemplateLimits {
  size_t max_output_bytes = 32u << 20;
  int max_call_depth = 200;
  uint64_t max_steps = 5'000'000;
};

class ChatTemplate {
 public:
  // Parses and checks the template; throws TemplateError ("name:line:col: ...").
  static ChatTemplate parse(const std::string& source, const std::string& name = "chat_template");

  // Renders with the given context variables (a JSON object). ordered_json keeps
  // the key order of nested objects, which Python dicts (and so the output of
  // printing or tojson) preserve; nlohmann::json sorts keys.
  std::string render(const nlohmann::json& context) const;
  std::string render(const nlohmann::ordered_json& context) const;

  // The HF apply_chat_template context: messages, add_generation_prompt,
  // bos_token, eos_token, and tools = documents = None.
  std::string render_chat(const std::vector<ChatMessage>& messages, bool add_generation_prompt,
                          const std::string& bos_token = "", const std::string& eos_token = "") const;

  const std::string& name() const;
  void set_limits(const ChatTemplateLimits& limits) { limits_ = limits; }

 private:
  std::shared_ptr<const jinja::Program> program_;
  ChatTemplateLimits limits_;
};

// The plain format used when a model has no chat template (e.g. a base model):
// "<role>: <content>\n" per message, then "assistant: " when add_generation_prompt.
std::string fallback_chat_format(const std::vector<ChatMessage>& messages, bool add_generation_prompt);

// Formatted conversation plus whether the fallback was used (no template).
struct FormattedChat {
  std::string text;
  bool used_fallback = false;
};
// Renders with `chat_template` when it is non-empty, else falls back (flagged).
FormattedChat format_chat(const std::string& chat_template, const std::vector<ChatMessage>& messages,
                          bool add_generation_prompt, const std::string& bos_token = "",
                          const std::string& eos_token = "");

}  // namespace polysafe::tokenizer
