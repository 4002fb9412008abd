// `polysafe chat-template MODEL [--messages FILE.json]`: show a model's chat
// template, or render a conversation with it exactly as the engine will.
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "formats/gguf_reader.h"
#include "hub/model_registry.h"
#include "chat_template/chat_template.h"
#include "util/error.h"
#include "util/mapped_file.h"

namespace polysafe::cli {

std::function<int()> setup_chat_template(CLI::App& app) {
  auto* cmd = app.add_subcommand("chat-template", "Show a model's chat template or render messages with it");
  struct Opts {
    std::string model = kDefaultModel;
    std::string messages;
    std::string template_file;
    bool no_generation_prompt = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("model", o->model, "Model: short name or GGUF file")->capture_default_str();
  cmd->add_option("--messages", o->messages,
                  "JSON file: [{\"role\": \"user\", \"content\": \"...\"}, ...] (or {\"messages\": [...]})");
  cmd->add_option("--template", o->template_file, "Use this Jinja template file instead of the model's");
  cmd->add_flag("--no-generation-prompt", o->no_generation_prompt, "Do not open an assistant turn at the end");
  return [o]() {
    std::string source, bos, eos, origin;
    if (!o->template_file.empty()) {
      source = read_text_file(o->template_file);
      origin = o->template_file;
    } else {
      formats::GgufFile f(hub::resolve_model(o->model));
      source = f.opt_string("tokenizer.chat_template").value_or("");
      auto tokens = f.find("tokenizer.ggml.tokens");
      auto token_at = [&](const char* key) -> std::string {
        auto id = f.opt_uint(key);
        if (!id || !tokens || !tokens->is_array() || *id >= tokens->array().items.size()) return "";
        return std::string(std::get<std::string_view>(tokens->array().items[*id].v));
      };
      bos = token_at("tokenizer.ggml.bos_token_id");
      eos = token_at("tokenizer.ggml.eos_token_id");
      origin = f.path();
    }
    if (o->messages.empty()) {
      if (source.empty()) std::cout << "(no chat template in " << origin << "; the plain fallback format is used)\n";
      else std::cout << source << "\n";
      return kExitOk;
    }
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(read_text_file(o->messages));
    } catch (const nlohmann::json::exception& e) {
      throw FormatError(o->messages + ": invalid JSON: " + e.what());
    }
    if (j.is_object() && j.contains("messages")) j = j["messages"];
    if (!j.is_array()) throw FormatError(o->messages + ": expected a list of messages");
    std::vector<chat_template::ChatMessage> msgs;
    for (size_t i = 0; i < j.size(); ++i) {
      const auto& m = j[i];
      if (!m.is_object() || !m.contains("role") || !m["role"].is_string() || !m.contains("content") ||
          !m["content"].is_string())
        throw FormatError(o->messages + ": message " + std::to_string(i) +
                          ": expected {\"role\": string, \"content\": string}");
      msgs.push_back({m["role"].get<std::string>(), m["content"].get<std::string>()});
    }
    if (source.empty()) {
      std::cerr << "polysafe: note: " << origin << " has no chat template; using the plain fallback format\n";
      std::cout << chat_template::fallback_chat_format(msgs, !o->no_generation_prompt);
      return kExitOk;
    }
    auto tmpl = chat_template::ChatTemplate::parse(source, origin + ":chat_template");
    std::cout << tmpl.render_chat(msgs, !o->no_generation_prompt, bos, eos);
    return kExitOk;
  };
}

}  // namespace polysafe::cli
