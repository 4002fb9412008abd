// `polysafe generate MODEL (--prompt TEXT | --prompts FILE.jsonl) [...]`: batched
// generation with the local engine. Prompts files hold one JSON value per line:
// a string, {"prompt": "..."}, or {"messages": [{"role": ..., "content": ...}]}.
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/detox_options.h"
#include "cli/engine_options.h"
#include "engine/generator.h"
#include "util/error.h"
#include "util/jsonl.h"

namespace polysafe::cli {

namespace {

struct PromptItem {
  std::string text;                                   // plain prompt
  std::vector<chat_template::ChatMessage> messages;       // or a conversation
};

std::vector<PromptItem> read_prompts_file(const std::string& path) {
  std::vector<PromptItem> items;
  jsonl::for_each_record<UsageError>(path, false, [&](const nlohmann::json& j, const std::string& where, size_t) {
    PromptItem it;
    if (j.is_string()) {
      it.text = j.get<std::string>();
    } else if (j.is_object() && j.contains("prompt") && j["prompt"].is_string()) {
      it.text = j["prompt"].get<std::string>();
    } else if (j.is_object() && j.contains("messages") && j["messages"].is_array()) {
      for (const auto& m : j["messages"]) {
        if (!m.is_object() || !m.contains("role") || !m.contains("content") || !m["role"].is_string() ||
            !m["content"].is_string())
          throw UsageError(where + ": field 'messages': expected objects with string 'role' and 'content'");
        it.messages.push_back({m["role"].get<std::string>(), m["content"].get<std::string>()});
      }
    } else {
      throw UsageError(where + ": expected a string, {\"prompt\": ...} or {\"messages\": [...]}");
    }
    items.push_back(std::move(it));
  });
  if (items.empty()) throw UsageError("--prompts: '" + path + "' holds no prompts");
  return items;
}

}  // namespace

std::function<int()> setup_generate(CLI::App& app) {
  auto* cmd = app.add_subcommand("generate", "Generate text with the local engine");
  struct Opts {
    std::string model, prompt, prompts_file;
    bool chat = false, json = false;
    int n = 1, max_batch = 32;
    size_t max_new = 128;
    float temperature = 0.8f, top_p = 0.95f, min_p = 0.05f, repeat_penalty = 1.0f;
    int top_k = 40;
    uint64_t seed = 0;
    std::vector<std::string> stop;
    EngineOptions eng;
    DetoxOptions detox;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("model", o->model, "Model: short name, GGUF file or checkpoint directory")->required();
  auto* p1 = cmd->add_option("--prompt", o->prompt, "Prompt text");
  auto* p2 = cmd->add_option("--prompts", o->prompts_file, "JSONL file of prompts (string, {prompt}, or {messages})");
  p1->excludes(p2);
  cmd->add_flag("--chat", o->chat, "Render prompts with the model's chat template (as a user turn)");
  cmd->add_option("--n", o->n, "Samples per prompt (they share the prompt's prefill)");
  cmd->add_option("--max-new", o->max_new, "Maximum new tokens per sample");
  cmd->add_option("--temperature", o->temperature, "Sampling temperature (0: greedy)");
  cmd->add_option("--top-p", o->top_p, "Nucleus sampling threshold (1: off)");
  cmd->add_option("--top-k", o->top_k, "Keep the k most likely tokens (0: off)");
  cmd->add_option("--min-p", o->min_p, "Drop tokens below min-p times the top probability (0: off)");
  cmd->add_option("--repeat-penalty", o->repeat_penalty, "Repetition penalty (1: off)");
  cmd->add_option("--seed", o->seed, "Random seed (sample j of prompt i uses its own stream)");
  cmd->add_option("--stop", o->stop, "Stop string (repeatable)");
  cmd->add_option("--batch", o->max_batch, "Sequences decoded together");
  cmd->add_flag("--json", o->json, "One JSON object per generation");
  add_engine_options(cmd, o->eng);
  add_detox_options(cmd, o->detox);
  return [o]() {
    if (o->prompt.empty() && o->prompts_file.empty()) throw UsageError("give --prompt TEXT or --prompts FILE.jsonl");
    engine::GenerateOptions go;
    go.n = o->n;
    go.max_new_tokens = o->max_new;
    go.chat = o->chat;
    go.stop_strings = o->stop;
    go.max_batch = o->max_batch;
    go.sampling.temperature = o->temperature;
    go.sampling.top_p = o->top_p;
    go.sampling.top_k = o->top_k;
    go.sampling.min_p = o->min_p;
    go.sampling.repetition_penalty = o->repeat_penalty;
    go.sampling.seed = o->seed;
    engine::validate(go);  // before loading the model: bad parameters fail fast

    std::vector<PromptItem> items;
    if (!o->prompts_file.empty()) {
      items = read_prompts_file(o->prompts_file);
    } else {
      if (o->prompt.empty()) throw UsageError("--prompt: prompt is empty");
      if (auto bad = utf8::first_invalid(o->prompt))
        throw UsageError("--prompt: invalid UTF-8 at byte " + std::to_string(*bad));
      items.push_back({o->prompt, {}});
    }

    auto model = load_engine_model(o->model, o->eng);
    engine::Generator gen(*model);
    std::vector<std::vector<int32_t>> ids;
    for (size_t i = 0; i < items.size(); ++i) {
      try {
        if (!items[i].messages.empty()) ids.push_back(gen.encode_chat(items[i].messages));
        else if (o->chat) ids.push_back(gen.encode_chat({{"user", items[i].text}}));
        else ids.push_back(gen.encode_prompt(items[i].text));
      } catch (const Error& e) {
        throw UsageError("prompt " + std::to_string(i) + ": " + e.what());
      }
    }
    const auto detox = open_detox(o->detox, *model);
    auto results = gen.generate_tokens(ids, go, detox ? detox->goodtriever->hook() : engine::LogitsHook{});
    if (detox) {
      const auto& t = detox->goodtriever->timing();
      std::cerr << "goodtriever: " << t.steps << " steps, " << t.rows << " rows, search " << t.search_s << " s, rule "
                << t.combine_s << " s, effective neighbours " << t.mean_effective_k() << " of " << detox->goodtriever->params().k << "\n";
    }
    for (const auto& r : results) {
      if (o->json) {
        nlohmann::json j;
        j["prompt_index"] = r.prompt_index;
        j["sample_index"] = r.sample_index;
        j["text"] = r.text;
        j["tokens"] = r.tokens;
        j["stop_reason"] = r.stop_reason;
        j["prompt_tokens"] = r.prompt_tokens;
        j["utf8_dropped_bytes"] = r.dropped_tail_bytes;
        j["utf8_invalid_sequences"] = r.invalid_utf8_sequences;
        double sum = 0;
        for (float l : r.logprobs) sum += l;
        j["logprob"] = sum;
        std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
      } else {
        if (results.size() > 1)
          std::cout << "--- prompt " << r.prompt_index << ", sample " << r.sample_index << " (" << r.stop_reason
                    << ")\n";
        std::cout << r.text << "\n";
      }
    }
    return kExitOk;
  };
}

}  // namespace polysafe::cli
