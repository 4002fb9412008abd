#include "backend/local_backend.h"

#include <chrono>
#include <filesystem>
#include <map>
#include <tuple>

#include "engine/dtype.h"
#include "engine/generator.h"
#include "engine/model.h"
#include "engine/scorer.h"
#include "util/utf8.h"

namespace polysafe::backend {

namespace {

engine::GenerateOptions options_for(const GenerationParams& p, bool chat, int max_batch) {
  engine::GenerateOptions o;
  o.sampling.temperature = float(p.temperature);
  o.sampling.top_p = float(p.top_p);
  o.sampling.top_k = p.top_k;
  o.max_new_tokens = size_t(std::max(1, p.max_tokens));
  o.stop_strings = p.stop;
  o.n = std::max(1, p.n);
  o.chat = chat;
  o.max_batch = max_batch;
  o.hidden_for_hook = false;
  return o;
}

// Requests that can share one engine call: everything but the prompt and seed.
using GroupKey = std::tuple<bool, double, double, int, int, int, std::vector<std::string>>;

GroupKey group_key(const Request& r) {
  const auto& p = r.params;
  return {r.chat, p.temperature, p.top_p, p.top_k, p.max_tokens, p.n, p.stop};
}

}  // namespace

LocalBackend::LocalBackend(const std::string& name_or_path, const LocalOptions& opts) : name_(name_or_path), opts_(opts) {
  if (opts.max_batch < 1) throw BackendError("local backend: max batch must be at least 1");
  engine::LoadOptions lo;
  lo.dtype = engine::parse_dtype(opts.dtype);
  lo.threads = opts.threads;
  lo.keep_quantized = !opts.dequantize;
  model_ = engine::Model::load(name_or_path, lo);
  // The weights file identifies the model in cache keys: its size and mtime
  // change when it is replaced; the dtype changes the numbers.
  std::error_code ec;
  const auto& path = model_->path();
  auto size = std::filesystem::file_size(path, ec);
  auto mtime = std::filesystem::last_write_time(path, ec).time_since_epoch().count();
  fingerprint_ = spec() + "|" + std::filesystem::path(path).filename().string() + "|" + std::to_string(ec ? 0 : size) +
                 "|" + std::to_string(ec ? 0 : mtime) + "|" + opts.dtype;
}

LocalBackend::~LocalBackend() = default;

std::string LocalBackend::spec() const { return "local:" + name_; }
std::string LocalBackend::fingerprint() const { return fingerprint_; }

std::vector<std::vector<float>> LocalBackend::embed(const std::vector<std::string>& texts, const std::string& point) {
  if (point != "final-norm" && point != "ffn-input")
    throw BackendError("embed: unknown hidden point '" + point + "' (known: final-norm, ffn-input)");
  // Answers are untrusted bytes: ill-formed UTF-8 becomes U+FFFD and an empty
  // answer one space, so every answer gets a row.
  std::vector<std::string> clean;
  clean.reserve(texts.size());
  for (const auto& t : texts) {
    std::string c = utf8::replace_invalid(t);
    clean.push_back(c.empty() ? " " : std::move(c));
  }
  engine::Scorer scorer(*model_, opts_.max_batch);
  return scorer.embed(clean, point == "ffn-input" ? engine::HiddenPoint::FfnInput : engine::HiddenPoint::FinalNorm);
}

void LocalBackend::set_logits_hook(engine::LogitsHook hook, const std::string& tag) {
  hook_ = std::move(hook);
  fingerprint_ += "|hook:" + tag;
}

void LocalBackend::generate(const std::vector<Request>& requests, const ResponseCallback& on_done,
                            const std::function<bool()>& should_stop) {
  engine::Generator gen(*model_);
  std::map<GroupKey, std::vector<size_t>> groups;
  for (size_t i = 0; i < requests.size(); ++i) groups[group_key(requests[i])].push_back(i);

  for (const auto& [key, members] : groups) {
    const Request& first = requests[members.front()];
    const int n = std::max(1, first.params.n);
    // One engine call per batch, so each answer is stored as soon as its batch ends.
    const size_t per_call = std::max<size_t>(1, size_t(opts_.max_batch) / size_t(n));
    for (size_t b0 = 0; b0 < members.size(); b0 += per_call) {
      if (should_stop && should_stop()) return;
      const size_t b1 = std::min(members.size(), b0 + per_call);
      engine::GenerateOptions o = options_for(first.params, first.chat, opts_.max_batch);
      o.hidden_for_hook = bool(hook_);
      std::vector<std::vector<int32_t>> prompts;
      std::vector<size_t> batch;
      auto t0 = std::chrono::steady_clock::now();
      for (size_t k = b0; k < b1; ++k) {
        const Request& r = requests[members[k]];
        try {
          if (r.chat) {
            std::vector<chat_template::ChatMessage> conv;
            for (const auto& m : r.messages) conv.push_back({m.role, m.content});
            prompts.push_back(gen.encode_chat(conv));
          } else {
            prompts.push_back(gen.encode_prompt(r.prompt));
          }
          o.prompt_seeds.push_back(r.params.seed);
          batch.push_back(members[k]);
        } catch (const Error& e) {  // a prompt the model cannot take fails alone
          Response resp;
          resp.attempts = 1;
          resp.error = e.what();
          resp.attempt_errors.push_back(resp.error);
          on_done(members[k], std::move(resp));
        }
      }
      if (batch.empty()) continue;
      std::vector<engine::Generation> out;
      std::string error;
      try {
        out = gen.generate_tokens(prompts, o, hook_);
      } catch (const Error& e) {
        error = e.what();
      }
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      for (size_t k = 0; k < batch.size(); ++k) {
        Response resp;
        resp.attempts = 1;
        resp.latency_s = secs;
        if (!error.empty()) {
          resp.error = error;
          resp.attempt_errors.push_back(error);
        } else {
          resp.ok = true;
          int64_t completion = 0;
          for (int j = 0; j < n; ++j) {
            const auto& g = out[k * size_t(n) + size_t(j)];
            resp.texts.push_back(g.text);
            resp.utf8.push_back({int64_t(g.dropped_tail_bytes), int64_t(g.invalid_utf8_sequences)});
            completion += int64_t(g.tokens.size());
            if (j == 0) {
              resp.finish_reason = g.stop_reason == "length" ? "length" : "stop";
              resp.prompt_tokens = int64_t(g.prompt_tokens);
            }
          }
          resp.completion_tokens = completion;
        }
        on_done(batch[k], std::move(resp));
      }
    }
  }
}

}  // namespace polysafe::backend
