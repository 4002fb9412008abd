// Renders a model's chat template (tokenizer.chat_template, Jinja) for a conversation
// byte-identically to HF transformers' apply_chat_template (jinja2 sandbox with
// trim_blocks, lstrip_blocks, loopcontrols and HF's tojson/raise_exception/strftime_now).
// Anything outside the supported subset is a TemplateError naming template, line,
// column and construct, never a guess; rendering is bounded (depth, steps, output
// size) so hostile templates stop with an error. Subset, limits: tests/fixtures/chat_templates/README.md.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace polysafe::chat_template {

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

  // Renders with the given context variables (a JSON object). nlohmann::json sorts
  // object keys; render_ordered keeps their order, as Python dicts (and so printed
  // dicts and tojson output) do.
  std::string render(const nlohmann::json& context) const;
  std::string render_ordered(const nlohmann::ordered_json& context) const;

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

}  // namespace polysafe::chat_template
