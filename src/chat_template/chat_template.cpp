#include "chat_template/chat_template.h"

#include "chat_template/jinja_interpreter.h"
#include "chat_template/jinja_json.h"
#include "chat_template/jinja_parser.h"
#include "util/error.h"
#include "util/utf8.h"

namespace polysafe::chat_template {

namespace {

std::string render_value(const std::shared_ptr<const jinja::Program>& program, const ChatTemplateLimits& limits,
                         const jinja::Value& context) {
  jinja::RenderLimits rl;
  rl.max_output_bytes = limits.max_output_bytes;
  rl.max_call_depth = limits.max_call_depth;
  rl.max_steps = limits.max_steps;
  jinja::Interpreter in(program, rl);
  try {
    return in.render(context);
  } catch (const jinja::JinjaError& e) {
    if (e.located()) throw TemplateError(e.what());
    throw TemplateError(program->map.name() + ": " + e.what());
  }
}

}  // namespace

ChatTemplate ChatTemplate::parse(const std::string& source, const std::string& name) {
  if (auto bad = utf8::first_invalid(source))
    throw TemplateError(name + ": invalid UTF-8 at byte " + std::to_string(*bad));
  ChatTemplate t;
  try {
    t.program_ = jinja::parse_program(source, name);
    jinja::validate_program(*t.program_);
  } catch (const jinja::JinjaError& e) {
    throw TemplateError(e.located() ? std::string(e.what()) : name + ": " + e.what());
  }
  return t;
}

const std::string& ChatTemplate::name() const { return program_->map.name(); }

std::string ChatTemplate::render(const nlohmann::json& context) const {
  if (!context.is_object()) throw TemplateError(name() + ": render context must be a JSON object");
  try {
    return render_value(program_, limits_, jinja::from_json(context));
  } catch (const jinja::JinjaError& e) {
    throw TemplateError(name() + ": context: " + e.what());
  }
}

std::string ChatTemplate::render_ordered(const nlohmann::ordered_json& context) const {
  if (!context.is_object()) throw TemplateError(name() + ": render context must be a JSON object");
  try {
    return render_value(program_, limits_, jinja::from_json(context));
  } catch (const jinja::JinjaError& e) {
    throw TemplateError(name() + ": context: " + e.what());
  }
}

std::string ChatTemplate::render_chat(const std::vector<ChatMessage>& messages, bool add_generation_prompt,
                                      const std::string& bos_token, const std::string& eos_token) const {
  using jinja::Value;
  std::vector<Value> msgs;
  msgs.reserve(messages.size());
  for (const auto& m : messages) {
    Value d = Value::dict();
    d.dict_data().set(Value::string("role"), Value::string(m.role));
    d.dict_data().set(Value::string("content"), Value::string(m.content));
    msgs.push_back(d);
  }
  Value ctx = Value::dict();
  auto& c = ctx.dict_data();
  c.set(Value::string("messages"), Value::list(std::move(msgs)));
  c.set(Value::string("tools"), Value::none());
  c.set(Value::string("documents"), Value::none());
  c.set(Value::string("add_generation_prompt"), Value::boolean(add_generation_prompt));
  c.set(Value::string("bos_token"), Value::string(bos_token));
  c.set(Value::string("eos_token"), Value::string(eos_token));
  return render_value(program_, limits_, ctx);
}

std::string fallback_chat_format(const std::vector<ChatMessage>& messages, bool add_generation_prompt) {
  std::string out;
  for (const auto& m : messages) out += m.role + ": " + m.content + "\n";
  if (add_generation_prompt) out += "assistant: ";
  return out;
}

FormattedChat format_chat(const std::string& chat_template, const std::vector<ChatMessage>& messages,
                          bool add_generation_prompt, const std::string& bos_token, const std::string& eos_token) {
  if (chat_template.empty()) return {fallback_chat_format(messages, add_generation_prompt), true};
  return {ChatTemplate::parse(chat_template).render_chat(messages, add_generation_prompt, bos_token, eos_token), false};
}

}  // namespace polysafe::chat_template
